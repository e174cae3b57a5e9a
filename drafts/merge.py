"""Merge a citizen's proposal into the current text of a clause: a real three-way merge.

A proposal is (base text, proposed text), made on an older revision. When the clause has not
changed since, the proposed text is taken as is. Otherwise the edits base->current (staff) and
base->proposed (the proposal) are computed at word level; edits that neither overlap nor touch
are all applied, and edits of the same words are a conflict that shows all three texts.
diff-match-patch's ``patch_apply`` is not used: it reports success while overwriting a
concurrent edit of the same words (ECOSYSTEM.md section 4, case D).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drafts.diff import DELETE, EQUAL, word_diff

STATUSES = ("clean", "merged", "conflict", "noop")


@dataclass(frozen=True)
class Hunk:
    """One region of the base text that both sides edited (or edited right next to each other)."""

    start: int  #: character offsets of the region in the base text
    end: int
    base: str
    current: str  #: the region as it reads now
    proposed: str  #: the region as the proposal would have it


@dataclass(frozen=True)
class Conflict:
    base: str
    current: str
    proposed: str
    hunks: tuple[Hunk, ...]


@dataclass(frozen=True)
class MergeResult:
    status: str  #: "clean" | "merged" | "conflict" | "noop"
    text: str | None  #: the text to publish; None on conflict
    conflict: Conflict | None = None

    def unwrap(self) -> str:
        """The merged text, or MergeConflict for callers that prefer exceptions."""
        if self.conflict is not None or self.text is None:
            raise MergeConflict(self.conflict)  # type: ignore[arg-type]
        return self.text


class MergeConflict(Exception):
    """Raised by ``MergeResult.unwrap``; carries the Conflict with all three texts."""

    def __init__(self, conflict: Conflict) -> None:
        super().__init__(f"{len(conflict.hunks)} conflicting edit(s) of the same words")
        self.conflict = conflict


@dataclass(frozen=True)
class _Edit:
    start: int  #: base[start:end] is replaced by text; start == end is an insertion
    end: int
    text: str
    side: str  #: "current" | "proposed"


def _edits(base: str, other: str, side: str) -> list[_Edit]:
    """The word-level edits turning base into other, as base character ranges."""
    edits: list[_Edit] = []
    pos = 0
    start, removed, added = -1, 0, []
    for op, text in word_diff(base, other) + [(EQUAL, "")]:
        if op == EQUAL:
            if start >= 0:
                edits.append(_Edit(start, start + removed, "".join(added), side))
                start, removed, added = -1, 0, []
            pos += len(text)
            continue
        if start < 0:
            start = pos
        if op == DELETE:
            removed += len(text)
            pos += len(text)
        else:
            added.append(text)
    return edits


def _clusters(edits: list[_Edit]) -> list[list[_Edit]]:
    """Group edits whose base ranges overlap or touch (an insertion at the edge of a
    replacement touches it: which goes first is a human decision)."""
    groups: list[list[_Edit]] = []
    end = -1
    for e in sorted(edits, key=lambda e: (e.start, e.end, e.side)):
        if groups and e.start <= end:
            groups[-1].append(e)
            end = max(end, e.end)
        else:
            groups.append([e])
            end = e.end
    return groups


def _apply(base: str, start: int, end: int, edits: Sequence[_Edit]) -> str:
    """base[start:end] with the given (non-overlapping, sorted) edits applied."""
    out, pos = [], start
    for e in edits:
        out.append(base[pos:e.start])
        out.append(e.text)
        pos = e.end
    out.append(base[pos:end])
    return "".join(out)


def _same(group: list[_Edit]) -> bool:
    """Both sides made exactly the same edits here (then it is one edit, not a conflict)."""
    def side(name: str) -> list[tuple[int, int, str]]:
        return sorted((e.start, e.end, e.text) for e in group if e.side == name)
    return side("current") == side("proposed")


def _three_way(base: str, proposed: str, current: str) -> MergeResult:
    groups = _clusters(_edits(base, current, "current") + _edits(base, proposed, "proposed"))
    out, hunks, pos = [], [], 0
    for group in groups:
        sides = {e.side for e in group}
        if len(sides) == 2 and _same(group):
            group = [e for e in group if e.side == "current"]
        elif len(sides) == 2:
            start, end = min(e.start for e in group), max(e.end for e in group)
            hunks.append(Hunk(start, end, base[start:end],
                              _apply(base, start, end, [e for e in group if e.side == "current"]),
                              _apply(base, start, end, [e for e in group if e.side == "proposed"])))
            continue
        for e in group:
            out.append(base[pos:e.start])
            out.append(e.text)
            pos = e.end
    if hunks:
        return MergeResult("conflict", None, Conflict(base, current, proposed, tuple(hunks)))
    text = "".join(out) + base[pos:]
    return MergeResult("noop" if text == current else "merged", text)


def _newlines(text: str) -> str:
    """Web forms send CRLF; a changed line ending is not a change of the law."""
    return text.replace("\r\n", "\n")


def merge_proposal(base: str, proposed: str, current: str) -> MergeResult:
    """Merge one proposal (made on ``base``) into the clause's ``current`` text.

    clean: the clause is unchanged since base, the proposed text is taken as is;
    noop: the current text already says what the proposal says (or the proposal changes nothing);
    merged: both changed the clause, in different words, and both changes are kept;
    conflict: both changed the same (or adjacent) words; nothing is applied.
    """
    base, proposed, current = _newlines(base), _newlines(proposed), _newlines(current)
    if proposed == current:
        return MergeResult("noop", current)
    if current == base:
        return MergeResult("clean", proposed)
    if proposed == base:
        return MergeResult("noop", current)
    return _three_way(base, proposed, current)


def merge_proposals(current: str, proposals: Sequence[tuple[str, str]]) -> MergeResult:
    """Merge several (base, proposed) pairs into one clause, in the given order.

    Each proposal is merged three-way into the text left by the ones before it, so two
    proposals that edit the same words conflict (the Conflict's ``current`` is that
    intermediate text) and are never silently overwritten; disjoint ones are all applied.
    """
    text = _newlines(current)
    changed: list[str] = []
    for base, proposed in proposals:
        result = merge_proposal(base, proposed, text)
        if result.status == "conflict":
            return result
        if result.status != "noop":
            changed.append(result.status)
            text = result.text  # type: ignore[assignment]
    if not changed:
        return MergeResult("noop", text)
    return MergeResult("clean" if changed == ["clean"] else "merged", text)
