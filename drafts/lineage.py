"""Compare two stored revisions of a draft clause by clause, by lineage key.

Stored revisions already carry lineage keys (``drafts.align`` ran when each was published), so
there is nothing to guess here: the same key is the same clause. Pure functions over plain
mappings (``key``, ``eid``, ``label``, ``heading``, ``text``), no Flask and no database, so the
rules can be tested with literal input. Word diffs run only on pairs whose text differs.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from drafts.align import KINDS, longest_increasing, normalize_text, own_number
from drafts.diff import DELETE, EQUAL, INSERT, word_diff

ClauseRow = Mapping[str, str]


@dataclass(frozen=True)
class Row:
    """One line of a comparison, in the newer revision's order (a deleted clause where it stood)."""

    folded: ClassVar[bool] = False
    kind: str  #: unchanged | modified | moved | inserted | deleted
    old: ClauseRow | None
    new: ClauseRow | None
    #: word-level ops over heading + text: -1 delete, 0 equal, 1 insert; empty when the words are the same
    ops: tuple[tuple[int, str], ...] = ()
    #: for "moved": True when the clause changed place among the others, False when only its number changed
    reordered: bool = False

    @property
    def key(self) -> str:
        return (self.new or self.old)["key"]  # type: ignore[index]

    @property
    def title(self) -> str:
        """"Article 5 → Article 6" when the label changed, else the one label."""
        old = (self.old["label"] or self.old["eid"]) if self.old else ""
        new = (self.new["label"] or self.new["eid"]) if self.new else ""
        return f"{old} → {new}" if old and new and old != new else (new or old)


def body(clause: ClauseRow) -> str:
    """Heading and text with whitespace normalised, as the engine compares them (a reflowed
    paragraph is not a change)."""
    heading = " ".join((clause.get("heading") or "").split())
    text = normalize_text(clause.get("text") or "")
    return f"{heading}\n\n{text}" if heading and text else heading or text


def compare_by_key(old: Sequence[ClauseRow], new: Sequence[ClauseRow]) -> list[Row]:
    """Classify every clause of two revisions by lineage key.

    Same key, same words: unchanged; same key, other words: modified; key only in ``new``:
    inserted; key only in ``old``: deleted, placed before the first clause that followed it and
    stayed in order. A matched key outside the longest run of clauses that kept their relative
    order, or whose own number or parent changed, is moved (with ops too when its words changed).
    """
    old_pos = {c["key"]: i for i, c in enumerate(old)}
    matched = [(j, old_pos[c["key"]]) for j, c in enumerate(new) if c["key"] in old_pos]
    in_order = {matched[p][0] for p in longest_increasing([i for _, i in matched])}
    # bound[j]: old position of the first in-order clause at or after new position j
    bound = [len(old)] * (len(new) + 1)
    for j in range(len(new) - 1, -1, -1):
        bound[j] = old_pos[new[j]["key"]] if j in in_order else bound[j + 1]
    new_keys = {c["key"] for c in new}
    old_anchor, new_anchor = _anchors(old, new_keys), _anchors(new, set(old_pos))
    deleted = [i for i, c in enumerate(old) if c["key"] not in new_keys]
    rows: list[Row] = []
    d = 0
    for j, clause in enumerate(new):
        while d < len(deleted) and deleted[d] < bound[j]:
            rows.append(_deleted(old[deleted[d]]))
            d += 1
        i = old_pos.get(clause["key"])
        rows.append(_inserted(clause) if i is None else
                    _pair(old[i], clause, j in in_order, old_anchor[i] == new_anchor[j]))
    rows.extend(_deleted(old[i]) for i in deleted[d:])
    return rows


def _deleted(clause: ClauseRow) -> Row:
    text = body(clause)
    return Row("deleted", clause, None, ((DELETE, text),) if text else ())


def _inserted(clause: ClauseRow) -> Row:
    text = body(clause)
    return Row("inserted", None, clause, ((INSERT, text),) if text else ())


def _anchors(clauses: Sequence[ClauseRow], kept: set[str]) -> list[str]:
    """Each clause's nearest ancestor (by eid) whose key is in both revisions, as that key ("" for
    none): a chapter inserted around old sections, or renumbered, leaves their anchor alone."""
    key_by_eid = {c["eid"]: c["key"] for c in clauses}
    out = []
    for c in clauses:
        eid, anchor = c["eid"], ""
        while "__" in eid and not anchor:
            eid = eid.rpartition("__")[0]
            key = key_by_eid.get(eid)
            anchor = key if key in kept else ""
        out.append(anchor)
    return out


def _pair(old: ClauseRow, new: ClauseRow, in_order: bool, same_place: bool = True) -> Row:
    """Moved: out of order, renumbered itself (its own number, not a parent's) or under another
    parent; a clause whose eid changed only with its chapter's number kept its place."""
    same_words = (old.get("heading"), old.get("text")) == (new.get("heading"), new.get("text"))
    a, b = (None, None) if same_words else (body(old), body(new))
    ops = () if same_words or a == b else tuple(word_diff(a, b))  # type: ignore[arg-type]
    elsewhere = old["eid"] != new["eid"] and not same_place
    renumbered = old["eid"] != new["eid"] and (
        own_number(old.get("kind", ""), old.get("num", ""), old["eid"])
        != own_number(new.get("kind", ""), new.get("num", ""), new["eid"]) or old.get("kind") != new.get("kind"))
    if not in_order or renumbered or elsewhere:
        return Row("moved", old, new, ops, reordered=not in_order or elsewhere)
    return Row("modified" if ops else "unchanged", old, new, ops)


def totals(rows: Sequence[Row]) -> dict[str, int]:
    """How many rows of each kind; every kind is present."""
    counts = Counter(r.kind for r in rows)
    return {kind: counts.get(kind, 0) for kind in KINDS}


@dataclass(frozen=True)
class Fold:
    """A stretch of unchanged clauses shown as one line; ``start`` is its first row's index."""

    folded: ClassVar[bool] = True
    start: int
    rows: tuple[Row, ...]

    @property
    def first(self) -> str:
        return self.rows[0].title

    @property
    def last(self) -> str:
        return self.rows[-1].title


def fold(rows: Sequence[Row], *, show_all: bool = False, expand: int | None = None) -> list[Row | Fold]:
    """Rows with each stretch of unchanged clauses folded, unless ``show_all`` or the stretch
    starts at row ``expand`` (the "show them" link of that fold)."""
    out: list[Row | Fold] = []
    run: list[Row] = []
    start = 0
    for k, row in enumerate([*rows, None]):
        if row is not None and row.kind == "unchanged" and not show_all:
            if not run:
                start = k
            run.append(row)
            continue
        if run:
            out.extend(run if start == expand else [Fold(start, tuple(run))])
            run = []
        if row is not None:
            out.append(row)
    return out


def sides(ops: Sequence[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Ops split for a side-by-side view: the old column (equal + deleted), the new one (equal + inserted)."""
    return ([(op, t) for op, t in ops if op in (EQUAL, DELETE)],
            [(op, t) for op, t in ops if op in (EQUAL, INSERT)])
