"""Form submissions already answered: a retried or double-clicked form creates one record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import Base
from app.models.core import UTCDateTime


class IdempotencyKey(Base):
    """One row per (person, key of a rendered form), written in the transaction that did the work,
    so the unique constraint lets exactly one of two racing submissions commit."""
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(64))
    #: where the first submission sent the person (None until its response was made)
    location: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
