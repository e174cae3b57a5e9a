"""Line up the clauses of two language versions of one law (the Uzbek and the Russian text) by
their numbers, never by their words, which differ by design.

A clause's eid is its path of kinds and numbers ("chp_2__art_12"), the same in every language the
patterns read ("12-modda", "Статья 12", "Article 12" are all ``art_12``), so the same eid is the
first match. When the structure around a clause differs (one text numbers its chapters, the other
does not), an article or section whose kind and number occur once in each text still matches.
Anything else has no counterpart: saying "not in the other text" beats pointing at the wrong one.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from drafts.patterns import ARTICLE_KINDS


def _number(clause: Mapping) -> tuple[str, str] | None:
    num = str(clause.get("num") or "").strip().lower().rstrip(".")
    return (clause.get("kind") or "", num) if num and clause.get("kind") in ARTICLE_KINDS else None


def counterparts(ours: Iterable[Mapping], theirs: Iterable[Mapping]) -> dict[str, Mapping | None]:
    """For each of our clauses (by eid), the clause of the other version with the same number, or
    None. Clauses are mappings with ``eid``, ``kind`` and ``num`` (the cached clause rows)."""
    ours, theirs = list(ours), list(theirs)
    by_eid = {c["eid"]: c for c in theirs}
    our_numbers = Counter(n for n in map(_number, ours) if n)
    their_numbers = Counter(n for n in map(_number, theirs) if n)
    by_number = {_number(c): c for c in theirs if _number(c) and their_numbers[_number(c)] == 1}
    out: dict[str, Mapping | None] = {}
    for c in ours:
        match = by_eid.get(c["eid"])
        number = _number(c)
        if match is None and number and our_numbers[number] == 1:
            match = by_number.get(number)
        out[c["eid"]] = match
    return out


def counterpart(clause: Mapping, theirs: Iterable[Mapping], ours: Iterable[Mapping] = ()) -> Mapping | None:
    """The clause of the other version that matches ``clause`` (see ``counterparts``); ``ours``, the
    rest of our version, lets a number that repeats on our side refuse the loose match."""
    ours = list(ours) or [clause]
    return counterparts(ours, theirs).get(clause["eid"])
