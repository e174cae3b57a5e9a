"""Telling people: follows of a draft and in-app notifications; by email: the background job table
(the outbox that `flask worker` drains), each person's email settings, follows of a single clause or
an agency, and which consultation announcements went out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import Base
from app.models.core import UTCDateTime

JOB_STATES = ("pending", "running", "done", "failed")
EMAIL_FREQUENCIES = ("immediate", "daily", "off")


class Job(Base):
    """Background work written in the same transaction as the change that causes it, so nothing
    is lost and no page waits for it. Generic: ``kind`` names the handler (e.g. "email.account",
    "email.notice"); ``payload`` is JSON. A worker claims a row (status "running" with a lease
    until ``locked_until``), does the work outside any transaction, then marks it done or
    schedules a retry with backoff. Jobs sharing a ``batch_key`` are claimed and done together
    (one daily digest per person)."""
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status"),
        Index("ix_job_status_run_after", "status", "run_after"),
        Index("ix_job_batch", "batch_key", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    batch_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    #: not before this time: set for retries (backoff) and daily digests
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: while "running": the worker's lease; a crashed worker's job is taken again after it
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailSettings(Base):
    """How a person wants to be emailed: at once, one digest a day, or not at all. The language is the
    account's (``User.language``), the same for pages, emails and in-app notices."""
    __tablename__ = "mail_settings"
    __table_args__ = (CheckConstraint("frequency IN ('immediate', 'daily', 'off')", name="frequency"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    frequency: Mapped[str] = mapped_column(String(10), default="immediate")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClauseFollow(Base):
    """"Tell me when article 12 changes": a clause followed by its lineage key, so the follow
    survives renumbering across revisions."""
    __tablename__ = "clause_follow"
    __table_args__ = (UniqueConstraint("user_id", "draft_id", "clause_key"),
                      Index("ix_clause_follow_draft", "draft_id", "clause_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    clause_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgencyFollow(Base):
    """Told about every draft of an agency: new consultations, revisions, deadlines."""
    __tablename__ = "agency_follow"
    __table_args__ = (UniqueConstraint("user_id", "agency_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Announcement(Base):
    """A consultation event announced to followers once ("opened", "closing"); the unique key
    keeps two workers from announcing it twice. ``closes_at`` lets a moved deadline be announced
    again."""
    __tablename__ = "announcement"
    __table_args__ = (UniqueConstraint("draft_id", "event", "closes_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    event: Mapped[str] = mapped_column(String(16))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Follow(Base):
    """A reader following a draft, and the last revision they looked at."""
    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("user_id", "draft_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    following: Mapped[bool] = mapped_column(default=False)
    last_seen_revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """An in-app message: what happened to your input, a new revision of a draft you follow."""
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"))
    kind: Mapped[str] = mapped_column(String(32))
    #: the English message (a catalogue msgid) with its ``params`` as JSON, translated when shown
    #: (app.labels.notification_text); rows written in the reader's language have params ""
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[str] = mapped_column(Text, default="", server_default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


#: the header's count of a person's (``:user``) unread notifications, by ix_notification_user_unread;
#: SQL because shared pages read it inside their stamp's statement (activity.page_stamp)
UNREAD_NOTIFICATIONS_SQL = "SELECT count(*) FROM notification WHERE user_id = :user AND read_at IS NULL"
