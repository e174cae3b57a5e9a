"""Parallel-language versions: a draft may be another language's text of the same law.

Revision ID: 0011_parallel_versions
Revises: 0015_comment_imports
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_parallel_versions"
down_revision = "0015_comment_imports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draft") as batch:
        batch.add_column(sa.Column("version_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_draft_version_of_id_draft"), "draft", ["version_of_id"], ["id"])
        batch.create_index(op.f("ix_draft_version_of_id"), ["version_of_id"])


def downgrade():
    with op.batch_alter_table("draft") as batch:
        batch.drop_index(op.f("ix_draft_version_of_id"))
        batch.drop_constraint(op.f("fk_draft_version_of_id_draft"), type_="foreignkey")
        batch.drop_column("version_of_id")
