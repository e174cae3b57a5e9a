"""Command line: ``flask users create``, ``flask drafts import|revise|verify``, ``flask search ...``,
``flask worker``, ``flask demo``. Commands call services, never views."""
from __future__ import annotations

import logging
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from app import budget_demo
from app import demo as demo_data
from app.budget_cli import budget_cli
from app.clock import utcnow
from app.extensions import db
from app.i18n import N_
from app.labels import status_label
from app.models import IMPORT_CHANNELS, ROLES, Draft, User
from app.search import cli as search_commands
from app.search import get_backend, outbox
from app.services import (
    accounts,
    backup,
    budget_notices,
    comment_imports,
    emails,
    imports,
    integrity,
    jobs,
    notifications,
    revisions,
    versions,
)
from app.services import heads as chain_heads
from app.services.rules import RuleError

users_cli = AppGroup("users", help=N_("Manage accounts."))
drafts_cli = AppGroup("drafts", help=N_("Import, revise and verify drafts."))
search_cli = AppGroup("search", help=N_("Rebuild, inspect and update the search index."))
for _command in search_commands.COMMANDS:
    search_cli.add_command(_command)


def _fail(message: str, code: int = 2):
    db.session.rollback()
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(code)


@users_cli.command("create", help=N_("Create a confirmed account."))
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="citizen")
@click.option("--agency", help=N_("The agency a staff member works for."))
@click.option("--name", "display_name", help=N_("Display name (default: the part of the email before @)."))
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from standard input."))
def create_user(email: str, role: str, agency: str | None, display_name: str | None, password_stdin: bool):
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"))
    try:
        user = accounts.create_user(email=email, password=password, display_name=display_name or email.split("@")[0],
                                    role=role, agency_name=agency, confirmed=True)
    except RuleError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(_("Created %(role)s %(email)s", role=status_label(user.role), email=user.email)
               + (f" ({user.agency.name})" if user.agency else ""))


def _at_a_terminal() -> bool:
    """Progress is for a person watching: on stderr, and only at a terminal, so scripts get the
    result alone on stdout and an error as one line on stderr."""
    return sys.stderr.isatty()


def _progress(message: str) -> None:
    if _at_a_terminal():
        click.echo(message, err=True)


def _commit() -> None:
    """Commit, then bring the search index up to date (the outbox holds the changes; after a web
    request the app does this itself). Indexing trouble is logged and left for `flask search process`."""
    db.session.commit()
    try:
        if not _at_a_terminal():
            outbox.drain(get_backend(), blocking=True)
            return
        with click.progressbar(length=outbox.pending_count(), label="Indexing for search", file=sys.stderr) as bar:
            while n := outbox.process(get_backend(), blocking=True):
                bar.update(n)
    except Exception:
        db.session.rollback()
        logging.getLogger(__name__).exception("search index not updated; run `flask search process`")


def _when(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(_("%(value)r is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC unless an offset is given).",
                value=value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@drafts_cli.command("import", help=N_("Create a draft and its revision 1 from FILE; prints the draft's slug."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", required=True)
@click.option("--agency", required=True)
@click.option("--lang", default="uz", help=N_("The text's language: an ISO 639 code (uz, ru, kaa, kk, ...)."))
@click.option("--format", "fmt", type=click.Choice(["md", "text", "akn", "uslm", "docx"]), default=None,
              help=N_("Input format (default: detect from the file)."))
@click.option("--opens", help=N_("When the consultation opens (default: now)."))
@click.option("--closes", help=N_("When it closes (default: 30 days after it opens)."))
@click.option("--summary", default="")
@click.option("--unpublished", is_flag=True, help=N_("Visible to the agency's staff only."))
@click.option("--version-of", "version_of", metavar="SLUG",
              help=N_("The draft whose law this is, in another language (e.g. the Uzbek text of a Russian draft)."))
def import_draft(file: Path, title: str, agency: str, lang: str, fmt: str | None, opens: str | None,
                 closes: str | None, summary: str, unpublished: bool, version_of: str | None):
    other = _draft(version_of) if version_of else None
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(_("cannot read %(file)s: %(problem)s", file=file, problem=exc.strerror))
    opens_at = _when(opens, utcnow())
    closes_at = _when(closes, opens_at + timedelta(days=30))
    _progress(_("Reading %(file)s (%(size)s bytes) and storing its clauses...", file=file.name, size=format(len(data), ",")))
    try:
        draft = revisions.import_draft(data, fmt=fmt, title=title, agency_name=agency, lang=lang, summary=summary,
                                      opens_at=opens_at, closes_at=closes_at, author=None, filename=file.name,
                                      published=not unpublished, version_of=other)
    except RuleError as exc:
        _fail(exc.message)
    _commit()
    click.echo(draft.slug)


@drafts_cli.command("import-comments", help=N_(
    "Import comments received by letter, email or on paper from a CSV or JSON file (columns: ref, name, body, "
    "clause, quote, stance, channel, respondent_type, organisation). All or nothing; importing the same file "
    "again adds nothing."))
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--entered-by", "email", required=True, help=N_("The staff member entering them (of the draft's agency)."))
@click.option("--channel", type=click.Choice(IMPORT_CHANNELS), default="post", show_default=True,
              help=N_("How the comments were sent, for rows without a channel of their own."))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help=N_("Input format (default: from the file's name or content)."))
@click.option("--consent", is_flag=True, help=N_("Every sender agreed that their comment is published with their name."))
def import_comments(slug: str, file: Path, email: str, channel: str, fmt: str | None, consent: bool):
    draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
    staff = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if draft is None:
        _fail(_("there is no draft %(slug)r", slug=slug))
    if staff is None:
        _fail(_("no account %(email)r", email=email))
    try:
        data = file.read_bytes()
        rows = comment_imports.read_rows(data, fmt, file.name)
        result = comment_imports.import_comments(staff, draft, rows, channel=channel, consent=consent,
                                                 source=file.name)
    except OSError as exc:
        _fail(_("cannot read %(file)s: %(problem)s", file=file, problem=exc.strerror))
    except comment_imports.ImportRejected as exc:
        for line, message in exc.errors:
            click.echo(_("%(file)s:%(line)d: %(message)s", file=file.name, line=line, message=message), err=True)
        _fail(exc.message, 1)
    except RuleError as exc:
        _fail(exc.message)
    _commit()
    click.echo(_("Imported: %(added)d; imported before: %(already)d; repeated rows skipped: %(repeated)d.",
                 added=result.added, already=result.already, repeated=result.repeated))


@drafts_cli.command("revise", help=N_("Publish FILE as the next revision of draft SLUG; prints the new revision's "
    "number."))
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--note", default="", help=N_("What changed and why (shown publicly)."))
@click.option("--format", "fmt", type=click.Choice(["md", "text", "akn", "uslm", "docx"]), default=None,
              help=N_("Input format (default: detect from the file)."))
def revise_draft(slug: str, file: Path, note: str, fmt: str | None):
    draft = _draft(slug)
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(_("cannot read %(file)s: %(problem)s", file=file, problem=exc.strerror))
    _progress(_("Reading %(file)s (%(size)s bytes) and lining its clauses up with revision %(number)d...",
                file=file.name, size=format(len(data), ","), number=draft.current_revision_number))
    try:
        revision = revisions.revise_draft(draft, data, fmt=fmt, note=note, author=None, filename=file.name)
    except RuleError as exc:
        _fail(exc.message)
    _commit()
    click.echo(revision.number)


def _draft(slug: str) -> Draft:
    draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
    if draft is None:
        _fail(_("there is no draft %(slug)r", slug=slug))
    return draft


@drafts_cli.command("link", help=N_("Mark draft SLUG as the text, in another language, of the same law as draft "
    "OTHER."))
@click.argument("slug")
@click.argument("other")
def link_version(slug: str, other: str):
    draft = _draft(slug)
    try:
        versions.link_version(draft, _draft(other), actor=None)
    except RuleError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(_("%(slug)s is now a language version of %(other)s.", slug=slug, other=other))


@drafts_cli.command("unlink", help=N_("Make draft SLUG a law of its own again (no longer a language version of another "
    "draft)."))
@click.argument("slug")
def unlink_version(slug: str):
    versions.unlink_version(_draft(slug), actor=None)
    db.session.commit()
    click.echo(_("%(slug)s is no longer a language version of another draft.", slug=slug))


def _read_source(source: str) -> bytes:
    """A saved copy: a file, or an http(s) address (an NGO's mirror, this site's own feed)."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as answer:  # the scheme is checked above
                return answer.read(64 * 1024 * 1024)
        except (OSError, ValueError) as exc:
            _fail(_("cannot fetch %(source)s: %(problem)s", source=source, problem=exc))
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        _fail(_("cannot read %(file)s: %(problem)s", file=source, problem=exc.strerror))


def _verify_against(source: str) -> None:
    try:
        saved = chain_heads.read_saved(_read_source(source))
    except chain_heads.HeadsError as exc:
        _fail(f"{source}: {exc}")
    if not saved:
        _fail(_("%(source)s names no revisions to compare", source=source))
    differ = 0
    for copy in saved:
        problems = chain_heads.differences(copy)
        if problems:
            differ += 1
            click.echo(f"DIFFERS {copy.slug}: " + "; ".join(problems))  # the status word stays for scripts
        else:
            click.echo("OK " + ngettext("%(slug)s (matches %(num)d published chain head)",
                                        "%(slug)s (matches %(num)d published chain heads)", len(copy.heads),
                                        slug=copy.slug))
    if differ:
        sys.exit(1)


@drafts_cli.command("verify", help=N_("Recompute every revision's hashes of draft SLUG (default: all drafts); exit 1 if"
    " any is broken. With --against, also name what differs from a copy saved outside"
    " the database."))
@click.argument("slug", required=False)
@click.option("--against", "source", metavar="FILE_OR_URL",
              help=N_("Also compare with chain heads saved earlier: an export ZIP or its manifest.json, "
                   "the API's draft JSON, or an Atom feed."))
def verify_drafts(slug: str | None, source: str | None):
    if source:
        _verify_against(source)
    query = select(Draft).order_by(Draft.slug)
    drafts_to_check = db.session.scalars(query.where(Draft.slug == slug) if slug else query).all()
    if slug and not drafts_to_check:
        _fail(_("there is no draft %(slug)r", slug=slug))
    broken = 0
    for draft in drafts_to_check:
        checks = integrity.check_draft(draft)
        bad = integrity.first_broken(checks)
        if bad is None:
            click.echo("OK " + ngettext("%(slug)s (%(num)d revision)", "%(slug)s (%(num)d revisions)", len(checks), slug=draft.slug))
        else:
            broken += 1
            click.echo("BROKEN " + _("%(slug)s: revision %(number)d: %(problem)s", slug=draft.slug, number=bad.number, problem=bad.problem))
    if broken:
        sys.exit(1)


#: what `flask worker` runs: job kinds -> handlers, and tasks every minute
WORKER_HANDLERS: dict[str, jobs.Handler] = {**emails.HANDLERS, **imports.HANDLERS}
WORKER_PERIODIC = (notifications.announce_consultations, budget_notices.announce_voting)


def _search_outbox() -> int | None:
    """One batch of the search outbox; None when another process holds the Whoosh index."""
    return outbox.process(get_backend(), blocking=False)


@click.command("worker", help=N_("Send the queued emails (with retries and backoff), import big drafts uploaded "
    "through the web form, announce consultations opening and closing soon, and bring the search index "
    "up to date from its outbox. Run several at once, on several hosts with PostgreSQL: none does what "
    "another one took."))
@click.option("--once", is_flag=True, help=N_("Send what is due, then exit (for cron or a test)."))
@click.option("--poll", default=2.0, show_default=True, help=N_("Seconds to wait when there is nothing to do."))
@with_appcontext
def worker(once: bool, poll: float):
    done = jobs.work(WORKER_HANDLERS, WORKER_PERIODIC, once=once, poll_seconds=poll, queues=(_search_outbox,))
    if once:
        click.echo(_("Done: %(done)d succeeded; %(waiting)d waiting for a retry or a digest.", done=done,
                     waiting=jobs.pending_count()))


@click.command("demo", help=N_("Load the sample consultation."))
@click.option("--if-empty", is_flag=True, help=N_("Do nothing when drafts already exist."))
@with_appcontext
def demo(if_empty: bool):
    if if_empty and db.session.scalar(select(Draft.id).limit(1)):
        click.echo(_("Drafts exist already; the sample consultation was not loaded."))
        return
    if db.session.scalar(select(User.id).where(User.email == demo_data.STAFF_EMAIL)):
        _fail(_("the sample consultation is loaded already."), 1)
    slug = demo_data.load()
    _commit()
    click.echo(_("Loaded the sample consultation: %(path)s; the sample initiative budget: %(budget)s",
                 path="/drafts/" + slug, budget="/budget"))
    click.echo(_("Staff login: %(staff)s / %(password)s; citizen login: %(citizen)s / %(password)s; "
                 "district staff login: %(district)s / %(password)s", staff=demo_data.STAFF_EMAIL,
                 citizen=demo_data.CITIZEN_EMAILS[0], district=budget_demo.DISTRICT_STAFF_EMAIL,
                 password=demo_data.PASSWORD))


@click.command("backup", help=N_("Write a consistent backup of the whole database, the photos of budget projects "
    "and the attached documents to FILE (the site may keep running)."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    try:
        backup.backup(file)
    except (backup.BackupError, OSError) as exc:
        _fail(str(exc), 1)
    heads = backup.summary()["heads"]
    click.echo(ngettext("Backed up to %(file)s (%(num)d draft).", "Backed up to %(file)s (%(num)d drafts).", len(heads), file=file))


@click.command("restore", help=N_("Replace the database with the backup FILE, put its photos and documents back, "
    "rebuild the search index and verify every draft."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@with_appcontext
def restore_command(file: Path, yes: bool):
    if not yes:
        click.confirm(_("This replaces everything in the database with the backup. Continue?"), abort=True)
    try:
        documents = backup.restore(file)
    except (backup.BackupError, OSError) as exc:
        _fail(str(exc), 1)
    broken = [d.slug for d in db.session.scalars(select(Draft).order_by(Draft.slug))
              if integrity.first_broken(integrity.check_draft(d)) is not None]
    click.echo(_("Restored %(file)s; %(num)d documents indexed for search.", file=file, num=documents))
    if broken:
        _fail(_("the restored history of %(drafts)s does not verify", drafts=", ".join(broken)), 1)


def localise_help(command: click.Command) -> None:
    """Click reads its help texts before there is any app context, so they are put into the CLI's
    language (MUHOKAMA_LANG, else the system's; fixed for the process) once, when the app starts.
    The English original is kept on the object: every app made (tests make many) starts from it."""
    for item in (command, *command.params):
        msgid = getattr(item, "_help_msgid", None) or getattr(item, "help", None)
        if msgid:
            item._help_msgid = msgid
            item.help = _(msgid)
    for sub in getattr(command, "commands", {}).values():
        localise_help(sub)


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(drafts_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(worker)
    app.cli.add_command(demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(budget_cli)
    with app.app_context():
        for command in (users_cli, drafts_cli, search_cli, worker, demo, backup_command, restore_command, budget_cli):
            localise_help(command)
