"""Moderation: reports by readers and blocks of people. Contributions are never deleted; hiding
one is a state of the comment or proposal itself (app.models.core)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Base
from app.models.core import User, UTCDateTime

REPORT_REASONS = ("spam", "abuse", "off_topic", "personal_data", "impersonation", "other")


#: the columns a report may point through, one per kind of thing people publish
REPORT_TARGETS = ("comment_id", "proposal_id", "budget_project_id", "budget_update_id", "position_id")
ONE_TARGET = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in REPORT_TARGETS) + " = 1"


class Report(Base):
    """A signed-in reader's report of a comment, proposal, budget project or a comment on one, or
    an organisation's position, once per reader and item."""
    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(ONE_TARGET, name="one_target"),
        CheckConstraint("reason IN ('spam', 'abuse', 'off_topic', 'personal_data', 'impersonation', 'other')",
                        name="reason"),
        UniqueConstraint("reporter_id", "comment_id"), UniqueConstraint("reporter_id", "proposal_id"),
        UniqueConstraint("reporter_id", "budget_project_id"), UniqueConstraint("reporter_id", "budget_update_id"),
        UniqueConstraint("reporter_id", "position_id"),
        Index("ix_report_open", "resolved_at", "comment_id", "proposal_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    budget_project_id: Mapped[int | None] = mapped_column(ForeignKey("budget_project.id"))
    budget_update_id: Mapped[int | None] = mapped_column(ForeignKey("budget_update.id"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: set when a moderator hid or restored the item
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserBlock(Base):
    """A moderator's block of a person, with a reason and an end; lifting it early is recorded."""
    __tablename__ = "user_block"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
