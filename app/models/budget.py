"""The initiative budget ("Open Budget"): rounds of a district, the projects residents propose, the
ballots (a hash-chained log kept apart from who voted), verifications of residents, complaints and
the implementation of funded projects.

A round belongs to an Agency: the district's khokimiyat. Its staff manage the round (the one staff
check, ``rules.authorize``, reads ``agency_id``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Base
from app.models.core import Agency, Moderated, User, UTCDateTime

#: the phases a round passes through, in order; "counting" is after voting closed, before `close`
PHASES = ("proposals", "vetting", "voting", "counting", "closed")
REQUIREMENTS = ("email", "phone", "staff")
PROJECT_STATUSES = ("submitted", "eligible", "ineligible", "disqualified")


class BudgetRound(Base):
    __tablename__ = "budget_round"
    __table_args__ = (
        CheckConstraint("phase IN ('proposals', 'vetting', 'voting', 'counting', 'closed')", name="phase"),
        CheckConstraint("requires IN ('email', 'phone', 'staff')", name="requires"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(200))
    #: the district's khokimiyat: its staff run the round
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    #: amounts are whole so'm
    envelope: Mapped[int] = mapped_column(BigInteger)
    max_cost: Mapped[int | None] = mapped_column(BigInteger)
    requires: Mapped[str] = mapped_column(String(8), default="email")
    #: the phase staff moved the round to by hand (the dates may already have moved it further)
    phase: Mapped[str] = mapped_column(String(12), default="proposals")
    proposals_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    vetting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    voting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    voting_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when proposers were told that voting opened (once, by hand or by the worker when the date came)
    voting_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped[Agency] = relationship()

    def status(self, now: datetime | None = None) -> str:
        """The later of the phase set by hand and the phase the dates give."""
        if self.phase == "closed":
            return "closed"
        now = now or utcnow()
        by_date = ("counting" if now >= self.voting_closes_at else "voting" if now >= self.voting_opens_at
                   else "vetting" if now >= self.vetting_opens_at else "proposals")
        return max(self.phase, by_date, key=PHASES.index)


class BudgetProject(Moderated, Base):
    __tablename__ = "budget_project"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'eligible', 'ineligible', 'disqualified')", name="status"),
        CheckConstraint("channel IN ('online', 'paper')", name="channel"),
        CheckConstraint("cost > 0", name="cost"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    mahalla: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), default="other")
    #: the proposer's estimate; vetting may set ``approved_cost``
    cost: Mapped[int] = mapped_column(BigInteger)
    approved_cost: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    #: public reason of the vetting decision or of a disqualification
    reason: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(8), default="online")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: published results: votes counted at close, and whether the envelope funds it
    final_votes: Mapped[int | None] = mapped_column(Integer)
    funded: Mapped[bool] = mapped_column(default=False)
    #: implementation, published by staff for funded projects
    contractor: Mapped[str] = mapped_column(String(300), default="")
    contract_amount: Mapped[int | None] = mapped_column(BigInteger)
    spent: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: hidden by moderation (its tombstone shows the reason); app.queries.public is the rule
    hidden: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User | None] = relationship()

    @property
    def final_cost(self) -> int:
        return self.approved_cost if self.approved_cost is not None else self.cost


class BudgetVoter(Base):
    """That a person voted in a round: the database allows one row per person and round. It does
    not say for what: the ballot log has no link to people."""
    __tablename__ = "budget_voter"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the client address and its /24 (IPv4) or /48 (IPv6) network, for the anomaly report (staff only)
    address: Mapped[str] = mapped_column(String(64), default="")
    network: Mapped[str] = mapped_column(String(64), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BudgetBallot(Base):
    """One ballot in the round's append-only log: ``chain_hash`` covers the previous ballot's chain
    hash and this ballot's record, so a changed, removed or inserted ballot shows on recount."""
    __tablename__ = "budget_ballot"
    __table_args__ = (UniqueConstraint("round_id", "seq"), UniqueConstraint("receipt_hash"),
                      Index("ix_budget_ballot_round_project", "round_id", "project_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"))
    seq: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_project.id"))
    #: sha256 of the receipt code only the voter was given
    receipt_hash: Mapped[str] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    chain_hash: Mapped[str] = mapped_column(String(64))


class BudgetPhone(Base):
    """A phone number confirmed by an SMS code. One number serves one person, and a person counts
    once however many numbers they hold (the vote is per person)."""
    __tablename__ = "budget_phone"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BudgetResidency(Base):
    """Residence in a district confirmed by its staff at the mahalla office."""
    __tablename__ = "budget_residency"
    __table_args__ = (UniqueConstraint("user_id", "agency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    mahalla: Mapped[str] = mapped_column(String(200), default="")
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BudgetComplaint(Base):
    """A resident's complaint, e.g. of coerced voting; seen by the round's staff only."""
    __tablename__ = "budget_complaint"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("budget_round.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("budget_project.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()


class BudgetUpdate(Moderated, Base):
    """The public record of a funded project's implementation: a stage published by staff, or a
    comment or problem report by a resident."""
    __tablename__ = "budget_update"
    __table_args__ = (CheckConstraint("kind IN ('stage', 'comment', 'problem')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_project.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship()


class BudgetPhoto(Base):
    """A photo of a project: from its proposal, or of its implementation (published by staff). The
    file is re-encoded on upload (no location data survives) and stored under its content hash."""
    __tablename__ = "budget_photo"
    __table_args__ = (CheckConstraint("kind IN ('proposal', 'implementation')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_project.id"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))
    #: "<sha256>.jpg" in the photo directory
    filename: Mapped[str] = mapped_column(String(80))
    caption: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BudgetMahalla(Base):
    """How many people live in a mahalla of a district, as its staff entered it: the anomaly report
    flags a project with more votes than its mahalla has residents. ``key`` is the name folded
    (case, spaces, apostrophes), as projects' free-text mahalla is matched to it."""
    __tablename__ = "budget_mahalla"
    __table_args__ = (UniqueConstraint("agency_id", "key"), CheckConstraint("residents >= 0", name="residents"))
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    residents: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
