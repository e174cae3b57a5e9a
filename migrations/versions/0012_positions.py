"""Deleted accounts (their contributions stay, under "deleted participant").

Revision ID: 0012_positions
Revises: 0010_moderation
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_positions"
down_revision = "0010_moderation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("deleted_at")
