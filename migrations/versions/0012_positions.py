"""Deleted accounts (their contributions stay, under "deleted participant"); organisation
positions and the people who sign on to them (once each).

Revision ID: 0012_positions
Revises: 0014_budget_more
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_positions"
down_revision = "0014_budget_more"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("respondent_type", sa.String(16), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("respondent_type IN ('ngo', 'business', 'public_body', 'academic')",
                           name=op.f("ck_position_respondent_type")),
        sa.ForeignKeyConstraint(["draft_id"], ["draft.id"], name=op.f("fk_position_draft_id_draft")),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name=op.f("fk_position_author_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position")),
    )
    op.create_index(op.f("ix_position_draft_id"), "position", ["draft_id"])
    op.create_index(op.f("ix_position_author_id"), "position", ["author_id"])
    op.create_table(
        "position_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["position_id"], ["position.id"],
                                name=op.f("fk_position_signature_position_id_position")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_position_signature_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_signature")),
        sa.UniqueConstraint("position_id", "user_id", name=op.f("uq_position_signature_position_id_user_id")),
    )
    op.create_index(op.f("ix_position_signature_position_id"), "position_signature", ["position_id"])
    op.create_index(op.f("ix_position_signature_user_id"), "position_signature", ["user_id"])


def downgrade():
    op.drop_table("position_signature")
    op.drop_table("position")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("deleted_at")
