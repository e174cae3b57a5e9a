"""The data model of the document engine: a tree of provisions and the flat list of clauses.

``Document`` is defined here; ``Provision`` and ``Clause`` live in ``drafts.model`` (below
``drafts.clauses``, which builds clauses from provisions) and are re-exported from here, the
place the rest of the engine and its users import them from.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from drafts.clauses import clauses
from drafts.model import Clause, Provision

__all__ = ["Clause", "Document", "Provision"]


@dataclass
class Document:
    title: str
    provisions: list[Provision] = field(default_factory=list)  #: top-level provisions in order
    lang: str = ""

    def walk(self) -> Iterator[Provision]:
        for p in self.provisions:
            yield from p.walk()

    def find(self, eid: str) -> Provision | None:
        """The provision with this eid, or None."""
        return next((p for p in self.walk() if p.eid == eid), None)

    def clauses(self) -> list[Clause]:
        """The commentable units in document order (see ``drafts.clauses``)."""
        return clauses(self)
