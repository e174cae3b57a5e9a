"""The restore drill: back up a live instance, restore into a fresh one, and find the same rows, the
same chain heads, ``flask drafts verify`` passing and the search index rebuilt; a damaged backup
is refused and changes nothing."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Draft
from conftest import PG_ADMIN_URL, make_config


def _summary(app) -> dict:
    from app.services import backup
    with app.app_context():
        return backup.summary()


@pytest.fixture
def source(app_factory, request):
    app = app_factory(request.param) if request.param == "sqlite" else \
        app_factory("postgresql", SEARCH_BACKEND="postgresql")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def fresh(request, app_factory, tmp_path):
    """An empty instance to restore into (on PostgreSQL a database of its own)."""
    if request.node.callspec.params["source"] == "sqlite":
        yield app_factory("sqlite")
        return
    import psycopg

    from app import create_app
    name = f"muhokama_restore_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(make_config(f"{base}/{name}", tmp_path, SEARCH_BACKEND="postgresql"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("source", ["sqlite", "postgresql"], indirect=True)
def test_restore_drill(source, fresh, tmp_path):
    file = tmp_path / "muhokama.backup"
    result = source.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0 and file.stat().st_size > 0, result.output
    before = _summary(source)
    assert before["heads"] and before["rows"]["comment"] > 0

    result = fresh.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    after = _summary(fresh)
    assert after == before
    result = fresh.test_cli_runner().invoke(args=["drafts", "verify"])
    assert result.exit_code == 0 and "OK" in result.output
    hits = fresh.test_client().get("/api/v1/search", query_string={"q": "text message"}).get_json()
    assert hits["total"] > 0  # the index was rebuilt from the restored rows


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_a_damaged_backup_is_refused_and_changes_nothing(source, fresh, tmp_path):
    file = tmp_path / "muhokama.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    data = bytearray(file.read_bytes())
    data[:100] = b"\0" * 100  # the SQLite header is gone
    file.write_bytes(bytes(data))
    before = _summary(fresh)
    result = fresh.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 1 and "not a Muhokama SQLite backup" in result.output
    assert _summary(fresh) == before
    with fresh.app_context():
        assert db.session.scalar(select(Draft.id)) is None
    missing = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing"), "--yes"])
    assert missing.exit_code == 1 and "is not a file" in missing.output
