"""What the draft and clause pages count (comments, votes, deadline changes, revisions), kept per
process under a stamp that every change moves, so no worker ever shows stale counts."""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, event, func, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import (
    ClauseVote,
    Comment,
    DeadlineChange,
    Draft,
    Proposal,
    Revision,
    User,
)
from app.models.messaging import UNREAD_NOTIFICATIONS_SQL
from app.models.types import UTCDateTime


def touch_drafts_of(user: User) -> None:
    """The drafts where ``user``'s name shows beside a comment or proposal: their pages change with it."""
    ids = select(Comment.draft_id).where(Comment.author_id == user.id).union(
        select(Proposal.draft_id).where(Proposal.author_id == user.id))
    for draft in db.session.scalars(select(Draft).where(Draft.id.in_(ids))):
        touch_activity(draft)


_TOUCHED = "activity_touched_drafts"  #: session.info key: drafts whose stamp this transaction moves


def touch_activity(draft: Draft) -> None:
    """Mark that what the draft's pages count changed (a comment added or hidden, a vote cast, changed
    or withdrawn): ``Draft.updated_at`` is the stamp ``draft_activity`` caches its counts under, so
    every such change must call this in its own transaction. Being one row, the stamp changes with
    every commit that calls this, whatever order concurrent transactions commit in.

    The row is written just before the commit, after the rest of the transaction: every change to
    the draft writes it, so its lock is then held for the commit alone (held from the middle of the
    work, 16 people commenting on one draft spent most of their time waiting for each other)."""
    db.session.info.setdefault(_TOUCHED, []).append(draft)


@event.listens_for(db.session, "before_commit")
def _write_stamps(session) -> None:
    """Registered after the other ``before_commit`` listeners (they are inserted before it)."""
    if session.in_nested_transaction() or not session.info.get(_TOUCHED):
        return
    session.flush()  # the rest of the transaction first
    touched = {d.id: d for d in session.info.pop(_TOUCHED) if d.id is not None}
    now = utcnow()
    # on the connection, not through the ORM: this runs in every comment and vote, and the ORM's
    # handling of an UPDATE cost more than the statement (the loaded drafts are set just below)
    session.connection().execute(_STAMP_UPDATE, [{"draft": i, "now": now} for i in sorted(touched)])
    for draft in touched.values():
        set_committed_value(draft, "updated_at", now)


_STAMP_UPDATE = update(Draft.__table__).where(Draft.__table__.c.id == bindparam("draft")).values(
    updated_at=bindparam("now"))


@event.listens_for(db.session, "after_transaction_end")
def _forget_stamps(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)


class Activity(NamedTuple):
    """What the draft and clause pages show that changes after publication (counts, deadline changes,
    revisions); shared between requests, so read it, never change it."""
    counts: dict[str, dict[str, int]]
    draft_comments: int  #: visible comments on the draft as a whole
    deadlines: tuple  #: rows (created_at, old_closes_at, new_closes_at, reason), oldest first
    revisions: tuple  #: rows (number, created_at, change_note), in order


_ACTIVITY = "muhokama.activity"  #: app.extensions key of the per-process cache


def draft_activity(draft: Draft) -> Activity:
    """The draft's clause counts, whole-draft comment count, deadline changes and revisions, read once
    per change and process.

    The cache is a plain per-process dict keyed by a stamp read in this request's transaction before
    the counts: the draft row's ``updated_at`` (see ``touch_activity``) and, as a safety net for a
    comment hidden or restored without it, the newest ``Comment.updated_at`` of the draft (one index
    seek). A change committed by any process changes the stamp, so no worker serves stale counts.
    Deadline changes and new revisions change the draft row, so ``updated_at`` (onupdate) too."""
    stamp = activity_stamp(draft)
    cache = current_app.extensions.setdefault(_ACTIVITY, {})
    hit = cache.get(draft.id)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    whole = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.draft_id == draft.id, queries.public(Comment), Comment.clause_key.is_(None),
        Comment.proposal_id.is_(None)))
    deadlines = db.session.execute(
        select(DeadlineChange.created_at, DeadlineChange.old_closes_at, DeadlineChange.new_closes_at,
               DeadlineChange.reason).where(DeadlineChange.draft_id == draft.id)
        .order_by(DeadlineChange.created_at)).all()
    revisions = db.session.execute(select(Revision.number, Revision.created_at, Revision.change_note)
                                   .where(Revision.draft_id == draft.id).order_by(Revision.number)).all()
    activity = Activity(clause_counts(draft), whole or 0, tuple(deadlines), tuple(revisions))
    if len(cache) >= 1000:  # bounded: one entry per draft read lately
        cache.clear()
    cache[draft.id] = (stamp, activity)
    return activity


def activity_stamp(draft: Draft) -> tuple:
    """What moves whenever the draft's comments change (see ``draft_activity``): caches of what is
    derived from them key on it."""
    newest = db.session.scalar(select(func.max(Comment.updated_at)).where(Comment.draft_id == draft.id))
    return (draft.updated_at, newest)


_STAMP = """SELECT me.opens_at, me.closes_at, max(d.updated_at),
  max((SELECT max(c.updated_at) FROM comment c WHERE c.draft_id = d.id)),
  max((SELECT max(p.updated_at) FROM proposal p WHERE p.draft_id = d.id)){clause}{unread}
FROM draft me JOIN draft d
  ON d.id = coalesce(me.version_of_id, me.id) OR d.version_of_id = coalesce(me.version_of_id, me.id)
WHERE me.slug = :slug AND me.published = :published
GROUP BY me.id, me.opens_at, me.closes_at, me.current_revision_number"""
_CLAUSE_KEY = """(SELECT c.key FROM clause c JOIN revision r ON r.id = c.revision_id
   WHERE r.draft_id = me.id AND r.number = coalesce(CAST(:number AS INTEGER), me.current_revision_number)
   AND c.eid = :eid)"""
_CLAUSE_STAMP = f""",
  {_CLAUSE_KEY},
  (SELECT value FROM clause_vote WHERE user_id = :user AND draft_id = me.id AND clause_key = {_CLAUSE_KEY})"""
_UNREAD = f""",
  ({UNREAD_NOTIFICATIONS_SQL})"""


@cache
def _stamp_statement(clause: bool, unread: bool):
    """Built once per process: read on every shared page, and building a statement costs more than running it."""
    return text(_STAMP.format(clause=_CLAUSE_STAMP if clause else "", unread=_UNREAD if unread else "")).columns(
        opens_at=UTCDateTime(), closes_at=UTCDateTime())


class PageStamp(NamedTuple):
    key: tuple  #: what a shared page is kept under
    unread: int | None  #: the reader's unread notifications (None for a visitor), for the header


def page_stamp(slug: str, clause: tuple[int | None, str] | None = None, reader: User | None = None) -> PageStamp | None:
    """What the shared pages of a published draft are kept under (views/shared_pages), in one
    statement: the newest change to the draft rows of its language versions (``touch_activity``
    moves it with every comment and vote), to their comments and to their proposals; its status and
    hours left (what the page says about the deadline); for a clause page (revision number or None
    for the current one, eid) the clause and the reader's vote on it. The same statement counts the
    reader's unread notifications, which every page shows them. None when there is no such
    published draft or clause: the page is then the view's to answer."""
    params = {"slug": slug, "published": True, "user": reader.id if reader is not None else 0}
    if clause is not None:
        params.update(number=clause[0], eid=clause[1])
    row = db.session.execute(_stamp_statement(clause is not None, reader is not None), params).first()
    if row is None or (clause is not None and row[5] is None):
        return None
    opens_at, closes_at, now = row[0], row[1], utcnow()
    status = "upcoming" if now < opens_at else "open" if now < closes_at else "closed"
    hours_left = int((closes_at - now).total_seconds() // 3600) if status == "open" else None
    if reader is None:
        return PageStamp((*row[2:], status, hours_left), None)
    return PageStamp((*row[2:-1], status, hours_left), row[-1])


def clause_counts(draft: Draft) -> dict[str, dict[str, int]]:
    """Per clause key: visible comments and votes for/against, in two grouped queries."""
    counts: dict[str, dict[str, int]] = {}
    for key, n in db.session.execute(
            select(Comment.clause_key, func.count()).where(
                Comment.draft_id == draft.id, queries.public(Comment), Comment.clause_key.is_not(None),
                Comment.proposal_id.is_(None))
            .group_by(Comment.clause_key)):
        counts.setdefault(key, {"comments": 0, "for": 0, "against": 0})["comments"] = n
    for key, value, n in db.session.execute(
            select(ClauseVote.clause_key, ClauseVote.value, func.count()).where(ClauseVote.draft_id == draft.id)
            .group_by(ClauseVote.clause_key, ClauseVote.value)):
        counts.setdefault(key, {"comments": 0, "for": 0, "against": 0})["for" if value > 0 else "against"] = n
    return counts
