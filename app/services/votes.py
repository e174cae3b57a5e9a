"""Votes for or against a target: a clause, a proposal (and budget projects next). One upsert for all:
one vote per person per target (a database constraint), voting again changes it, 0 withdraws it."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import queries
from app.activity import touch_activity
from app.clock import utcnow
from app.extensions import db
from app.models import ClauseVote, Draft, Proposal, ProposalVote, User
from app.services.rules import RuleError, check_can_take_part


def upsert_vote(model, user: User, value: int, *, target: dict, extra: dict | None = None):
    """Set ``user``'s vote on the target named by ``target`` (column values of ``model``) to ``value``.

    Two requests of one person at once both may try to insert: the unique constraint keeps one row,
    and the loser updates it instead of failing. Returns the vote, or None when withdrawn.
    """
    if value not in (-1, 0, 1):
        raise RuleError(_("A vote is for or against."))
    where = [model.user_id == user.id, *(getattr(model, name) == v for name, v in target.items())]
    vote = db.session.scalar(select(model).where(*where))
    if value == 0:
        if vote is not None:
            db.session.delete(vote)
        return None
    if vote is None:
        try:
            # The insert happens inside the savepoint (begin_nested flushes what is pending before
            # it starts), so a clash rolls back only the savepoint, not the request's transaction.
            with db.session.begin_nested():
                vote = model(user_id=user.id, value=value, **target, **(extra or {}))
                db.session.add(vote)
        except IntegrityError:  # the same person voted twice at once: keep one vote, update it
            vote = db.session.scalar(select(model).where(*where))
    vote.value = value
    for name, v in (extra or {}).items():
        setattr(vote, name, v)
    if hasattr(vote, "updated_at"):
        vote.updated_at = utcnow()
    return vote


def vote_clause(user: User, draft: Draft, clause_key: str, value: int,
                now: datetime | None = None) -> ClauseVote | None:
    """Vote +1/-1 on a clause of the current revision; voting again changes the vote; 0 withdraws it."""
    check_can_take_part(user, draft, now)
    clause = queries.find_clause(draft, key=clause_key)
    if clause is None:
        raise RuleError(_("That clause is not part of the current revision."), 404)
    touch_activity(draft)
    return upsert_vote(ClauseVote, user, value, target={"draft_id": draft.id, "clause_key": clause_key},
                       extra={"revision_id": clause.revision_id})


def vote_proposal(user: User, proposal: Proposal, value: int) -> ProposalVote | None:
    """Vote on an open proposal; voting again changes the vote; 0 withdraws it."""
    draft = db.session.get(Draft, proposal.draft_id)
    check_can_take_part(user, draft)
    if proposal.status != "open":
        raise RuleError(_("Voting is closed for this proposal: it has been decided."), 403)
    touch_activity(draft)  # the clause page shows the proposal's votes
    return upsert_vote(ProposalVote, user, value, target={"proposal_id": proposal.id})
