"""Clauses found by their number ("Статья 2", "4-modda") in the current revisions without reading
every clause of them.

Revision ID: 0020_clause_number_index
Revises: 0019_hidden_comments_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_clause_number_index"
down_revision = "0019_hidden_comments_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_clause_revision_num", "clause", ["revision_id", sa.text("lower(num)")])


def downgrade():
    op.drop_index("ix_clause_revision_num", table_name="clause")
