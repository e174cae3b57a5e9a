"""A partial index of the comments not shown: every search leaves them out, without a full scan.

Revision ID: 0019_hidden_comments_index
Revises: 0018_language_more
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_hidden_comments_index"
down_revision = "0018_language_more"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_comment_not_visible", "comment", ["id"], sqlite_where=sa.text("status <> 'visible'"),
                    postgresql_where=sa.text("status <> 'visible'"))


def downgrade():
    op.drop_index("ix_comment_not_visible", table_name="comment")
