"""Staff decisions with public reasons: on proposals and comments (the disposition register), and
official answers."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import queries
from app.activity import touch_activity
from app.clock import utcnow
from app.extensions import db
from app.labels import N_, status_label
from app.models import Comment, Disposition, Draft, Proposal, User
from app.search import outbox as search_outbox
from app.services.audit import audit
from app.services.notifications import comment_link, notify, proposal_link
from app.services.rules import (
    MAX_COMMENT_CHARS,
    MAX_REASON_CHARS,
    RuleError,
    authorize,
    clean_text,
)

#: a decision's outcome -> the status it gives a proposal ("noted" leaves it open for a later decision)
DECISIONS = {"accepted": "accepted", "partly_accepted": "partly_accepted", "rejected": "rejected", "noted": "open"}


def _dispose(staff: User, draft: Draft, *, outcome: str, reason: str, comment: Comment | None = None,
             proposal: Proposal | None = None) -> Disposition:
    authorize(staff, draft)
    if outcome not in DECISIONS:
        raise RuleError(_("The decision must be accepted, partly accepted, noted or rejected."))
    reason = clean_text(reason, _l("The public reason"), MAX_REASON_CHARS)
    where = Disposition.comment_id == comment.id if comment else Disposition.proposal_id == proposal.id
    disposition = db.session.scalar(select(Disposition).where(where))
    if disposition is None:
        disposition = Disposition(draft_id=draft.id, comment_id=comment.id if comment else None,
                                  proposal_id=proposal.id if proposal else None, outcome=outcome, reason=reason,
                                  decided_by_id=staff.id)
        db.session.add(disposition)
    disposition.outcome, disposition.reason, disposition.decided_by_id = outcome, reason, staff.id
    disposition.updated_at = utcnow()
    touch_activity(draft)  # the decision shows beside the comment or proposal on the draft's pages
    audit(staff, "disposition", f"{'comment' if comment else 'proposal'}:{(comment or proposal).id}",
          f"{outcome}: {reason[:200]}")
    return disposition


def decide_proposal(staff: User, proposal: Proposal, outcome: str, reason: str) -> Disposition:
    """Accept, partly accept, note or reject a proposal, with a public reason."""
    draft = db.session.get(Draft, proposal.draft_id)
    if proposal.status in ("withdrawn", "superseded") or proposal.merged_revision_id:
        raise RuleError(_("This proposal is merged into a revision; it cannot be decided again.")
                        if proposal.merged_revision_id else
                        _("This proposal is %(status)s; it cannot be decided again.",
                          status=status_label(proposal.status)), 409)
    disposition = _dispose(staff, draft, outcome=outcome, reason=reason, proposal=proposal)
    proposal.status = DECISIONS[outcome]
    proposal.decision_reason, proposal.decided_by_id = disposition.reason, staff.id
    proposal.decided_at = proposal.updated_at = utcnow()
    notify(proposal.author_id, draft, "proposal.decided", N_("Your proposal on %(clause)s was %(outcome)s: %(reason)s"),
           proposal_link(draft, proposal),
           email={"kind": "decided", "on": "proposal", "outcome": outcome, "reason": disposition.reason},
           params={"clause": queries.clause_label(draft, proposal.clause_key), "outcome": outcome,
                   "reason": disposition.reason})
    return disposition


def dispose_comment(staff: User, comment: Comment, outcome: str, reason: str) -> Disposition:
    draft = db.session.get(Draft, comment.draft_id)
    if not queries.is_public(comment):
        raise RuleError(_("That comment is not visible."), 404)
    disposition = _dispose(staff, draft, outcome=outcome, reason=reason, comment=comment)
    notify(comment.author_id, draft, "comment.decided", N_("Staff marked your comment as %(outcome)s: %(reason)s"),
           comment_link(draft, comment),
           email={"kind": "decided", "on": "comment", "outcome": outcome, "reason": disposition.reason},
           params={"outcome": outcome, "reason": disposition.reason})
    return disposition


def official_answer(staff: User, comment: Comment, body: str) -> Comment:
    """Staff answer a comment officially; allowed after the consultation closes, too."""
    draft = db.session.get(Draft, comment.draft_id)
    authorize(staff, draft)
    if not queries.is_public(comment):
        raise RuleError(_("That comment is not visible."), 404)
    answer = Comment(draft_id=draft.id, revision_id=queries.current_revision(draft).id,
                     clause_key=comment.clause_key, parent_id=comment.id, root_id=comment.root_id or comment.id,
                     proposal_id=comment.proposal_id, author_id=staff.id,
                     body=clean_text(body, _l("The answer"), MAX_COMMENT_CHARS), is_official=True)
    db.session.add(answer)
    db.session.flush()
    search_outbox.enqueue("comment", answer.id)
    touch_activity(draft)
    notify(comment.author_id, draft, "comment.answered", N_("Your comment received an official answer."),
           comment_link(draft, answer), email={"kind": "answered"})
    return answer
