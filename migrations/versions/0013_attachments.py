"""Attachments (PDF, DOCX, ODT) on comments and proposals; the files live under ATTACHMENT_DIR.
Also revision.record_format: revisions published from now on chain the draft's public metadata
(title, summary, agency, language) too; existing ones keep format 1, their hashes unchanged.
And notification.params: in-app notifications are stored as their English message with parameters
and translated when shown.

Revision ID: 0013_attachments
Revises: 0012_positions
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_attachments"
down_revision = "0012_positions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(comment_id IS NULL) <> (proposal_id IS NULL)", name=op.f("ck_attachment_one_target")),
        sa.CheckConstraint("kind IN ('pdf', 'docx', 'odt')", name=op.f("ck_attachment_kind")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_attachment_comment_id_comment")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name=op.f("fk_attachment_proposal_id_proposal")),
        sa.ForeignKeyConstraint(["uploader_id"], ["user_account.id"],
                                name=op.f("fk_attachment_uploader_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index(op.f("ix_attachment_comment_id"), "attachment", ["comment_id"])
    op.create_index(op.f("ix_attachment_proposal_id"), "attachment", ["proposal_id"])
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("record_format", sa.SmallInteger(), nullable=False, server_default="1"))
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("params", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("params")
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("record_format")
    op.drop_table("attachment")
