"""What both search engines share: the question an engine is asked, its answer, and the interface."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


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
    #: whether its queries read the visibility of comments and projects from their own rows (then
    #: the search need not tell it which ones are hidden)
    filters_visibility = False
    #: whether the index is a table of the app's database, so a change can be indexed in the
    #: transaction that makes it
    indexes_in_database = False

    @abstractmethod
    def writing(self, *, blocking: bool): ...

    @abstractmethod
    def rebuild(self, docs) -> int: ...

    @abstractmethod
    def search(self, eq: EngineQuery) -> EngineResult: ...

    @abstractmethod
    def snippet(self, parsed, shown) -> str: ...

    def snippets(self, parsed, shown: list) -> list[str]:
        """The snippets of several hits (an engine may make them in one go)."""
        return [self.snippet(parsed, s) for s in shown]

    @abstractmethod
    def stats(self) -> dict[str, int]: ...

    def close(self) -> None:
        """Release files or connections held between requests."""
