"""After the vote: complaints of coerced voting, and the public record of how funded projects are
built (contractor, contract amount, money spent, stages; residents' comments and problem reports)."""
from __future__ import annotations

from flask_babel import gettext as _

from app.extensions import db
from app.models import BudgetComplaint, BudgetProject, BudgetRound, BudgetUpdate, User
from app.services.audit import audit
from app.services.budget import check_amount
from app.services.rules import (
    MAX_COMMENT_CHARS,
    RuleError,
    authorize,
    check_not_blocked,
    clean_text,
)


def complain(author: User, budget_round: BudgetRound, body: str, project: BudgetProject | None = None) -> BudgetComplaint:
    """A resident reports coerced voting or another abuse; the round's staff read it."""
    if not author.is_confirmed:
        raise RuleError(_("Please confirm your email address before taking part."), 403)
    if project is not None and project.round_id != budget_round.id:
        raise RuleError(_("This project is not part of this round."), 404)
    complaint = BudgetComplaint(round_id=budget_round.id, project_id=project.id if project else None,
                                author_id=author.id, body=clean_text(body, _("The complaint"), MAX_COMMENT_CHARS))
    db.session.add(complaint)
    db.session.flush()
    return complaint


def record_implementation(actor: User, budget_round: BudgetRound, project: BudgetProject, *, contractor: str,
                          contract_amount, spent, stage: str = "") -> None:
    """Staff publish a funded project's contract and spending, and optionally a new stage."""
    authorize(actor, budget_round)
    if not project.funded:
        raise RuleError(_("Only funded projects have an implementation record."), 409)
    project.contractor = clean_text(contractor, _("The contractor"), 300, required=False)
    project.contract_amount = check_amount(contract_amount, _("The contract amount"), "contract_amount") \
        if contract_amount not in (None, "") else None
    project.spent = 0 if spent in (None, "", "0", 0) else check_amount(spent, _("The money spent"), "spent")
    stage = clean_text(stage, _("The stage"), MAX_COMMENT_CHARS, required=False)
    if stage:
        db.session.add(BudgetUpdate(project_id=project.id, author_id=actor.id, kind="stage", body=stage))
    audit(actor, "budget.implementation", f"project:{project.id}", f"spent {project.spent}")


def add_update(author: User, project: BudgetProject, body: str, problem: bool = False) -> BudgetUpdate:
    """A resident comments on a funded project's work or reports a problem with it."""
    if not author.is_confirmed:
        raise RuleError(_("Please confirm your email address before taking part."), 403)
    check_not_blocked(author)
    if not project.funded:
        raise RuleError(_("Only funded projects have an implementation record."), 409)
    update = BudgetUpdate(project_id=project.id, author_id=author.id, kind="problem" if problem else "comment",
                          body=clean_text(body, _("The comment"), MAX_COMMENT_CHARS))
    db.session.add(update)
    db.session.flush()
    return update
