"""The consultation itself: agencies, people, drafts, revisions, clauses, comments, votes,
proposals, decisions, the audit log and the search outbox."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    case,
    literal,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime

ROLES = ("citizen", "moderator", "staff", "admin")
#: the name a deleted account's contributions stand under in open data (pages translate it)
DELETED_NAME = "deleted participant"
STANCES = ("for", "against", "neutral")
#: who a comment or proposal speaks for; all but "citizen" name their organisation
RESPONDENT_TYPES = ("citizen", "ngo", "business", "public_body", "academic")
_RESPONDENT_CHECK = "respondent_type IN ('citizen', 'ngo', 'business', 'public_body', 'academic')"


class Agency(Base):
    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("role IN ('citizen', 'moderator', 'staff', 'admin')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased; never shown to anyone but its owner and never exported
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: read and written as ``display_name``, which gives "deleted participant" once deleted
    stored_name: Mapped[str] = mapped_column("display_name", String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="citizen")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: rotated on password change and logout-everywhere, so old sessions stop working
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: the interface language the person chose (en, ru, uz, uz_Cyrl); None: the browser decides
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: a moderator's block: no taking part until then (the history is in user_block)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    block_reason: Mapped[str] = mapped_column(Text, default="")

    #: the person deleted their account: name and email were erased, their contributions stay
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agency: Mapped[Agency | None] = relationship()

    @hybrid_property
    def display_name(self) -> str:
        return str(_l("deleted participant")) if self.deleted_at is not None else self.stored_name

    @display_name.inplace.setter
    def _display_name_setter(self, value: str) -> None:
        self.stored_name = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        """In queries (API, exports, the register) the name in the data's language, English."""
        return case((cls.deleted_at.is_not(None), literal(DELETED_NAME)), else_=cls.stored_name).label("display_name")

    @display_name.inplace.bulk_dml
    @classmethod
    def _display_name_bulk_dml(cls, mapping: dict, value: str) -> None:  # insert(User) with display_name
        mapping["stored_name"] = value

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def blocked_at(self, now: datetime) -> bool:
        return self.blocked_until is not None and self.blocked_until > now

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def can_manage(self, draft: Draft) -> bool:
        """Admins manage every draft; staff manage their own agency's drafts."""
        return self.role == "admin" or (self.role == "staff" and self.agency_id == draft.agency_id)


class Draft(Base):
    __tablename__ = "draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: unpublished drafts are visible to their agency's staff only
    published: Mapped[bool] = mapped_column(default=True)
    #: the consultation period, in UTC
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    current_revision_number: Mapped[int] = mapped_column(Integer, default=1)
    #: another language's text of the same law: the first draft of the group (None on that one)
    version_of_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship()
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="draft", order_by="Revision.number")

    def status(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    def is_open(self, now: datetime | None = None) -> bool:
        return self.status(now) == "open"


class DeadlineChange(Base):
    """Public history of changes to a consultation period."""
    __tablename__ = "deadline_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    old_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    new_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    changed_by: Mapped[User] = relationship()


class Revision(Base):
    """An immutable version of a draft's text, hashed and chained to its parent."""
    __tablename__ = "revision"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    change_note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source_format: Mapped[str] = mapped_column(String(8), default="md")
    content_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    #: what its chain hash covers: 1 the revision's record; 2 also the draft's public metadata
    record_format: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
    clauses: Mapped[list[Clause]] = relationship(back_populates="revision", order_by="Clause.position")


class Clause(Base):
    """A commentable unit of one revision. ``key`` is its lineage across revisions."""
    __tablename__ = "clause"
    __table_args__ = (UniqueConstraint("revision_id", "eid"), UniqueConstraint("revision_id", "key"),
                      Index("ix_clause_revision_position", "revision_id", "position"),
                      Index("ix_clause_revision_num", "revision_id", text("lower(num)")))  # search by number
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(255))
    eid: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), default="article")
    num: Mapped[str] = mapped_column(String(64), default="")
    heading: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")

    revision: Mapped[Revision] = relationship(back_populates="clauses")


class Moderated:
    """The moderation record of what people publish (comments, proposals, budget projects and
    their comments)."""
    #: moderation: why and when it was hidden (shown on its tombstone), hidden by reports awaiting a
    #: moderator, and when its author said "this was not me"
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending_review: Mapped[bool] = mapped_column(default=False)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Contribution(Moderated):
    """What comments and proposals share: who speaks through them, and their moderation record."""
    respondent_type: Mapped[str] = mapped_column(String(16), default="citizen", server_default="citizen")
    organisation: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Comment(Contribution, Base):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint("stance IS NULL OR stance IN ('for', 'against', 'neutral')", name="stance"),
        CheckConstraint("status IN ('visible', 'hidden')", name="status"),
        CheckConstraint(_RESPONDENT_CHECK, name="respondent_type"),
        Index("ix_comment_draft_clause", "draft_id", "clause_key", "created_at"),
        Index("ix_comment_draft_updated", "draft_id", "updated_at", "id"),
        Index("ix_comment_not_visible", "id", sqlite_where=text("status <> 'visible'"),  # every search
              postgresql_where=text("status <> 'visible'")),  # leaves them out: found without a full scan
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    #: the revision the comment was written on
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    #: lineage key of the clause; NULL for a comment on the whole draft
    clause_key: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    #: set when the comment discusses an amendment proposal rather than the clause itself
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    #: the top-level comment of the thread (NULL for a top-level comment), to load threads in one query
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[str | None] = mapped_column(String(8))
    #: W3C Web Annotation quote selector of the phrase commented on, if any
    quote_exact: Mapped[str | None] = mapped_column(Text)
    quote_prefix: Mapped[str | None] = mapped_column(Text)
    quote_suffix: Mapped[str | None] = mapped_column(Text)
    quote_start: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="visible")
    is_official: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship()
    revision: Mapped[Revision] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side="Comment.id", foreign_keys=[parent_id])
    versions: Mapped[list[CommentVersion]] = relationship(
        back_populates="comment", order_by="CommentVersion.id", foreign_keys="CommentVersion.comment_id")


class CommentVersion(Base):
    """An earlier text of an edited comment, kept and shown."""
    __tablename__ = "comment_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    comment: Mapped[Comment] = relationship(back_populates="versions")


class ClauseVote(Base):
    """One vote per person per clause (lineage key), enforced by the database; changeable."""
    __tablename__ = "clause_vote"
    __table_args__ = (UniqueConstraint("user_id", "draft_id", "clause_key"),
                      CheckConstraint("value IN (-1, 1)", name="value"),
                      Index("ix_clause_vote_draft_clause", "draft_id", "clause_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    clause_key: Mapped[str] = mapped_column(String(255))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditLog(Base):
    """Who did what to whom; staff, moderation and account events. Append-only: each entry's hash
    covers its content and the previous entry's hash, so an altered or removed entry shows."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    entry_hash: Mapped[str] = mapped_column(String(64), default="")


PROPOSAL_STATUSES = ("open", "accepted", "partly_accepted", "rejected", "withdrawn", "superseded")
DISPOSITIONS = ("accepted", "partly_accepted", "noted", "rejected")


class Proposal(Contribution, Base):
    """An amendment: new wording for a clause, a new clause after it, or deleting it."""
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("action IN ('replace', 'insert_after', 'delete')", name="action"),
        CheckConstraint("status IN ('open', 'accepted', 'partly_accepted', 'rejected', 'withdrawn', 'superseded')",
                        name="status"),
        CheckConstraint(_RESPONDENT_CHECK, name="respondent_type"),
        Index("ix_proposal_draft_clause", "draft_id", "clause_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"))
    clause_key: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16), default="replace")
    #: the revision the proposal was written against, and the clause text it started from
    base_revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    base_text: Mapped[str] = mapped_column(Text)
    proposed_text: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: public reason for the last decision by staff (or the author's withdrawal)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id"))
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    base_revision: Mapped[Revision] = relationship(foreign_keys=[base_revision_id])


class ProposalVote(Base):
    __tablename__ = "proposal_vote"
    __table_args__ = (UniqueConstraint("user_id", "proposal_id"), CheckConstraint("value IN (-1, 1)", name="value"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Disposition(Base):
    """Staff's public decision on a comment or proposal, with a reason: the disposition register."""
    __tablename__ = "disposition"
    __table_args__ = (
        CheckConstraint("outcome IN ('accepted', 'partly_accepted', 'noted', 'rejected')", name="outcome"),
        CheckConstraint("(comment_id IS NULL) <> (proposal_id IS NULL)", name="one_target"),
        UniqueConstraint("comment_id"), UniqueConstraint("proposal_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("draft.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    decided_by: Mapped[User] = relationship()


class Attribution(Base):
    """Which public input caused a change to a clause in a revision (from the merge record)."""
    __tablename__ = "attribution"
    __table_args__ = (Index("ix_attribution_revision_clause", "revision_id", "clause_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revision.id"))
    clause_key: Mapped[str] = mapped_column(String(255))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    partly: Mapped[bool] = mapped_column(default=False)


class SearchOutbox(Base):
    """A change the search index has yet to see, written in the same transaction as the change, so
    a crash between commit and indexing loses nothing. Rows are deleted once applied, as the exact
    rows that were read: ids are never reused (AUTOINCREMENT on SQLite) and the time must match too."""
    __tablename__ = "search_outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    #: a document kind of app.search.documents (draft, clause, comment) or "revision" for all its clauses
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column(Integer)
    #: "upsert" (index the row as it now is, or drop it if it may no longer be searched) or "delete"
    op: Mapped[str] = mapped_column(String(8), default="upsert")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
