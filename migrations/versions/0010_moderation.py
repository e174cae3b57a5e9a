"""Moderation: reports, blocks, the moderator role, tombstone fields and the hash-chained audit log.

Revision ID: 0010_moderation
Revises: 0009_assisted_entry
"""
import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010_moderation"
down_revision = "0009_assisted_entry"
branch_labels = None
depends_on = None

_MODERATION = ("hidden_reason", "hidden_at", "pending_review", "disputed_at")


def _moderation_columns():
    return [sa.Column("hidden_reason", sa.Text(), nullable=False, server_default=""),
            sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("pending_review", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True)]


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("ck_user_account_role"), type_="check")
        batch.create_check_constraint("role", "role IN ('citizen', 'moderator', 'staff', 'admin')")
        batch.add_column(sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("block_reason", sa.Text(), nullable=False, server_default=""))
    for table in ("comment", "proposal"):
        with op.batch_alter_table(table) as batch:
            for column in _moderation_columns():
                batch.add_column(column)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=False, server_default=""))
    _chain_existing_audit_entries()
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(comment_id IS NULL) <> (proposal_id IS NULL)", name=op.f("ck_report_one_target")),
        sa.CheckConstraint("reason IN ('spam', 'abuse', 'off_topic', 'personal_data', 'impersonation', 'other')",
                           name=op.f("ck_report_reason")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_report_comment_id_comment")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name=op.f("fk_report_proposal_id_proposal")),
        sa.ForeignKeyConstraint(["reporter_id"], ["user_account.id"],
                                name=op.f("fk_report_reporter_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("reporter_id", "comment_id", name=op.f("uq_report_reporter_id_comment_id")),
        sa.UniqueConstraint("reporter_id", "proposal_id", name=op.f("uq_report_reporter_id_proposal_id")),
    )
    op.create_index("ix_report_open", "report", ["resolved_at", "comment_id", "proposal_id"])
    op.create_table(
        "user_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_user_block_user_id_user_account")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_user_block_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["user_account.id"],
                                name=op.f("fk_user_block_lifted_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_block")),
    )
    op.create_index(op.f("ix_user_block_user_id"), "user_block", ["user_id"])


def _chain_existing_audit_entries():
    """Entries written before the chain existed get hashes in id order (same recipe as app.services.audit)."""
    conn = op.get_bind()
    prev = ""
    rows = conn.execute(sa.text("SELECT id, actor_id, action, target, detail, created_at FROM audit_log ORDER BY id"))
    for row in rows.fetchall():
        created = row.created_at
        if isinstance(created, str):
            created = datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = "\x1f".join([prev, str(row.actor_id or ""), row.action, row.target, row.detail, stamp])
        entry = hashlib.sha256(payload.encode()).hexdigest()
        conn.execute(sa.text("UPDATE audit_log SET prev_hash = :p, entry_hash = :e WHERE id = :i"),
                     {"p": prev, "e": entry, "i": row.id})
        prev = entry


def downgrade():
    op.drop_index(op.f("ix_user_block_user_id"), table_name="user_block")
    op.drop_table("user_block")
    op.drop_index("ix_report_open", table_name="report")
    op.drop_table("report")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
    for table in ("comment", "proposal"):
        with op.batch_alter_table(table) as batch:
            for name in reversed(_MODERATION):
                batch.drop_column(name)
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("block_reason")
        batch.drop_column("blocked_until")
        batch.drop_constraint(op.f("ck_user_account_role"), type_="check")
        batch.create_check_constraint("role", "role IN ('citizen', 'staff', 'admin')")
