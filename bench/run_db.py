"""The database of one benchmark run: a PostgreSQL database created for the run and dropped after
it. Only databases this process created are ever dropped, so a run never touches another's."""
from __future__ import annotations

import os

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_CREATED: set[str] = set()


def create_postgresql(purpose: str) -> str:
    """A new database ``muhokama_bench_<purpose>_<pid>``; returns its SQLAlchemy URL."""
    import psycopg
    name = f"muhokama_bench_{purpose}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # fails rather than reuse a name that exists
    _CREATED.add(name)
    return PG_ADMIN.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def drop_postgresql() -> None:
    """Drop the databases this process created (call it in ``finally``)."""
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        while _CREATED:
            conn.execute(f'DROP DATABASE IF EXISTS "{_CREATED.pop()}" WITH (FORCE)')
