"""The schema is created only by migrations; these tests keep models and migrations in step."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.extensions import db


def _not_search_document(obj, name, type_, reflected, compare_to) -> bool:
    """search_document is PostgreSQL-only (tsvector + GIN, migration 0002) and has no model."""
    table = getattr(obj, "table", None)
    return name != "search_document" and getattr(table, "name", None) != "search_document"


@pytest.mark.both_backends
def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": _not_search_document}), db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
