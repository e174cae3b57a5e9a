"""Organisation positions: an NGO, business, public body or academic institution publishes its
position on a draft once, and people sign on to it instead of posting copies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Base
from app.models.core import Moderated, User, UTCDateTime


class Position(Moderated, Base):
    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint("respondent_type IN ('ngo', 'business', 'public_body', 'academic')", name="respondent_type"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    #: the person who published it for the organisation
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    respondent_type: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: hidden by moderation (its tombstone shows the reason); app.queries.public is the rule
    hidden: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship()


class PositionSignature(Base):
    """One sign-on per person and position, enforced by the database."""
    __tablename__ = "position_signature"
    __table_args__ = (UniqueConstraint("position_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the signatory chose to have their name listed on the position's page
    show_name: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
