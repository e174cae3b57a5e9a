"""Search: one interface, two engines (Whoosh files on one machine, PostgreSQL full text on many),
chosen with SEARCH_BACKEND. The database is the source of truth; engines hold derived data that
``flask search rebuild`` can always recreate, and changes reach them through the outbox.

The engines only find ids. Visibility (published drafts, visible comments), draft-level facets
(agency, status) and the current revision are decided from the database at query time, and every
hit is re-read from the database before it is shown, so a stale index can never show hidden text.
"""
from __future__ import annotations

from flask import current_app

from app.search.base import Backend, EngineQuery, EngineResult
from app.search.pg_backend import PostgresBackend
from app.search.whoosh_backend import WhooshBackend

__all__ = ["BACKENDS", "Backend", "EngineQuery", "EngineResult", "get_backend"]

BACKENDS = ("whoosh", "postgresql")


def get_backend(app=None) -> Backend:
    """The configured engine of this app, created once per process."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("search_backend")
    if backend is None:
        name = app.config.get("SEARCH_BACKEND", "whoosh")
        if name in ("postgres", "postgresql", "pg"):
            backend = PostgresBackend()
        elif name == "whoosh":
            backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
        else:
            raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
        app.extensions["search_backend"] = backend
    return backend
