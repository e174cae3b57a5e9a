"""The plain data of the document engine: provisions (the tree) and clauses (the flat list).

A *provision* is any node of a law (part, chapter, section, article, paragraph, point, or the
front matter/preamble). A *clause* is the unit people comment on; it is derived from the tree
and carries a lineage ``key`` that stays the same across revisions (see ``drafts.align``).

These sit below ``drafts.clauses``, which builds Clauses from Provisions; ``drafts.document``
(the Document, which derives its clauses) sits above it and re-exports both.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Provision:
    kind: str  #: part | chapter | section | article | paragraph | point | preamble | frontmatter | heading
    num: str = ""  #: the number as printed, without decoration: "5", "2-1401.02", "a", "5A"
    heading: str = ""
    text: str = ""  #: the provision's own words (not its children's), paragraphs joined by "\n\n"
    children: list[Provision] = field(default_factory=list)
    eid: str = ""  #: Akoma Ntoso style id, unique in the document: "chp_2__art_14__para_3"
    #: the designation exactly as printed, with its decoration: "§ 2-501.", "Статья 5.", "(a)",
    #: "1.", "Buch 1 -"; kept so that exports and the word check reproduce the source
    marker: str = ""
    #: 1, 2, ... when the text prints this provision more than once under one parent with the same
    #: number (German consolidated texts: the wording in force, then the future one); 0 otherwise
    wording: int = 0

    def walk(self) -> Iterator[Provision]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Clause:
    key: str  #: lineage key, stable across revisions; equals eid in a first revision
    eid: str
    label: str  #: human label, e.g. "§ 2-1401.02 (a)(5A)" or "Article 5 (2)"
    heading: str
    text: str
    kind: str = "article"
    num: str = ""

    def with_key(self, key: str) -> Clause:
        # not dataclasses.replace, which inspects the fields on every call (3,500 per diff)
        if key == self.key:
            return self
        return Clause(key, self.eid, self.label, self.heading, self.text, self.kind, self.num)

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "eid": self.eid, "label": self.label,
                "heading": self.heading, "text": self.text}
