"""PostgreSQL connections are pinged before use only after sitting idle (app/database.py): a busy
server does not pay a round trip per request, and a connection the database dropped while it sat
in the pool is replaced without the reader seeing an error."""
from __future__ import annotations

import time

import psycopg
from sqlalchemy import text

from app.extensions import db
from tests.conftest import PG_ADMIN_URL


def _pings(app, monkeypatch) -> list[int]:
    with app.app_context():
        dialect = db.engine.dialect
    seen: list[int] = []
    original = dialect.do_ping

    def counted(dbapi_conn):
        seen.append(1)
        return original(dbapi_conn)
    monkeypatch.setattr(dialect, "do_ping", counted)
    return seen


def _backend_pids(app) -> set[int]:
    with app.app_context():
        return {db.session.scalar(text("SELECT pg_backend_pid()"))}


def test_a_busy_connection_is_not_pinged_before_every_request(app_factory, monkeypatch):
    app = app_factory("postgresql", DB_PING_AFTER_IDLE_SECONDS=30)
    client = app.test_client()
    assert client.get("/drafts").status_code == 200  # the pool's connection exists and was checked in
    pings = _pings(app, monkeypatch)
    for _ in range(5):
        assert client.get("/drafts").status_code == 200
    assert pings == []


def test_a_connection_dropped_while_idle_is_replaced_unseen(app_factory, monkeypatch):
    app = app_factory("postgresql", DB_PING_AFTER_IDLE_SECONDS=0.2)
    client = app.test_client()
    assert client.get("/drafts").status_code == 200
    (pid,) = _backend_pids(app)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:  # the database restarts, say
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    time.sleep(0.3)
    pings = _pings(app, monkeypatch)
    assert client.get("/drafts").status_code == 200
    assert len(pings) >= 1
    assert _backend_pids(app) != {pid}
