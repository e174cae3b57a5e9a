"""Amendment proposals, staff decisions and merging accepted proposals into a new revision.

Nothing is merged silently: every accepted proposal goes through ``drafts.merge``, and a clause
whose proposals conflict with later edits (or with each other) must be resolved by staff by hand.
"""
from __future__ import annotations


from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import drafts
from app import services
from app.extensions import db
from app.models import (Clause, Comment, Disposition, Draft, Notification, Proposal,
                        ProposalVote, Revision, User, utcnow)
from app.services import RuleError

MAX_PROPOSAL_CHARS = 20_000
MAX_REASON_CHARS = 5_000
DECISIONS = {"accepted": "accepted", "partly_accepted": "partly_accepted", "rejected": "rejected", "noted": "open"}


def _text(value: str, what: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise RuleError(f"{what} is empty.")
    if len(value) > limit:
        raise RuleError(f"{what} can be at most {limit} characters long.", 413)
    return value


def _require_staff(user: User, draft: Draft) -> None:
    if not user.can_manage(draft):
        raise RuleError("Only staff of the draft's agency can do this.", 403)


# --- citizens -------------------------------------------------------------------------------

def propose(user: User, draft: Draft, clause_key: str, *, action: str, proposed_text: str,
            rationale: str) -> Proposal:
    """New wording for a clause, a new clause after it, or deleting it, with a rationale."""
    services.check_can_take_part(user, draft)
    if action not in ("replace", "insert_after", "delete"):
        raise RuleError("Choose to change the clause, add a clause after it, or delete it.")
    revision = services.current_revision(draft)
    clause = services.find_clause(revision, clause_key)
    if clause is None:
        raise RuleError("That clause is not part of the current revision.", 404)
    rationale = _text(rationale, "The rationale", MAX_REASON_CHARS)
    proposed = "" if action == "delete" else _text(proposed_text, "The proposed text", MAX_PROPOSAL_CHARS)
    if action == "replace" and drafts.words(proposed) == drafts.words(clause.text):
        raise RuleError("The proposed text is the same as the current text.")
    proposal = Proposal(draft_id=draft.id, clause_key=clause_key, action=action, base_revision_id=revision.id,
                        base_text=clause.text if action != "insert_after" else "", proposed_text=proposed,
                        rationale=rationale, author_id=user.id)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def vote_proposal(user: User, proposal: Proposal, value: int) -> None:
    """One vote per person per proposal (a database constraint); voting again changes it."""
    draft = db.session.get(Draft, proposal.draft_id)
    services.check_can_take_part(user, draft)
    if proposal.status != "open":
        raise RuleError("Voting is closed for this proposal: it has been decided.", 403)
    if value not in (-1, 0, 1):
        raise RuleError("A vote is for or against.")
    vote = db.session.scalar(select(ProposalVote).where(ProposalVote.user_id == user.id,
                                                        ProposalVote.proposal_id == proposal.id))
    if value == 0:
        if vote is not None:
            db.session.delete(vote)
        return
    if vote is None:
        vote = ProposalVote(user_id=user.id, proposal_id=proposal.id, value=value)
        db.session.add(vote)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            vote = db.session.scalar(select(ProposalVote).where(ProposalVote.user_id == user.id,
                                                                ProposalVote.proposal_id == proposal.id))
    vote.value = value


def withdraw(user: User, proposal: Proposal, reason: str = "") -> None:
    if proposal.author_id != user.id:
        raise RuleError("Only its author can withdraw a proposal.", 403)
    if proposal.status != "open":
        raise RuleError("Only an open proposal can be withdrawn.", 409)
    proposal.status, proposal.decision_reason = "withdrawn", _text(reason, "The reason", MAX_REASON_CHARS,
                                                                   required=False)
    proposal.decided_at = proposal.updated_at = utcnow()


def proposal_votes(proposal_ids: list[int]) -> dict[int, dict[str, int]]:
    out = {pid: {"for": 0, "against": 0} for pid in proposal_ids}
    if proposal_ids:
        for pid, value, n in db.session.execute(
                select(ProposalVote.proposal_id, ProposalVote.value, func.count())
                .where(ProposalVote.proposal_id.in_(proposal_ids))
                .group_by(ProposalVote.proposal_id, ProposalVote.value)):
            out[pid]["for" if value > 0 else "against"] = n
    return out


# --- staff decisions ------------------------------------------------------------------------

def _dispose(staff: User, draft: Draft, *, outcome: str, reason: str, comment: Comment | None = None,
             proposal: Proposal | None = None) -> Disposition:
    _require_staff(staff, draft)
    if outcome not in DECISIONS:
        raise RuleError("The decision must be accepted, partly accepted, noted or rejected.")
    reason = _text(reason, "The public reason", MAX_REASON_CHARS)
    where = Disposition.comment_id == comment.id if comment else Disposition.proposal_id == proposal.id
    disposition = db.session.scalar(select(Disposition).where(where))
    if disposition is None:
        disposition = Disposition(draft_id=draft.id, comment_id=comment.id if comment else None,
                                  proposal_id=proposal.id if proposal else None, outcome=outcome, reason=reason,
                                  decided_by_id=staff.id)
        db.session.add(disposition)
    disposition.outcome, disposition.reason, disposition.decided_by_id = outcome, reason, staff.id
    disposition.updated_at = utcnow()
    services.audit(staff, "disposition", f"{'comment' if comment else 'proposal'}:{(comment or proposal).id}",
                   f"{outcome}: {reason[:200]}")
    return disposition


def decide_proposal(staff: User, proposal: Proposal, outcome: str, reason: str) -> Disposition:
    """Accept, partly accept, note or reject a proposal, with a public reason."""
    draft = db.session.get(Draft, proposal.draft_id)
    if proposal.status in ("withdrawn", "superseded") or proposal.merged_revision_id:
        raise RuleError(f"This proposal is {proposal.status.replace('_', ' ')}"
                        f"{' and merged' if proposal.merged_revision_id else ''}; it cannot be decided again.", 409)
    disposition = _dispose(staff, draft, outcome=outcome, reason=reason, proposal=proposal)
    proposal.status = DECISIONS[outcome]
    proposal.decision_reason, proposal.decided_by_id = disposition.reason, staff.id
    proposal.decided_at = proposal.updated_at = utcnow()
    notify(proposal.author_id, draft, "proposal.decided",
           f"Your proposal on {clause_label(draft, proposal.clause_key)} was {outcome.replace('_', ' ')}: "
           f"{disposition.reason}", f"/drafts/{draft.slug}/proposals/{proposal.id}")
    return disposition


def dispose_comment(staff: User, comment: Comment, outcome: str, reason: str) -> Disposition:
    draft = db.session.get(Draft, comment.draft_id)
    if comment.status != "visible":
        raise RuleError("That comment is not visible.", 404)
    disposition = _dispose(staff, draft, outcome=outcome, reason=reason, comment=comment)
    notify(comment.author_id, draft, "comment.decided",
           f"Staff marked your comment as {outcome.replace('_', ' ')}: {disposition.reason}",
           f"/drafts/{draft.slug}/comments/{comment.root_id or comment.id}#c{comment.id}")
    return disposition


def official_answer(staff: User, comment: Comment, body: str) -> Comment:
    """Staff answer a comment officially; allowed after the consultation closes, too."""
    draft = db.session.get(Draft, comment.draft_id)
    _require_staff(staff, draft)
    if comment.status != "visible":
        raise RuleError("That comment is not visible.", 404)
    answer = Comment(draft_id=draft.id, revision_id=services.current_revision(draft).id,
                     clause_key=comment.clause_key, parent_id=comment.id, root_id=comment.root_id or comment.id,
                     proposal_id=comment.proposal_id, author_id=staff.id,
                     body=_text(body, "The answer", services.MAX_COMMENT_CHARS), is_official=True)
    db.session.add(answer)
    db.session.flush()
    notify(comment.author_id, draft, "comment.answered", "Your comment received an official answer.",
           f"/drafts/{draft.slug}/comments/{answer.root_id}#c{answer.id}")
    return answer


# --- notifications --------------------------------------------------------------------------

def notify(user_id: int, draft: Draft, kind: str, message: str, link: str) -> None:
    db.session.add(Notification(user_id=user_id, draft_id=draft.id, kind=kind, message=message[:1000], link=link))


def clause_label(draft: Draft, key: str) -> str:
    label = db.session.scalar(select(Clause.label).join(Revision).where(
        Revision.draft_id == draft.id, Clause.key == key).order_by(Revision.number.desc()).limit(1))
    return label or key
