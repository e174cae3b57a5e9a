"""Bulk import of comments: letters by email or post, and an import key per imported row.

Revision ID: 0015_comment_imports
Revises: 0010_moderation
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_comment_imports"
down_revision = "0010_moderation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assisted_entry") as batch:
        batch.drop_constraint(op.f("ck_assisted_entry_channel"), type_="check")
        batch.create_check_constraint("channel", "channel IN ('paper', 'in_person', 'phone', 'email', 'post')")
        batch.add_column(sa.Column("import_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_assisted_entry_import_key"), ["import_key"])


def downgrade():
    with op.batch_alter_table("assisted_entry") as batch:
        batch.drop_constraint(op.f("uq_assisted_entry_import_key"), type_="unique")
        batch.drop_column("import_key")
        batch.drop_constraint(op.f("ck_assisted_entry_channel"), type_="check")
        batch.create_check_constraint("channel", "channel IN ('paper', 'in_person', 'phone')")
