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
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")  # checked below
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": _not_search_document}), db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


@pytest.mark.both_backends
def test_clauses_are_looked_up_by_number_through_the_expression_index(app):
    """Search by clause number ("Статья 2") compares lower(num) within current revisions; the
    comparison above cannot see expression indexes, so this checks that the migration made it."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM clause WHERE revision_id = 1 AND lower(num) = '2'")))
            assert "ix_clause_revision_num" in plan
        else:
            definition = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_clause_revision_num'"))
            assert "lower" in definition and "revision_id" in definition


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_the_email_settings_language_becomes_the_accounts_where_it_had_none(tmp_path):
    """Migration 0018: one language per person. An account without a language takes the one its
    email settings had; an account's own choice stays; downgrading gives the settings theirs back."""
    import flask_migrate
    from conftest import make_config

    from app import create_app
    app = create_app(make_config(f"sqlite:///{tmp_path / 'old.db'}", tmp_path))
    with app.app_context():
        flask_migrate.upgrade(revision="0013_attachments")
        with db.engine.begin() as conn:
            for uid, language in ((1, None), (2, "uz"), (3, None)):
                conn.execute(text("INSERT INTO user_account (id, email, display_name, password_hash, role, "
                                  "session_token, language, created_at, block_reason) VALUES (:id, :email, 'N', "
                                  "'x', 'citizen', :token, :language, '2026-01-01 00:00:00', '')"),
                             {"id": uid, "email": f"u{uid}@example.org", "token": f"t{uid}", "language": language})
            for uid in (1, 2):
                conn.execute(text("INSERT INTO mail_settings (user_id, frequency, language, updated_at) "
                                  "VALUES (:id, 'daily', 'ru', '2026-01-01 00:00:00')"), {"id": uid})
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            assert dict(conn.execute(text("SELECT id, language FROM user_account")).all()) == {
                1: "ru", 2: "uz", 3: None}
            assert conn.execute(text("SELECT count(*) FROM mail_settings WHERE frequency = 'daily'")).scalar() == 2
        flask_migrate.downgrade(revision="0013_attachments")
        with db.engine.connect() as conn:
            assert dict(conn.execute(text("SELECT user_id, language FROM mail_settings")).all()) == {1: "ru", 2: "uz"}
        db.engine.dispose()
