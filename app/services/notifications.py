"""Telling people what happened: in-app notifications now (email builds on the same calls), and
following a draft."""
from __future__ import annotations

from sqlalchemy import select, update

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.links import diff_path, path_for
from app.models import Comment, Draft, Follow, Notification, Proposal, Revision, User


def notify(user_id: int, draft: Draft, kind: str, message: str, link: str) -> None:
    db.session.add(Notification(user_id=user_id, draft_id=draft.id, kind=kind, message=message[:1000], link=link))


def comment_link(draft: Draft, comment: Comment) -> str:
    return path_for("reading.comment", slug=draft.slug, comment_id=comment.root_id or comment.id,
                    anchor=f"c{comment.id}")


def proposal_link(draft: Draft, proposal: Proposal) -> str:
    return path_for("proposals.proposal", slug=draft.slug, proposal_id=proposal.id)


def revision_published(draft: Draft, old: Revision, new: Revision, changed: dict[str, str | None]) -> None:
    """Tell the authors of merged proposals, the people who commented on a changed clause, and the
    draft's followers that revision ``new`` is out."""
    link = diff_path(draft.slug, old.number, new.number)
    for p in db.session.scalars(select(Proposal).where(Proposal.merged_revision_id == new.id)):
        notify(p.author_id, draft, "proposal.merged",
               f"Your proposal was merged into revision {new.number} of {draft.title}.", link)
    touched: dict[int, set[str]] = {}
    if changed:
        for author_id, key in db.session.execute(select(Comment.author_id, Comment.clause_key).where(
                Comment.draft_id == draft.id, queries.public(Comment), Comment.clause_key.in_(changed),
                Comment.is_official.is_(False))).all():
            touched.setdefault(author_id, set()).add(key)
    for user_id, keys in touched.items():
        deleted = sum(1 for k in keys if changed[k] is None)
        notify(user_id, draft, "comment.clause_changed",
               f"Revision {new.number} of {draft.title} changed {len(keys) - deleted} and deleted {deleted} "
               f"of the clauses you commented on.", link)
    for (user_id,) in db.session.execute(select(Follow.user_id).where(Follow.draft_id == draft.id,
                                                                      Follow.following.is_(True))).all():
        notify(user_id, draft, "draft.revised", f"Revision {new.number} of {draft.title} is published.", link)


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


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
