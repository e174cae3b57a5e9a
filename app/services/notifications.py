"""Telling people what happened: in-app notifications and, through the job outbox, emails; and
following a draft, a single clause or an agency."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.labels import N_
from app.links import diff_path, path_for
from app.models import (
    AgencyFollow,
    Announcement,
    ClauseFollow,
    Comment,
    Draft,
    Follow,
    Notification,
    Proposal,
    Revision,
    User,
)
from app.models.messaging import UNREAD_NOTIFICATIONS_SQL
from app.services import emails

CLOSING_SOON = timedelta(days=3)  #: followers are reminded this long before a consultation closes


def notify(user_id: int, draft: Draft | None, kind: str, message, link: str, email: dict | None = None,
           params: dict | None = None) -> None:
    """An in-app notification. ``message`` is an English msgid marked with ``N_``, stored with its
    ``params`` and translated when the recipient reads it, in the language they read in then; or an
    object whose ``str()`` writes the whole notice (the initiative budget's), written now in the
    recipient's language. With ``email`` ({"kind": ..., params}) also an email notice. ``draft`` is
    None for what is not about a draft (the initiative budget)."""
    if isinstance(message, str):
        text = message
        stored = json.dumps(params, ensure_ascii=False, sort_keys=True) if params else ""
    else:
        user = db.session.get(User, user_id)
        with force_locale((user.language if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text, stored = str(message), ""
    db.session.add(Notification(user_id=user_id, draft_id=draft.id if draft else None, kind=kind,
                                message=text[:1000], params=stored, link=link))
    if email is not None:
        emails.queue_notice(user_id, email.pop("kind"), draft, link, **email)


def comment_link(draft: Draft, comment: Comment) -> str:
    return path_for("reading.comment", slug=draft.slug, comment_id=comment.root_id or comment.id,
                    anchor=f"c{comment.id}")


def proposal_link(draft: Draft, proposal: Proposal) -> str:
    return path_for("proposals.proposal", slug=draft.slug, proposal_id=proposal.id)


def revision_published(draft: Draft, old: Revision, new: Revision, changed: dict[str, str | None]) -> None:
    """Tell the authors of merged proposals, the people who commented on a changed clause, and the
    followers of the draft, of a changed clause or of the agency that revision ``new`` is out.
    Each person gets one email, with the redline of the clauses that concern them (all changed
    clauses for followers of the draft or agency)."""
    link = diff_path(draft.slug, old.number, new.number)
    keys: dict[int, set[str] | None] = {}  # user -> clause keys of theirs that changed; None: all

    def concern(user_id: int, clause_keys) -> None:
        if user_id in keys and keys[user_id] is None:
            return
        keys[user_id] = None if clause_keys is None else (keys.get(user_id) or set()) | set(clause_keys)

    for p in db.session.scalars(select(Proposal).where(Proposal.merged_revision_id == new.id)):
        notify(p.author_id, draft, "proposal.merged",
               N_("Your proposal was merged into revision %(number)d of %(title)s."), link,
               params={"number": new.number, "title": draft.title})
        concern(p.author_id, [p.clause_key])
    touched: dict[int, set[str]] = {}
    if changed:
        for author_id, key in db.session.execute(select(Comment.author_id, Comment.clause_key).where(
                Comment.draft_id == draft.id, queries.public(Comment), Comment.clause_key.in_(changed),
                Comment.is_official.is_(False))).all():
            touched.setdefault(author_id, set()).add(key)
        for user_id, key in db.session.execute(select(ClauseFollow.user_id, ClauseFollow.clause_key).where(
                ClauseFollow.draft_id == draft.id, ClauseFollow.clause_key.in_(changed))).all():
            concern(user_id, [key])
    for user_id, clause_keys in touched.items():
        deleted = sum(1 for k in clause_keys if changed[k] is None)
        notify(user_id, draft, "comment.clause_changed",
               N_("Revision %(number)d of %(title)s changed %(changed)d and deleted %(deleted)d of the clauses "
                  "you commented on."), link,
               params={"number": new.number, "title": draft.title, "changed": len(clause_keys) - deleted,
                       "deleted": deleted})
        concern(user_id, clause_keys)
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.draft_id == draft.id,
                                                                   Follow.following.is_(True))))
    if draft.published:
        followers |= set(db.session.scalars(select(AgencyFollow.user_id).where(
            AgencyFollow.agency_id == draft.agency_id)))
    for user_id in sorted(followers):
        notify(user_id, draft, "draft.revised", N_("Revision %(number)d of %(title)s is published."), link,
               params={"number": new.number, "title": draft.title})
        concern(user_id, None)
    for user_id, clause_keys in sorted(keys.items()):
        emails.queue_notice(user_id, "revision", draft, link, old=old.number, new=new.number, note=new.change_note,
                            keys=None if clause_keys is None else sorted(clause_keys))


def _audience(draft: Draft) -> set[int]:
    """Who hears about a consultation's opening and closing: followers of it, of any of its
    clauses, and of its agency."""
    users = set(db.session.scalars(select(Follow.user_id).where(Follow.draft_id == draft.id,
                                                                Follow.following.is_(True))))
    users |= set(db.session.scalars(select(ClauseFollow.user_id).where(ClauseFollow.draft_id == draft.id)))
    users |= set(db.session.scalars(select(AgencyFollow.user_id).where(AgencyFollow.agency_id == draft.agency_id)))
    return users


def announce_consultations(now: datetime) -> None:
    """Run by `flask worker` every minute: announce consultations that opened (within the last two
    days) and remind of those closing within CLOSING_SOON, each once (the Announcement row's
    unique key stops a second worker)."""
    for event, where in (("opened", (Draft.opens_at <= now, Draft.opens_at > now - timedelta(days=2),
                                     Draft.closes_at > now)),
                         ("closing", (Draft.opens_at <= now, Draft.closes_at > now,
                                      Draft.closes_at <= now + CLOSING_SOON))):
        drafts_now = db.session.execute(select(Draft.id, Draft.closes_at).where(Draft.published.is_(True), *where)
                                        .order_by(Draft.id)).all()
        db.session.commit()
        for draft_id, closes_at in drafts_now:
            if db.session.scalar(select(Announcement.id).where(Announcement.draft_id == draft_id,
                                                               Announcement.event == event,
                                                               Announcement.closes_at == closes_at)):
                db.session.commit()
                continue
            try:
                draft = db.session.get(Draft, draft_id)
                db.session.add(Announcement(draft_id=draft_id, event=event, closes_at=closes_at))
                db.session.flush()
                link = path_for("reading.draft", slug=draft.slug)
                for user_id in sorted(_audience(draft)):
                    emails.queue_notice(user_id, event, draft, link, closes_at=closes_at.isoformat())
                db.session.commit()
            except IntegrityError:  # another worker announced it at the same moment
                db.session.rollback()


def follow_clause(user: User, draft: Draft, clause_key: str, wanted: bool) -> None:
    """Follow one clause (by lineage key, so renumbering keeps the follow) or stop."""
    row = db.session.scalar(select(ClauseFollow).where(ClauseFollow.user_id == user.id,
                                                       ClauseFollow.draft_id == draft.id,
                                                       ClauseFollow.clause_key == clause_key))
    if wanted and row is None:
        db.session.add(ClauseFollow(user_id=user.id, draft_id=draft.id, clause_key=clause_key))
    elif not wanted and row is not None:
        db.session.delete(row)


def follow_agency(user: User, agency_id: int, wanted: bool) -> None:
    row = db.session.scalar(select(AgencyFollow).where(AgencyFollow.user_id == user.id,
                                                       AgencyFollow.agency_id == agency_id))
    if wanted and row is None:
        db.session.add(AgencyFollow(user_id=user.id, agency_id=agency_id))
    elif not wanted and row is not None:
        db.session.delete(row)


def follow(user: User, draft: Draft, wanted: bool) -> Follow:
    """Follow a draft (told of new revisions) or stop following it."""
    row = db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.draft_id == draft.id))
    if row is None:
        row = Follow(user_id=user.id, draft_id=draft.id, last_seen_revision=draft.current_revision_number)
        db.session.add(row)
    row.following, row.updated_at = wanted, utcnow()
    return row


def mark_seen(user: User, draft: Draft, follow_row: Follow | None) -> None:
    """Record that ``user`` saw the draft's current revision (one row, written only when it changed)."""
    current = draft.current_revision_number
    if follow_row is None:
        db.session.add(Follow(user_id=user.id, draft_id=draft.id, last_seen_revision=current, updated_at=utcnow()))
    else:
        db.session.execute(update(Follow).where(Follow.id == follow_row.id).values(
            last_seen_revision=current, updated_at=utcnow()))


def unread_count(user_id: int) -> int:
    """The header's unread count: one indexed count."""
    return db.session.scalar(text(UNREAD_NOTIFICATIONS_SQL), {"user": user_id})


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
