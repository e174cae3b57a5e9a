"""Nest scanned blocks into a provision tree and give every provision its eid.

Headings nest by level ("#" count; a heading recognised only by its words counts as level 10).
Where the levels are equal (plain text, or Markdown that puts "Kapitel 1" and "§ 21" at the same
depth), a *numbered* grouping heading holds what follows it if that is an article, an
unnumbered heading or a grouping kind first seen later in the document (Часть > Раздел > Глава
in one law, Buch > Abschnitt > Titel in another: the order of first appearance decides).

Numbered paragraphs and points nest by their style, as lawyers read them: a marker of a style
already open at the same indentation closes everything opened since and becomes its sibling
("(2)" after "(1) ... 1. ... a)"); any other style opens a level below.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drafts.document import Document, Provision
from drafts.patterns import (
    ARTICLE_KINDS,
    GROUP_KINDS,
    Heading,
    Marker,
    eid_num,
    follows,
)

TEXT_LEVEL = 10  #: nesting level of a heading recognised by its words, not by Markdown "#"

EID_PREFIX = {
    "book": "book", "part": "part", "title": "title", "subtitle": "subtitle", "chapter": "chp",
    "subchapter": "subchp", "division": "dvs", "subdivision": "subdvs", "section": "sec",
    "article": "art", "paragraph": "para", "point": "point", "heading": "hcontainer",
    "annex": "att", "preamble": "preamble", "frontmatter": "preface", "text": "text",
}


_HEAD_KINDS = GROUP_KINDS | ARTICLE_KINDS


@dataclass
class Block:
    """A run of source lines that forms one unit of the tree: what ``drafts.parse.scan`` cuts
    the text into and ``build`` nests (defined here, below drafts.parse, which imports build)."""

    kind: str  #: heading | marker | bullet | para | table | front
    lines: list[str] = field(default_factory=list)
    indent: int = 0
    level: int = 0  #: heading level: 1-6 for "#", TEXT_LEVEL for a recognised heading line
    heading: Heading | None = None
    marker: Marker | None = None
    content_indent: int = 0  #: paragraphs indented less than this leave the numbered item


@dataclass
class _Open:
    """An open numbered paragraph/point while its siblings or children may still follow."""

    prov: Provision
    form: str
    cls: str
    col: int
    content_indent: int


@dataclass
class _Head:
    level: int
    prov: Provision


class Builder:
    def __init__(self, kinds: list[str]) -> None:
        """``kinds``: the kinds of the recognised headings, in document order."""
        self.leaf = set(ARTICLE_KINDS) - ({"section"} if "article" in kinds else set())
        self.rank: dict[str, int] = {}
        for k in kinds:
            if k not in self.leaf:
                self.rank.setdefault(k, len(self.rank))
        self.roots: list[Provision] = []
        self.heads: list[_Head] = []
        self.nums: list[_Open] = []
        self.preamble: Provision | None = None
        self.kind_level: dict[str, int] = {}  #: level of "#" headings of each kind seen so far

    def _level(self, b: Block) -> int:
        """A heading found by its words takes the level of a "#" heading of the same kind (or,
        for a grouping kind, of the articles), so "Article 2." after "### Article 1." is a
        sibling, not a child."""
        kind = b.heading.kind if b.heading else "heading"
        if b.level < TEXT_LEVEL:
            self.kind_level.setdefault(kind, b.level)
            return b.level
        if kind in self.kind_level:
            return self.kind_level[kind]
        leaf = [lv for k, lv in self.kind_level.items() if k in self.leaf]
        return min(leaf) if leaf and kind not in self.leaf else b.level

    # -- headings --------------------------------------------------------------------------
    def heading(self, b: Block) -> None:
        h = b.heading
        text = b.lines[0] if b.lines else ""
        if h:
            p = Provision(h.kind, num=h.num, heading=text, marker=h.marker)
        else:
            p = Provision("heading", heading=text)
        level = self._level(b)
        while self.heads:
            top = self.heads[-1]
            if top.level < level or (top.level == level and self.holds(top.prov, p)):
                break
            self.heads.pop()
        self._attach(self.heads[-1].prov if self.heads else None, p)
        self.heads.append(_Head(level, p))
        self.nums = []

    def holds(self, top: Provision, new: Provision) -> bool:
        """Whether a heading at the same level as ``new`` is its parent rather than sibling."""
        if not top.num or top.kind in self.leaf or top.kind not in self.rank:
            return False
        if new.kind == "heading":
            return True
        if top.kind == "annex" or new.kind == "annex":
            return False
        if new.kind in self.leaf:
            return True
        return new.kind != top.kind and self.rank.get(new.kind, 99) > self.rank[top.kind]

    # -- numbered paragraphs and points --------------------------------------------------
    def marker(self, b: Block) -> None:
        mk = b.marker
        assert mk is not None
        while self.nums and self.nums[-1].col > b.indent:
            self.nums.pop()
        cls, at = mk.classes[0], None
        candidates = [(i, o) for i, o in enumerate(self.nums)
                      if o.col == b.indent and o.form == mk.form and o.cls in mk.classes]
        if candidates:
            # prefer the list this number continues: "(i)" after "(h)" is a letter
            at, o = next(((i, o) for i, o in reversed(candidates)
                          if follows(o.cls, o.prov.num, mk.num)), candidates[-1])
            cls = o.cls
            del self.nums[at:]
        parent = self.nums[-1].prov if self.nums else self._container()
        kind = "point" if self.nums else "paragraph"
        p = Provision(kind, num=mk.num, text=b.lines[0] if b.lines else "", marker=mk.marker)
        self._attach(parent, p)
        self.nums.append(_Open(p, mk.form, cls, b.indent, b.content_indent))

    # -- unnumbered text --------------------------------------------------------------------
    def text(self, b: Block) -> None:
        if not b.lines:
            return
        while self.nums and self.nums[-1].content_indent > b.indent:
            self.nums.pop()
        target = self.nums[-1].prov if self.nums else self._container()
        if target is None:
            if not any(r.kind not in ("frontmatter", "preamble") for r in self.roots[-2:]):
                if self.preamble is None:
                    self.preamble = Provision("preamble")
                    self.roots.append(self.preamble)
                add_text(self.preamble, b.lines[0])
                return
            target = self.roots[-1] if self.roots[-1].kind == "text" else None
            if target is None:
                target = Provision("text")
                self.roots.append(target)
        add_text(target, b.lines[0])

    def _container(self) -> Provision | None:
        return self.heads[-1].prov if self.heads else None

    def _attach(self, parent: Provision | None, p: Provision) -> None:
        (parent.children if parent is not None else self.roots).append(p)


def add_text(target: Provision, para: str) -> None:
    """Append a paragraph in document order: after children it becomes a "text" child."""
    if target.children:
        last = target.children[-1]
        if last.kind != "text":
            last = Provision("text")
            target.children.append(last)
        target = last
    target.text = f"{target.text}\n\n{para}" if target.text else para


def build(blocks: list[Block], *, markdown: bool) -> Document:
    """Nest the blocks into a Document, assign eids and find the title."""
    b = Builder([x.heading.kind for x in blocks if x.kind == "heading" and x.heading])
    front = None
    for block in blocks:
        if block.kind == "front":
            front = Provision("frontmatter", text="\n".join(block.lines))
            b.roots.append(front)
        elif block.kind == "heading":
            b.heading(block)
        elif block.kind == "marker":
            b.marker(block)
        else:
            b.text(block)
    assign_eids(b.roots)
    return Document(title=_title(blocks, front), provisions=b.roots)


def _title(blocks: list[Block], front: Provision | None) -> str:
    if front is not None:
        for line in front.text.split("\n"):
            key, _, value = line.partition(":")
            if key.strip().lower() == "title" and value.strip():
                return value.strip().strip("\"'")
    for x in blocks:
        if x.kind == "heading" and (x.level == 1 or (x.level < TEXT_LEVEL and not x.heading)):
            return " ".join(filter(None, [x.heading.marker if x.heading else "", *x.lines]))
        if x.kind == "para" and x.lines and len(x.lines[0].split()) >= 3:
            return x.lines[0][:200]
    return ""


def assign_eids(provisions: list[Provision], prefix: str = "", used: set[str] | None = None) -> None:
    """Give each provision an Akoma Ntoso style eid, unique and deterministic.

    A numbered provision gets ``<kind>_<num>`` ("art_5", "para_a"), others ``<kind>_<n>`` by
    order among their siblings of that kind. Unnumbered headings do not become part of their
    sub-headings' ids (so "§ 5" stays "sec_5" under any unnumbered heading), but do prefix their
    own paragraphs. A clash (two "§ 5" in one law) gets a suffix: "sec_5_2".
    """
    used = set() if used is None else used
    counts: dict[str, int] = {}
    first_of: dict[tuple[str, str], Provision] = {}  # (kind, num) -> its first print among these siblings
    for p in provisions:
        if p.num and p.kind in _HEAD_KINDS:  # a list restarting at "1." is no second wording
            first = first_of.setdefault((p.kind, p.num), p)
            if first is not p:  # printed again: another wording of the same provision
                first.wording = first.wording or 1
                p.wording = max(q.wording for q in provisions if q.kind == p.kind and q.num == p.num) + 1
        short = EID_PREFIX.get(p.kind, "hcontainer")
        num = eid_num(p.num) if p.num else ""
        if not num:
            counts[short] = n = counts.get(short, 0) + 1
            num = str(n)
        token = short if p.kind in ("preamble", "frontmatter") and num == "1" else f"{short}_{num}"
        eid = f"{prefix}__{token}" if prefix else token
        if eid in used:
            n = 2
            while f"{eid}_{n}" in used:
                n += 1
            eid = f"{eid}_{n}"
        used.add(eid)
        p.eid = eid
        if p.children:
            structural = p.kind == "heading" and not p.num
            heads = [c for c in p.children if c.kind in _HEAD_KINDS and c.num] if structural else []
            if structural and heads:
                assign_eids(heads, prefix, used)
                ids = {id(c) for c in heads}
                rest = [c for c in p.children if id(c) not in ids]
                assign_eids(rest, eid, used)
            else:
                assign_eids(p.children, eid, used)
