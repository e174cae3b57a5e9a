"""``flask budget create-round|import-projects|residents|phase|close|verify``: the initiative budget for
staff at the command line. Commands call services, never views."""
from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import N_
from app.models import REQUIREMENTS, BudgetRound
from app.services import budget, budget_ballots, budget_mahallas
from app.services.rules import RuleError

budget_cli = AppGroup("budget", help=N_("Run initiative budget rounds."))


def _fail(message: str, code: int = 2):
    db.session.rollback()
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(code)


def _date(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(_("%(value)r is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC unless an offset is given).",
                value=value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _round(slug: str) -> BudgetRound:
    found = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug))
    if found is None:
        _fail(_("there is no round %(slug)r", slug=slug))
    return found


@budget_cli.command("create-round", help=N_("Open a round; prints its slug."))
@click.option("--title", required=True, help=N_("The round's title, as residents see it."))
@click.option("--district", required=True, help=N_("The district; its khokimiyat's staff run the round."))
@click.option("--envelope", required=True, help=N_("The money to share out, in whole so'm."))
@click.option("--voting-opens", required=True,
              help=N_("When voting opens: YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC unless an offset is given)."))
@click.option("--voting-closes", required=True, help=N_("When voting closes (the same form)."))
@click.option("--requires", type=click.Choice(REQUIREMENTS), default="email",
              help=N_("The verification a voter needs."))
@click.option("--max-cost", default=None, help=N_("The largest cost of one project, in so'm."))
@click.option("--proposals-open", default=None, help=N_("Default: 34 days before voting."))
@click.option("--vetting-opens", default=None, help=N_("Default: 14 days before voting."))
def create_round(title, district, envelope, voting_opens, voting_closes, requires, max_cost, proposals_open,
                 vetting_opens):
    try:
        created = budget.create_round(
            None, title=title, district=district, envelope=envelope, voting_opens=_date(voting_opens),
            voting_closes=_date(voting_closes), requires=requires, max_cost=max_cost,
            proposals_open=_date(proposals_open) if proposals_open else None,
            vetting_opens=_date(vetting_opens) if vetting_opens else None)
    except RuleError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(created.slug)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        _fail(_("cannot read %(file)s: %(error)s", file=file, error=exc.strerror))


@budget_cli.command("import-projects", help=N_(
    "Add vetted, eligible projects collected on paper from a CSV file (title,cost,mahalla,description)."))
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_projects(slug: str, file: Path):
    budget_round = _round(slug)
    data = _read(file)
    try:
        added = budget.import_projects(None, budget_round, data)
    except RuleError as exc:
        _fail(_("nothing was imported.") + "\n" + exc.message)
    db.session.commit()
    click.echo(_("Imported %(n)d projects.", n=len(added)))


@budget_cli.command("residents", help=N_(
    "Record the residents of the round's district's mahallas from a CSV file (mahalla,residents)."))
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def residents(slug: str, file: Path):
    budget_round = _round(slug)
    data = _read(file)
    try:
        rows = budget_mahallas.import_residents(None, budget_round, data)
    except RuleError as exc:
        _fail(_("nothing was recorded.") + "\n" + exc.message)
    db.session.commit()
    click.echo(_("Recorded the residents of %(n)d mahallas.", n=len(rows)))


@budget_cli.command("phase", help=N_("Move a round to its next phase by hand (recorded in the audit log)."))
@click.argument("slug")
@click.argument("phase", type=click.Choice(["proposals", "vetting", "voting"]))
def phase(slug: str, phase: str):
    budget_round = _round(slug)
    try:
        budget.move_phase(None, budget_round, phase)
    except RuleError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(_("%(slug)s is now in the %(phase)s phase.", slug=slug, phase=phase))


@budget_cli.command("close", help=N_("End voting, count the ballots and publish the results."))
@click.argument("slug")
def close(slug: str):
    budget_round = _round(slug)
    try:
        steps = budget.close(None, budget_round)
    except RuleError as exc:
        _fail(exc.message)
    db.session.commit()
    for s in steps:
        click.echo(f"{s.rank}. {s.entry.title}: {s.entry.votes} · {s.entry.cost} · "
                   + (_("funded") if s.funded else _("not funded")))
    click.echo(_("Results published: %(n)d projects funded.", n=sum(s.funded for s in steps)))


@budget_cli.command("verify", help=N_(
    "Recount the round from its ballot log; exit 1 naming the first ballot that does not check out."))
@click.argument("slug")
def verify(slug: str):
    budget_round = _round(slug)
    result = budget_ballots.recount(budget_round)
    if result.broken:
        seq, problem = result.broken
        click.echo(_("BROKEN %(slug)s: ballot %(seq)d: %(problem)s", slug=slug, seq=seq, problem=problem))
        sys.exit(1)
    click.echo(_("OK %(slug)s: %(n)d ballots recounted from the log", slug=slug, n=result.ballots))
    for project_id, n in sorted(result.counts.items(), key=lambda kv: -kv[1]):
        click.echo(f"  {project_id}: {n}")
