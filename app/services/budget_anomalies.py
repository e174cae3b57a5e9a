"""The anomaly report staff see for a round: signs of bought or bot votes to look into, never an
automatic verdict. Thresholds are deliberately plain numbers, shown with each finding."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    BudgetBallot,
    BudgetPhone,
    BudgetProject,
    BudgetRound,
    BudgetVoter,
    User,
)
from app.services import budget_ballots, budget_mahallas

BURST_PER_MINUTE = 30  #: ballots for one project within one minute
PER_ADDRESS = 5  #: voters from one address
PER_NETWORK = 50  #: voters from one /24 or /48 network
PHONE_RUN = 5  #: voters whose numbers follow one another (each within PHONE_GAP of the last)
PHONE_GAP = 3
NEW_ACCOUNT = timedelta(seconds=60)  #: voted this soon after signing up


@dataclass(frozen=True)
class Finding:
    kind: str  #: burst, address, network, phones, new_accounts, over_residents
    subject: str  #: what it is about: a project title, an address, a range of numbers
    count: int
    limit: int


def _minute(column):
    """The UTC minute of a stored time as text, computed by the database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI")
    return func.substr(column, 1, 16)  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC


def _seconds(later, earlier):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def report(budget_round: BudgetRound) -> list[Finding]:
    """Every count is made by the database (GROUP BY ... HAVING), so the report stays quick with
    hundreds of thousands of ballots; only the phone numbers of voters are read, to find runs."""
    rid = budget_round.id
    titles = dict(db.session.execute(select(BudgetProject.id, BudgetProject.title)
                                     .where(BudgetProject.round_id == rid)).all())
    findings: list[Finding] = []
    minute = _minute(BudgetBallot.cast_at)
    n = func.count().label("n")
    for p, at, count in db.session.execute(
            select(BudgetBallot.project_id, minute, n).where(BudgetBallot.round_id == rid)
            .group_by(BudgetBallot.project_id, minute).having(func.count() > BURST_PER_MINUTE)
            .order_by(n.desc(), minute)):
        findings.append(Finding("burst", f"{titles.get(p, p)} · {at} UTC", count, BURST_PER_MINUTE))
    for kind, column, limit in (("address", BudgetVoter.address, PER_ADDRESS),
                                ("network", BudgetVoter.network, PER_NETWORK)):
        findings += [Finding(kind, key, count, limit) for key, count in db.session.execute(
            select(column, n).where(BudgetVoter.round_id == rid, column != "")
            .group_by(column).having(func.count() > limit).order_by(n.desc(), column))]
    numbers = db.session.scalars(select(BudgetPhone.number).join(BudgetVoter, BudgetVoter.user_id == BudgetPhone.user_id)
                                 .where(BudgetVoter.round_id == rid)).all()
    findings += [Finding("phones", f"{run[0]} … {run[-1]}", len(run), PHONE_RUN) for run in phone_runs(numbers)]
    since_signup = _seconds(BudgetVoter.cast_at, User.created_at)
    fresh = db.session.scalar(select(func.count()).select_from(BudgetVoter).join(User, User.id == BudgetVoter.user_id)
                              .where(BudgetVoter.round_id == rid, since_signup >= 0,
                                     since_signup < NEW_ACCOUNT.total_seconds()))
    if fresh:
        findings.append(Finding("new_accounts", "", fresh, int(NEW_ACCOUNT.total_seconds())))
    counts = budget_ballots.live_counts(budget_round)
    residents = {m.key: m.residents for m in budget_mahallas.of_district(budget_round)}
    for p in db.session.scalars(select(BudgetProject).where(BudgetProject.round_id == rid)
                                .order_by(BudgetProject.id)):
        limit = residents.get(budget_mahallas.mahalla_key(p.mahalla))
        if limit is not None and counts.get(p.id, 0) > limit:
            findings.append(Finding("over_residents", f"{p.title} · {p.mahalla}", counts[p.id], limit))
    return findings


def phone_runs(numbers: list[str], length: int = PHONE_RUN, gap: int = PHONE_GAP) -> list[list[str]]:
    """Runs of at least ``length`` numbers that follow one another within ``gap`` (bought SIM cards
    come in sequences)."""
    values = sorted({int(n.lstrip("+")) for n in numbers if n.lstrip("+").isdigit()})
    runs, current = [], []
    for v in values:
        if current and v - current[-1] > gap:
            if len(current) >= length:
                runs.append(current)
            current = []
        current.append(v)
    if len(current) >= length:
        runs.append(current)
    return [[f"+{v}" for v in run] for run in runs]
