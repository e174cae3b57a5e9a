"""Telling residents what became of the project they proposed: vetted (on the ballot or not, with
the reason and the adjusted cost), voting opened, results published (funded or not). In-app and by
email through the job outbox, each in the person's own language. Projects entered by staff from
paper have no proposer with an account to tell."""
from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import select, update

from app.extensions import db
from app.links import path_for
from app.models import BudgetProject, BudgetRound, User
from app.services.emails import budget_notice
from app.services.notifications import notify


class _Said:
    """The notice as text in whatever language is in force when it is read (like ``_l``): notify
    reads it in the recipient's language."""

    def __init__(self, data: dict):
        self.data = data

    def __str__(self) -> str:
        head, lines = budget_notice(self.data, db.session.get(User, self.data["user_id"]), str(get_locale()))
        return " ".join([head, *lines])


def _tell(budget_round: BudgetRound, project: BudgetProject, kind: str, **facts) -> None:
    if project.channel != "online" or project.author_id is None:
        return
    link = path_for("budget.project", slug=budget_round.slug, project_id=project.id)
    data = {"kind": f"budget_{kind}", "project_id": project.id, "title": project.title,
            "round": budget_round.title, **facts}
    notify(project.author_id, None, f"budget.{kind}", _Said({**data, "user_id": project.author_id}), link,
           email=data)


def vetted(budget_round: BudgetRound, project: BudgetProject) -> None:
    _tell(budget_round, project, "vetted", eligible=project.status == "eligible", reason=project.reason,
          cost=project.cost, approved_cost=project.approved_cost)


def voting_opened(budget_round: BudgetRound, now: datetime) -> None:
    """Tell the proposers of the projects on the ballot, once per round (a second caller, a hand
    move and the worker at the same moment, finds it claimed)."""
    claimed = db.session.execute(update(BudgetRound).where(BudgetRound.id == budget_round.id,
                                                           BudgetRound.voting_announced_at.is_(None))
                                 .values(voting_announced_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return
    for project in db.session.scalars(select(BudgetProject).where(BudgetProject.round_id == budget_round.id,
                                                                  BudgetProject.status == "eligible")
                                      .order_by(BudgetProject.id)):
        _tell(budget_round, project, "voting", closes_at=budget_round.voting_closes_at.isoformat())


def results(budget_round: BudgetRound, projects: list[BudgetProject]) -> None:
    """Tell each proposer of a project on the ballot (or disqualified from it) how it came out."""
    for project in projects:
        if project.status in ("eligible", "disqualified"):
            _tell(budget_round, project, "results", funded=project.funded, votes=project.final_votes or 0,
                  reason=project.reason if project.status == "disqualified" else "")


def announce_voting(now: datetime) -> None:
    """Run by `flask worker` every minute: rounds whose voting opened by the date are announced."""
    due = db.session.scalars(select(BudgetRound).where(
        BudgetRound.voting_announced_at.is_(None), BudgetRound.phase != "closed",
        BudgetRound.voting_opens_at <= now, BudgetRound.voting_closes_at > now).order_by(BudgetRound.id)).all()
    for budget_round in due:
        voting_opened(budget_round, now)
        db.session.commit()
