"""Engine set-up: SQLite tuned so several gunicorn workers can write at once."""
from __future__ import annotations

import time
from contextlib import contextmanager

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def configure_engine(engine: Engine, busy_timeout_ms: int = 10_000, ping_after_idle: float = 30.0) -> None:
    if engine.dialect.name != "sqlite":
        _ping_when_idle(engine, ping_after_idle)
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")  # wait for another writer; then 503
        cur.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode, much faster commits
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that reads and then writes can fail with SQLITE_BUSY without
        # waiting (the busy handler cannot resolve a lock upgrade). Requests that may write take
        # the write lock up front, so they queue behind busy_timeout; reads stay concurrent.
        if has_app_context() and g.get("sqlite_deferred", False):
            writes = False
        else:
            writes = not has_request_context() or request.method not in ("GET", "HEAD", "OPTIONS") \
                or g.get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before use only when it sat idle for ``seconds``: one that was
    used a moment ago is alive, and a ping on every checkout (``pool_pre_ping``) is a round trip
    in every request. A dead one found here is replaced at once (the pool retries the checkout)."""
    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        last = record.info.get("checked_in_at")
        if last is not None and time.monotonic() - last < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError() from exc

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):
        record.info["checked_in_at"] = time.monotonic()


@contextmanager
def write_in_read_request(session):
    """For the rare GET that writes: end the read snapshot first, then begin with the write lock,
    so the write waits its turn instead of failing with "database is locked"."""
    session.commit()
    g.sqlite_immediate = True
    try:
        yield
        session.commit()
    finally:
        g.sqlite_immediate = False


@contextmanager
def read_without_write_lock(session):
    """In a request or command that writes, read for a while without holding SQLite's write lock
    (e.g. while writing the search index), then end that snapshot; the next write begins anew."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    session.commit()
    g.sqlite_deferred = True
    try:
        yield
    finally:
        g.sqlite_deferred = False
        session.commit()
