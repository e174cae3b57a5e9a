"""Files that come with a comment or a proposal (PDF, DOCX, ODT). The bytes live outside the web
root under ATTACHMENT_DIR, named by their SHA-256; the row keeps the shown name, kind and size."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import Base
from app.models.core import Comment, Proposal, UTCDateTime

ATTACHMENT_KINDS = ("pdf", "docx", "odt")


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("(comment_id IS NULL) <> (proposal_id IS NULL)", name="one_target"),
        CheckConstraint("kind IN ('pdf', 'docx', 'odt')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(8))
    #: the name shown and offered on download: the sender's, cleaned, with the extension of its kind
    name: Mapped[str] = mapped_column(String(160))
    #: of the bytes, and the stored file's name
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    comment: Mapped[Comment | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
