"""The interface language a person chose, remembered with their account.

Revision ID: 0008_user_language
Revises: 0007_budget
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_user_language"
down_revision = "0007_budget"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("language")
