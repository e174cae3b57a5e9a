"""Casting a ballot and checking the ballot log.

One vote per person per round is a unique constraint on ``budget_voter``; the ballot itself goes
to an append-only log with no link to the person, each entry chained to the previous one by
sha256 in the style of the drafts' revision chain. The voter gets a receipt code; the log keeps
only its hash, so the receipt shows its holder that their ballot is counted and for what, and
shows nobody else anything. ``verify`` recounts the log from the start."""
from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import BudgetBallot, BudgetProject, BudgetRound, BudgetVoter, User
from app.services.budget_residents import check_verified
from app.services.rules import RuleError

GENESIS = "0" * 64


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(receipt.strip().upper().encode()).hexdigest()


def ballot_record(seq: int, project_id: int, receipt: str, cast_at: datetime) -> str:
    """The canonical text of a ballot that its chain hash covers."""
    return json.dumps({"seq": seq, "project": project_id, "receipt": receipt,
                       "cast_at": cast_at.isoformat(timespec="microseconds")}, sort_keys=True, separators=(",", ":"))


def ballot_chain(previous: str, record: str) -> str:
    return hashlib.sha256(f"muhokama-ballot/1\n{previous}\n{record}".encode()).hexdigest()


def network_of(address: str) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 one: many votes from one network show."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def _lock_round(budget_round: BudgetRound) -> BudgetRound:
    """Ballots of one round are appended one at a time: the chain needs the previous hash.
    PostgreSQL locks the round's row; SQLite's write transactions already take the lock up front."""
    return db.session.scalar(select(BudgetRound).where(BudgetRound.id == budget_round.id)
                             .with_for_update().execution_options(populate_existing=True))


def cast(user: User, budget_round: BudgetRound, project: BudgetProject, *, address: str = "",
         now: datetime | None = None) -> str:
    """Cast the person's one ballot of the round for ``project``; returns the receipt code.

    :raise RuleError: 403 outside voting or without the verification the round requires, 404 for a
        project that cannot be voted for, 409 when the person has voted in this round already."""
    now = now or utcnow()
    budget_round = _lock_round(budget_round)
    if budget_round.status(now) != "voting":
        raise RuleError(_("Voting in this round is not open."), 403)
    check_verified(user, budget_round)
    if project.round_id != budget_round.id or project.status != "eligible" or not queries.is_public(project):
        raise RuleError(_("This project is not on the ballot of this round."), 404)
    voter = BudgetVoter(round_id=budget_round.id, user_id=user.id, address=address[:64],
                        network=network_of(address), cast_at=now)
    db.session.add(voter)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same person voted twice at once: the database kept one
        raise RuleError(_("You have already voted in this round. Each resident has one vote."), 409)
    last = db.session.execute(select(BudgetBallot.seq, BudgetBallot.chain_hash)
                              .where(BudgetBallot.round_id == budget_round.id)
                              .order_by(BudgetBallot.seq.desc()).limit(1)).first()
    seq, previous = (last.seq + 1, last.chain_hash) if last else (1, GENESIS)
    receipt = secrets.token_hex(6).upper()
    digest = receipt_hash(receipt)
    db.session.add(BudgetBallot(round_id=budget_round.id, seq=seq, project_id=project.id, receipt_hash=digest,
                                cast_at=now, chain_hash=ballot_chain(previous, ballot_record(
                                    seq, project.id, digest, now))))
    db.session.flush()
    return receipt


def has_voted(user: User | None, budget_round: BudgetRound) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(BudgetVoter.id).where(BudgetVoter.round_id == budget_round.id,
                                                          BudgetVoter.user_id == user.id)) is not None


def find_receipt(budget_round: BudgetRound, receipt: str) -> BudgetBallot | None:
    """The ballot a receipt code belongs to, for its holder to see it counted."""
    if not receipt or len(receipt) > 64:
        return None
    return db.session.scalar(select(BudgetBallot).where(BudgetBallot.round_id == budget_round.id,
                                                        BudgetBallot.receipt_hash == receipt_hash(receipt)))


def live_counts(budget_round: BudgetRound) -> dict[int, int]:
    """Votes per project id, straight from the ballot log."""
    return dict(db.session.execute(select(BudgetBallot.project_id, func.count()).where(
        BudgetBallot.round_id == budget_round.id).group_by(BudgetBallot.project_id)).all())


@dataclass
class Recount:
    ballots: int = 0
    counts: Counter = field(default_factory=Counter)
    #: the first ballot that does not check out: (seq, what is wrong), or None
    broken: tuple[int, str] | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def recount(budget_round: BudgetRound) -> Recount:
    """Walk the log from its first ballot: each must follow its predecessor (numbering and chain),
    be for a project of this round, and the published results must equal the recount."""
    result = Recount()
    projects = {p.id: p for p in db.session.scalars(select(BudgetProject).where(
        BudgetProject.round_id == budget_round.id))}
    previous, expected = GENESIS, 1
    for ballot in db.session.scalars(select(BudgetBallot).where(BudgetBallot.round_id == budget_round.id)
                                     .order_by(BudgetBallot.seq)).yield_per(2000):
        problem = None
        if ballot.seq != expected:
            problem = f"expected ballot {expected} here: a ballot is missing or was inserted"
        elif ballot.project_id not in projects:
            problem = "it is for a project that is not part of this round"
        elif ballot_chain(previous, ballot_record(ballot.seq, ballot.project_id, ballot.receipt_hash,
                                                  ballot.cast_at)) != ballot.chain_hash:
            problem = "its chain hash does not follow from the previous ballot and its own record"
        if problem:
            result.broken = (ballot.seq, problem)
            return result
        result.ballots += 1
        result.counts[ballot.project_id] += 1
        previous, expected = ballot.chain_hash, ballot.seq + 1
    voters = db.session.scalar(select(func.count()).select_from(BudgetVoter).where(
        BudgetVoter.round_id == budget_round.id))
    if voters != result.ballots:
        result.broken = (expected, f"{voters} people voted but the log holds {result.ballots} ballots")
    elif budget_round.results_at is not None:
        for p in projects.values():
            if p.final_votes is not None and p.final_votes != result.counts[p.id]:
                result.broken = (0, (f"published results give project {p.id} {p.final_votes} votes, "
                                     f"the log {result.counts[p.id]}"))
                break
    return result
