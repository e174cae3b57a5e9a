"""The anomaly report staff see for a round: signs of bought or bot votes to look into, never an
automatic verdict. Thresholds are deliberately plain numbers, shown with each finding."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    BudgetBallot,
    BudgetPhone,
    BudgetProject,
    BudgetRound,
    BudgetVoter,
    User,
)
from app.services import budget_ballots

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


def report(budget_round: BudgetRound) -> list[Finding]:
    rid = budget_round.id
    titles = dict(db.session.execute(select(BudgetProject.id, BudgetProject.title)
                                     .where(BudgetProject.round_id == rid)).all())
    findings: list[Finding] = []
    minutes = Counter((p, at.replace(second=0, microsecond=0)) for p, at in db.session.execute(
        select(BudgetBallot.project_id, BudgetBallot.cast_at).where(BudgetBallot.round_id == rid)))
    findings += [Finding("burst", f"{titles.get(p, p)} · {minute:%Y-%m-%d %H:%M} UTC", n, BURST_PER_MINUTE)
                 for (p, minute), n in sorted(minutes.items(), key=lambda kv: -kv[1]) if n > BURST_PER_MINUTE]
    voters = db.session.execute(select(BudgetVoter.address, BudgetVoter.network, BudgetVoter.cast_at,
                                       User.created_at, BudgetPhone.number)
                                .join(User, User.id == BudgetVoter.user_id)
                                .outerjoin(BudgetPhone, BudgetPhone.user_id == BudgetVoter.user_id)
                                .where(BudgetVoter.round_id == rid)).all()
    for kind, position, limit in (("address", 0, PER_ADDRESS), ("network", 1, PER_NETWORK)):
        counts = Counter(v[position] for v in voters if v[position])
        findings += [Finding(kind, key, n, limit) for key, n in counts.most_common() if n > limit]
    findings += [Finding("phones", f"{run[0]} … {run[-1]}", len(run), PHONE_RUN)
                 for run in phone_runs([v.number for v in voters if v.number])]
    fresh = sum(1 for v in voters if timedelta(0) <= v.cast_at - v.created_at < NEW_ACCOUNT)
    if fresh:
        findings.append(Finding("new_accounts", "", fresh, int(NEW_ACCOUNT.total_seconds())))
    counts = budget_ballots.live_counts(budget_round)
    for p in db.session.scalars(select(BudgetProject).where(BudgetProject.round_id == rid,
                                                            BudgetProject.mahalla_residents.is_not(None))):
        if counts.get(p.id, 0) > p.mahalla_residents:
            findings.append(Finding("over_residents", f"{p.title} · {p.mahalla}", counts[p.id], p.mahalla_residents))
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
