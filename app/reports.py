"""The read side of the consultation report: participation over time, activity per clause, stance
balance, decisions on proposals, and how long official answers took (per draft and per agency).
Grouped in the database, so a draft with many thousands of comments costs a few queries."""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import aliased

from app import clusters, queries
from app.activity import clause_counts
from app.extensions import db
from app.models import RESPONDENT_TYPES, ClauseVote, Comment, Draft, Proposal, Revision
from drafts.diff import DELETE, EQUAL, INSERT
from drafts.lineage import Row, body, totals

MAX_CHANGES = 50  #: changed clauses shown with their redline on the report, over all revisions
CONTEXT_WORDS = 8  #: unchanged words kept either side of a change in the report's redlines
MAX_WHOLE_WORDS = 60  #: of a new or removed clause, shown before "…"


@dataclass(frozen=True)
class AnswerTimes:
    """How long staff took to answer comments officially."""
    answered: int
    unanswered: int  #: visible top-level comments by the public without an official answer
    median: timedelta | None
    worst: timedelta | None


def _days(column, zone: ZoneInfo, *where) -> dict[date, int]:
    """Rows per day in ``zone``. PostgreSQL groups by the local day itself; SQLite knows no time
    zones, so it groups by UTC quarter hour (every zone's offset is a whole number of quarters,
    daylight saving included) and each quarter is put on its local day here."""
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(zone.key, column))
        rows = db.session.execute(select(day, func.count()).where(*where).group_by(day))
        return {date.fromisoformat(str(d)[:10]): n for d, n in rows if d is not None}
    hour, quarter = func.strftime("%Y-%m-%d %H", column), cast(func.strftime("%M", column), Integer) // 15
    counts: Counter[date] = Counter()
    for h, q, n in db.session.execute(select(hour, quarter, func.count()).where(*where).group_by(hour, quarter)):
        if h is not None:
            utc = datetime.fromisoformat(h + ":00").replace(tzinfo=UTC) + timedelta(minutes=15 * q)
            counts[utc.astimezone(zone).date()] += n
    return dict(counts)


@dataclass(frozen=True)
class CampaignSummary:
    """Clusters of copied comments (two or more): how many, how many comments in them, the largest."""
    clusters: int
    comments: int
    largest: list[tuple[int, Comment]]  #: (size, its earliest comment), largest first


def campaigns(draft: Draft, limit: int = 20) -> CampaignSummary:
    found = clusters.draft_campaigns(draft).clusters
    firsts = [c[0] for c in found[:limit]]
    rows = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(firsts)))} if firsts else {}
    return CampaignSummary(len(found), sum(len(c) for c in found),
                           [(len(c), rows[c[0]]) for c in found[:limit] if c[0] in rows])


def participation(draft: Draft, zone: ZoneInfo) -> list[tuple[date, int, int]]:
    """Per day in ``zone`` (the reader's) from the opening to the last day anyone took part:
    (day, comments, votes)."""
    comments = _days(Comment.created_at, zone, Comment.draft_id == draft.id, queries.public(Comment),
                     Comment.is_official.is_(False))
    votes = _days(ClauseVote.created_at, zone, ClauseVote.draft_id == draft.id)
    days = sorted(set(comments) | set(votes))
    if not days:
        return []
    first, last = min(days[0], draft.opens_at.astimezone(zone).date()), days[-1]
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(d, comments.get(d, 0), votes.get(d, 0)) for d in span]


def stances(draft: Draft) -> dict[str, int]:
    rows = db.session.execute(select(Comment.stance, func.count()).where(
        Comment.draft_id == draft.id, queries.public(Comment), Comment.is_official.is_(False),
        Comment.parent_id.is_(None)).group_by(Comment.stance))
    counts = {stance or "none": n for stance, n in rows}
    return {k: counts.get(k, 0) for k in ("for", "against", "neutral", "none")}


def respondents(draft: Draft) -> dict[str, int]:
    """Comments and proposals per respondent type (citizens, NGOs, businesses, ...)."""
    counts = Counter()
    for model in (Comment, Proposal):
        where = [model.draft_id == draft.id, queries.public(model)]
        if model is Comment:
            where.append(Comment.is_official.is_(False))
        counts.update(dict(db.session.execute(select(model.respondent_type, func.count()).where(*where)
                                              .group_by(model.respondent_type)).all()))
    return {kind: counts.get(kind, 0) for kind in RESPONDENT_TYPES}


def proposal_outcomes(draft: Draft) -> dict[str, int]:
    rows = db.session.execute(select(Proposal.status, func.count()).where(
        Proposal.draft_id == draft.id, queries.public(Proposal)).group_by(Proposal.status))
    return dict(Counter(dict(rows.all())))


def decided_proposals(draft: Draft, limit: int = 100) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.draft_id == draft.id, queries.public(Proposal),
        Proposal.status.in_(("accepted", "partly_accepted", "rejected"))).order_by(Proposal.decided_at).limit(limit)))


def _waits(*where) -> list[timedelta]:
    """For each answered comment, the time to its first official answer."""
    parent = aliased(Comment)
    rows = db.session.execute(
        select(parent.id, parent.created_at, func.min(Comment.created_at))
        .join(parent, parent.id == Comment.parent_id)
        .where(Comment.is_official.is_(True), queries.public(Comment), parent.is_official.is_(False), *where)
        .group_by(parent.id, parent.created_at))
    return [max(answered - asked, timedelta(0)) for _id, asked, answered in rows]


def _times(waits: list[timedelta], unanswered: int) -> AnswerTimes:
    if not waits:
        return AnswerTimes(0, unanswered, None, None)
    return AnswerTimes(len(waits), unanswered, timedelta(seconds=statistics.median(w.total_seconds() for w in waits)),
                       max(waits))


def answer_times(draft: Draft) -> AnswerTimes:
    waits = _waits(Comment.draft_id == draft.id)
    top = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.draft_id == draft.id, queries.public(Comment), Comment.parent_id.is_(None),
        Comment.is_official.is_(False))) or 0
    return _times(waits, max(top - len(waits), 0))


def agency_answer_times(agency_id: int) -> tuple[AnswerTimes, list[tuple[Draft, AnswerTimes]]]:
    """Over all the agency's published drafts, and per draft."""
    drafts = db.session.scalars(select(Draft).where(Draft.agency_id == agency_id, Draft.published.is_(True))
                                .order_by(Draft.closes_at.desc())).all()
    per_draft = [(d, answer_times(d)) for d in drafts]
    waits = _waits(Comment.draft_id.in_([d.id for d in drafts])) if drafts else []
    return _times(waits, sum(t.unanswered for _d, t in per_draft)), per_draft


def heat(draft: Draft) -> tuple[list[dict], int]:
    """The current revision's clauses with their comments and votes, and the busiest clause's total."""
    counts = clause_counts(draft)
    rows = []
    for c in queries.cached_clauses(queries.current_revision(draft)):
        n = counts.get(c["key"], {"comments": 0, "for": 0, "against": 0})
        rows.append({**c, **n, "total": n["comments"] + n["for"] + n["against"]})
    return rows, max((r["total"] for r in rows), default=0)


def last_activity(draft: Draft) -> datetime | None:
    return db.session.scalar(select(func.max(Comment.created_at)).where(Comment.draft_id == draft.id))


@dataclass(frozen=True)
class RevisionStep:
    """What changed from one revision to the next: the first changed clauses with a compact
    redline, how many more there are, and the public input behind each change (by clause key)."""
    old: Revision
    new: Revision
    changes: list[tuple[Row, tuple[tuple[int, str], ...]]]
    more: int
    provenance: dict[str, list[dict]]
    totals: dict[str, int]


def _words(text: str) -> list[str]:
    return text.split(" ")


def compact(ops) -> tuple[tuple[int, str], ...]:
    """A redline short enough for a summary: long unchanged stretches keep CONTEXT_WORDS words
    next to each change, long insertions or deletions their first MAX_WHOLE_WORDS words."""
    out = []
    for i, (op, text) in enumerate(ops):
        words = _words(text)
        if op == EQUAL and len(words) > 2 * CONTEXT_WORDS + 1:
            head = words[:CONTEXT_WORDS] if i > 0 else []
            tail = words[-CONTEXT_WORDS:] if i < len(ops) - 1 else []
            text = " ".join([*head, "…", *tail])
        elif op != EQUAL and len(words) > MAX_WHOLE_WORDS:
            text = " ".join(words[:MAX_WHOLE_WORDS]) + " …"
        out.append((op, text))
    return tuple(out)


def revision_changes(draft: Draft, limit: int = MAX_CHANGES) -> list[RevisionStep]:
    """Every step from one revision to the next, oldest first, with at most ``limit`` changed
    clauses over all of them (the rest are counted and left to the diff pages)."""
    steps, budget = [], limit
    numbers = queries.revision_numbers(draft)
    for a, b in pairwise(numbers):
        old, new = queries.revision_by_number(draft, a), queries.revision_by_number(draft, b)
        rows = queries.comparison(old, new)
        changed = [r for r in rows if r.kind != "unchanged"]
        shown = []
        for row in changed[:budget]:
            if row.kind == "inserted":
                ops = ((INSERT, body(row.new)),)
            elif row.kind == "deleted":
                ops = ((DELETE, body(row.old)),)
            else:
                ops = row.ops  # empty for a clause only renumbered or moved
            shown.append((row, compact(ops)))
        budget -= len(shown)
        steps.append(RevisionStep(old, new, shown, len(changed) - len(shown), queries.provenance(draft, a, b),
                                  totals(rows)))
    return steps
