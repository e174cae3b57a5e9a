"""The funding arithmetic of a round, pure: rank eligible projects by votes and fund them in that
order while the envelope allows; a project that no longer fits is skipped and the next considered.

Ties (equal votes) are ordered by the lower cost first (so the envelope funds more projects), then
by the earlier submission; each step records the rule that placed it, so the page can show it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    id: int
    title: str
    votes: int
    cost: int


@dataclass(frozen=True)
class Step:
    rank: int
    entry: Entry
    funded: bool
    remaining_before: int
    remaining_after: int
    #: the entries of equal votes this one was ordered against (empty when its votes are unique)
    tied_with: tuple[Entry, ...] = ()

    @property
    def skipped(self) -> bool:
        return not self.funded


def rank(entries: list[Entry]) -> list[Entry]:
    """Most votes first; equal votes: lower cost, then earlier submission (lower id)."""
    return sorted(entries, key=lambda e: (-e.votes, e.cost, e.id))


def allocate(envelope: int, entries: list[Entry]) -> list[Step]:
    """The steps of funding ``entries`` from ``envelope``, in rank order."""
    if envelope < 0:
        raise ValueError("the envelope cannot be negative")
    by_votes: dict[int, list[Entry]] = {}
    for e in entries:
        by_votes.setdefault(e.votes, []).append(e)
    steps, remaining = [], envelope
    for n, entry in enumerate(rank(entries), start=1):
        fits = entry.cost <= remaining
        after = remaining - entry.cost if fits else remaining
        tied = tuple(e for e in rank(by_votes[entry.votes]) if e.id != entry.id)
        steps.append(Step(n, entry, fits, remaining, after, tied))
        remaining = after
    return steps


def funded_total(steps: list[Step]) -> int:
    return sum(s.entry.cost for s in steps if s.funded)
