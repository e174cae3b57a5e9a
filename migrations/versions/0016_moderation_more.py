"""Organisation positions are moderated like comments: they can be reported (a report may point at
one) and hidden with a public reason or restored; never deleted.

Revision ID: 0016_moderation_more
Revises: 0013_attachments
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_moderation_more"
down_revision = "0013_attachments"
branch_labels = None
depends_on = None

_OLD_TARGETS = ("comment_id", "proposal_id", "budget_project_id", "budget_update_id")
_TARGETS = (*_OLD_TARGETS, "position_id")


def _one_target(targets) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in targets) + " = 1"


def _moderation_columns():
    return [sa.Column("hidden_reason", sa.Text(), nullable=False, server_default=""),
            sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("pending_review", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())]


def upgrade():
    # added in place, never by a batch rebuild of a table other rows point at (see 0014_budget_more)
    for column in _moderation_columns():
        op.add_column("position", column)
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(op.f("ck_report_one_target"), type_="check")
        batch.add_column(sa.Column("position_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_report_position_id_position"), "position", ["position_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_report_reporter_id_position_id"), ["reporter_id", "position_id"])
        batch.create_check_constraint("one_target", _one_target(_TARGETS))


def downgrade():
    op.execute("DELETE FROM report WHERE position_id IS NOT NULL")
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(op.f("ck_report_one_target"), type_="check")
        batch.drop_constraint(op.f("uq_report_reporter_id_position_id"), type_="unique")
        batch.drop_constraint(op.f("fk_report_position_id_position"), type_="foreignkey")
        batch.drop_column("position_id")
        batch.create_check_constraint("one_target", _one_target(_OLD_TARGETS))
    for column in reversed(_moderation_columns()):
        op.execute(f"ALTER TABLE position DROP COLUMN {column.name}")
