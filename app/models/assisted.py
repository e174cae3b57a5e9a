"""Assisted participation: a comment a citizen gave on paper, in person or by phone at a public
access point (a mahalla office), entered for them by staff with their consent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Base
from app.models.core import Comment, UTCDateTime

ASSISTED_CHANNELS = ("paper", "in_person", "phone")
#: a bulk import also takes letters sent by email or by post
IMPORT_CHANNELS = (*ASSISTED_CHANNELS, "email", "post")


class AssistedEntry(Base):
    """How a comment entered by staff was given, by whom, and when they agreed to its publication.
    The comment itself is an ordinary comment (counted and shown like the others)."""
    __tablename__ = "assisted_entry"
    __table_args__ = (CheckConstraint("channel IN ('paper', 'in_person', 'phone', 'email', 'post')", name="channel"),)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    #: the citizen's name as they want it shown; they have no account
    citizen_name: Mapped[str] = mapped_column(String(120))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: set by a bulk import (a hash of the row), so importing the same file again adds nothing
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    #: ``comment.assisted`` (None for a comment written online), loaded with the comments shown
    comment: Mapped[Comment] = relationship(backref=backref("assisted", uselist=False, lazy="selectin"))
