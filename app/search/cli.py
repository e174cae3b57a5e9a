"""``flask search rebuild|status|process``: the index is derived data, so it can always be remade."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.i18n import N_
from app.models import Clause, Comment, Draft, Revision
from app.search import get_backend, outbox
from app.search.documents import KINDS


@click.command("rebuild", help=N_("Rebuild the search index from the database."))
@with_appcontext
def rebuild():
    start = utcnow()
    n = outbox.rebuild_index()
    seconds = (utcnow() - start).total_seconds()
    click.echo(_("Indexed %(num)d documents with %(engine)s in %(seconds).1f s.", num=n, engine=get_backend().name, seconds=seconds))


@click.command("process", help=N_("Apply every queued change to the index, waiting for other writers if needed."))
@with_appcontext
def process():
    n = outbox.drain(get_backend(), blocking=True)
    click.echo(ngettext("Applied %(num)d queued change to the search index.",
                        "Applied %(num)d queued changes to the search index.", n))


@click.command("status", help=N_("Show the engine, documents in the index and in the database, and the outbox lag."))
@with_appcontext
def status():
    backend = get_backend()
    stats = backend.stats()
    current = (select(func.count()).select_from(Clause).join(Revision, Revision.id == Clause.revision_id)
               .join(Draft, Draft.id == Revision.draft_id)
               .where(Revision.number == Draft.current_revision_number))
    in_db = {"draft": db.session.scalar(select(func.count()).select_from(Draft)),
             "clause": db.session.scalar(select(func.count()).select_from(Clause)),
             "comment": db.session.scalar(select(func.count()).select_from(Comment)
                                          .where(queries.public(Comment)))}
    click.echo(_("engine: %(engine)s", engine=backend.name))
    for kind in KINDS:
        click.echo(_("%(kind)ss: %(indexed)d in the index, %(stored)d in the database", kind=kind,
                     indexed=stats.get(kind, 0), stored=in_db.get(kind, 0)))
    click.echo(_("clauses of current revisions: %(num)d", num=db.session.scalar(current)))
    pending = outbox.pending_count()
    oldest = outbox.oldest_pending()
    lag = (utcnow() - oldest).total_seconds() if oldest else 0.0
    click.echo(_("outbox: %(num)d pending, lag %(seconds).1f s", num=pending, seconds=lag))


COMMANDS = (rebuild, process, status)
