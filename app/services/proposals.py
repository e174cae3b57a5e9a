"""Amendment proposals by citizens: new wording for a clause, a new clause after it, or deleting it;
withdrawn by their author, superseded when a new revision makes them moot."""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import drafts
from app import queries
from app.clock import utcnow
from app.extensions import db
from app.labels import N_
from app.models import Draft, Proposal, Revision, User
from app.services import attachments, receipts
from app.services.notifications import notify, proposal_link
from app.services.rules import (
    MAX_PROPOSAL_CHARS,
    MAX_REASON_CHARS,
    RuleError,
    check_can_take_part,
    check_respondent,
    clean_text,
)
from drafts.merge import merge_proposal

ACTIONS = ("replace", "insert_after", "delete")


def propose(user: User, draft: Draft, clause_key: str, *, action: str, proposed_text: str,
            rationale: str, respondent_type: str = "citizen", organisation: str = "",
            files: Sequence[attachments.Upload] = ()) -> Proposal:
    """New wording for a clause, a new clause after it, or deleting it, with a rationale; as a
    citizen or for an organisation."""
    check_can_take_part(user, draft)
    respondent_type, organisation = check_respondent(respondent_type, organisation)
    if action not in ACTIONS:
        raise RuleError(_("Choose to change the clause, add a clause after it, or delete it."))
    clause = queries.find_clause(draft, key=clause_key)
    if clause is None:
        raise RuleError(_("That clause is not part of the current revision."), 404)
    rationale = clean_text(rationale, _l("The rationale"), MAX_REASON_CHARS)
    proposed = "" if action == "delete" else clean_text(proposed_text, _l("The proposed text"), MAX_PROPOSAL_CHARS)
    if action == "replace" and drafts.words(proposed) == drafts.words(clause.text):
        raise RuleError(_("The proposed text is the same as the current text."))
    proposal = Proposal(draft_id=draft.id, clause_key=clause_key, action=action, base_revision_id=clause.revision_id,
                        base_text=clause.text if action != "insert_after" else "", proposed_text=proposed,
                        rationale=rationale, author_id=user.id, respondent_type=respondent_type,
                        organisation=organisation)
    db.session.add(proposal)
    db.session.flush()
    attachments.attach(user, proposal, files)
    receipts.confirm(user.id, draft, proposal)
    return proposal


def withdraw(user: User, proposal: Proposal, reason: str = "") -> None:
    if proposal.author_id != user.id:
        raise RuleError(_("Only its author can withdraw a proposal."), 403)
    if proposal.status != "open":
        raise RuleError(_("Only an open proposal can be withdrawn."), 409)
    proposal.status = "withdrawn"
    proposal.decision_reason = clean_text(reason, _l("The reason"), MAX_REASON_CHARS, required=False)
    proposal.decided_at = proposal.updated_at = utcnow()


def supersede_moot(draft: Draft, new: Revision, changed: dict[str, str | None]) -> None:
    """Open proposals on clauses that revision ``new`` deleted, or changed in the words they change
    (or already changed as they propose), are superseded, and their authors told why."""
    if not changed:
        return
    for p in db.session.scalars(select(Proposal).where(
            Proposal.draft_id == draft.id, Proposal.status == "open", Proposal.clause_key.in_(changed))):
        text = changed[p.clause_key]
        if text is None:
            reason = f"The clause was deleted in revision {new.number}."
        elif p.action == "insert_after":
            continue
        else:
            outcome = merge_proposal(p.base_text, p.proposed_text, text).status if p.action == "replace" \
                else "conflict"
            if outcome in ("clean", "merged"):
                continue  # the proposal still applies to the new text
            reason = (_("Revision %(number)d already contains this change.", number=new.number)
                      if outcome == "noop" else
                      _("The clause changed in revision %(number)d in the words this proposal changes.",
                        number=new.number))
        p.status, p.decision_reason, p.decided_at, p.updated_at = "superseded", reason, utcnow(), utcnow()
        notify(p.author_id, draft, "proposal.superseded", N_("Your proposal was superseded: %(reason)s"),
               proposal_link(draft, p), params={"reason": reason})
