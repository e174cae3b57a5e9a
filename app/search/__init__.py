"""Search: one interface, two engines (Whoosh files on one machine, PostgreSQL full text on many),
chosen with SEARCH_BACKEND. The database is the source of truth; engines hold derived data that
``flask search rebuild`` can always recreate, and changes reach them through the outbox.

The engines only find ids. Visibility (published drafts, visible comments), draft-level facets
(agency, status) and the current revision are decided from the database at query time, and every
hit is re-read from the database before it is shown, so a stale index can never show hidden text.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app


@dataclass
class EngineQuery:
    """What an engine is asked: the parsed query plus filters already resolved against the DB."""
    parsed: object  # analysis.ParsedQuery
    kinds: list[str]
    #: draft id -> current revision number, for every published draft
    current_revisions: dict[int, int]
    #: drafts whose documents must never be returned (unpublished)
    hidden_drafts: set[int] = field(default_factory=set)
    #: None: any published draft; else only these (agency/status/draft filters)
    only_drafts: set[int] | None = None
    exclude_keys: set[str] = field(default_factory=set)
    any_terms: bool = False
    all_revisions: bool = False
    lang: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0


@dataclass
class EngineResult:
    #: kind -> object ids, best first
    hits: dict[str, list[int]] = field(default_factory=dict)
    #: facet -> value -> number of matching documents ("kind", "lang", "draft")
    counts: dict[str, Counter] = field(default_factory=dict)
    #: query words that every language treats as too common to search for
    dropped: list[str] = field(default_factory=list)


class Backend(ABC):
    """An engine. ``writing`` yields a batch (claim/upsert/delete), or None when it would wait."""
    name = ""

    @abstractmethod
    def writing(self, *, blocking: bool): ...

    @abstractmethod
    def rebuild(self, docs) -> int: ...

    @abstractmethod
    def search(self, eq: EngineQuery) -> EngineResult: ...

    @abstractmethod
    def snippet(self, parsed, shown) -> str: ...

    @abstractmethod
    def stats(self) -> dict[str, int]: ...

    def close(self) -> None:
        """Release files or connections held between requests."""


BACKENDS = ("whoosh", "postgresql")


def get_backend(app=None) -> Backend:
    """The configured engine of this app, created once per process."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("search_backend")
    if backend is None:
        name = app.config.get("SEARCH_BACKEND", "whoosh")
        if name in ("postgres", "postgresql", "pg"):
            from app.search.pg_backend import PostgresBackend
            backend = PostgresBackend()
        elif name == "whoosh":
            from app.search.whoosh_backend import WhooshBackend
            backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
        else:
            raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
        app.extensions["search_backend"] = backend
    return backend
