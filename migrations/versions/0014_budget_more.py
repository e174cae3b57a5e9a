"""Initiative budget: proposers told once that voting opened; moderation of projects and of comments on them (reports point at them too),
and the residents of each mahalla as district staff enter them (was one number per project).

Revision ID: 0014_budget_more
Revises: 0011_parallel_versions
"""
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014_budget_more"
down_revision = "0011_parallel_versions"
branch_labels = None
depends_on = None

_TARGETS = ("comment_id", "proposal_id", "budget_project_id", "budget_update_id")
_ONE_TARGET = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in _TARGETS) + " = 1"


def _moderation_columns():
    return [sa.Column("hidden_reason", sa.Text(), nullable=False, server_default=""),
            sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("pending_review", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())]


def _key(name: str) -> str:
    """As app.services.budget_mahallas.mahalla_key (a migration does not import the app)."""
    return re.sub(r"\s+", " ", re.sub(r"[ʻʼ'’‘`]", "", name or "").casefold()).strip()


def _drop_columns(table: str, names) -> None:
    """ALTER TABLE ... DROP COLUMN in place (SQLite 3.35+ and PostgreSQL): a batch rebuild of a
    table other rows point at would trip SQLite's foreign keys on a populated database."""
    for name in names:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")


def upgrade():
    # columns are added and dropped in place, never by a batch rebuild (see _drop_columns)
    op.add_column("budget_round", sa.Column("voting_announced_at", sa.DateTime(timezone=True), nullable=True))
    # rounds whose voting already opened are not announced late
    op.execute("UPDATE budget_round SET voting_announced_at = voting_opens_at WHERE phase IN ('voting', 'counting', "
               "'closed') OR results_at IS NOT NULL OR voting_opens_at <= CURRENT_TIMESTAMP")
    for table in ("budget_project", "budget_update"):
        for column in _moderation_columns():
            op.add_column(table, column)
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(op.f("ck_report_one_target"), type_="check")
        batch.add_column(sa.Column("budget_project_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("budget_update_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_report_budget_project_id_budget_project"), "budget_project",
                                 ["budget_project_id"], ["id"])
        batch.create_foreign_key(op.f("fk_report_budget_update_id_budget_update"), "budget_update",
                                 ["budget_update_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_report_reporter_id_budget_project_id"),
                                       ["reporter_id", "budget_project_id"])
        batch.create_unique_constraint(op.f("uq_report_reporter_id_budget_update_id"),
                                       ["reporter_id", "budget_update_id"])
        batch.create_check_constraint("one_target", _ONE_TARGET)
    mahalla = op.create_table(
        "budget_mahalla",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("residents", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("residents >= 0", name=op.f("ck_budget_mahalla_residents")),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_budget_mahalla_agency_id_agency")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_budget_mahalla_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_mahalla")),
        sa.UniqueConstraint("agency_id", "key", name=op.f("uq_budget_mahalla_agency_id_key")),
    )
    _carry_residents(mahalla)
    _drop_columns("budget_project", ["mahalla_residents"])


def _carry_residents(mahalla):
    """Numbers set on projects become their district's mahalla rows (the largest per mahalla)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT r.agency_id, p.mahalla, p.mahalla_residents FROM budget_project p "
        "JOIN budget_round r ON r.id = p.round_id WHERE p.mahalla_residents IS NOT NULL")).fetchall()
    found: dict[tuple[int, str], dict] = {}
    now = datetime.now(UTC)
    for agency_id, name, residents in rows:
        row = found.setdefault((agency_id, _key(name)), {"agency_id": agency_id, "name": name, "key": _key(name),
                                                         "residents": residents, "updated_at": now})
        row["residents"] = max(row["residents"], residents)
    if found:
        op.bulk_insert(mahalla, list(found.values()))


def downgrade():
    _drop_columns("budget_round", ["voting_announced_at"])
    op.add_column("budget_project", sa.Column("mahalla_residents", sa.Integer(), nullable=True))
    op.drop_table("budget_mahalla")
    op.execute("DELETE FROM report WHERE budget_project_id IS NOT NULL OR budget_update_id IS NOT NULL")
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint(op.f("ck_report_one_target"), type_="check")
        batch.drop_constraint(op.f("uq_report_reporter_id_budget_update_id"), type_="unique")
        batch.drop_constraint(op.f("uq_report_reporter_id_budget_project_id"), type_="unique")
        batch.drop_constraint(op.f("fk_report_budget_update_id_budget_update"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_report_budget_project_id_budget_project"), type_="foreignkey")
        batch.drop_column("budget_update_id")
        batch.drop_column("budget_project_id")
        batch.create_check_constraint("one_target", "(comment_id IS NULL) <> (proposal_id IS NULL)")
    for table in ("budget_update", "budget_project"):
        _drop_columns(table, [column.name for column in reversed(_moderation_columns())])
