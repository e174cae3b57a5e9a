"""Assisted participation: comments given on paper, in person or by phone, entered by staff.

Revision ID: 0009_assisted_entry
Revises: 0008_user_language
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_assisted_entry"
down_revision = "0008_user_language"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assisted_entry",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("citizen_name", sa.String(length=120), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("channel IN ('paper', 'in_person', 'phone')", name=op.f("ck_assisted_entry_channel")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], name=op.f("fk_assisted_entry_comment_id_comment")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["user_account.id"],
                                name=op.f("fk_assisted_entry_entered_by_id_user_account")),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_assisted_entry")),
    )


def downgrade():
    op.drop_table("assisted_entry")
