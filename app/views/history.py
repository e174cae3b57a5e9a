"""The public record: what changed between two revisions and where each change came from, the
register of staff's decisions (HTML and CSV), the integrity check; and, for a signed-in reader,
following a draft and their notifications."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import compression, queries
from app.extensions import db, limiter
from app.links import diff_path, safe_next
from app.models import Notification
from app.services import integrity, notifications
from app.services.exports import spreadsheet_safe
from app.views.common import choice_arg, get_draft, number_arg, page_number
from drafts.lineage import body, fold, sides, totals

bp = Blueprint("history", __name__)

DIFF_ROWS_PER_PAGE = 100  #: rows of a diff page (a folded stretch counts as one): small pages for slow links
NOTIFICATIONS_PER_PAGE = 30
CSV_CHUNK_CHARS = 64 * 1024  #: of the register's CSV, sent at a time


def revision_pair(draft):
    """The ``from`` and ``to`` revisions of a diff request; by default the previous and the current
    one. ``from`` later than ``to`` is allowed: it shows the changes backwards.

    :raise 400: if either is not a whole number; :raise 404: if either does not exist.
    """
    frm, to = number_arg("from"), number_arg("to")
    if to is None:
        to = draft.current_revision_number
    if frm is None:
        frm = max(to - 1, 1)
    return _revision(draft, frm), _revision(draft, to)


def _revision(draft, number: int):
    """:raise 404: if the draft has no revision with this number (0 included)."""
    revision = queries.revision_by_number(draft, number)
    if revision is None:
        abort(404, _("This draft has no revision %(n)d.", n=number))
    return revision


@bp.route("/drafts/<slug>/diff")
def diff(slug: str):
    """Show what changed between two revisions, clause by clause, and where each change came from."""
    draft = get_draft(slug)
    old, new = revision_pair(draft)
    view = choice_arg("view", ("inline", "side"))
    show_all = choice_arg("context", ("", "all")) == "all"
    expand = number_arg("expand")
    rows = queries.comparison(old, new)
    items = fold(rows, show_all=show_all, expand=expand)
    pages = max(1, -(-len(items) // DIFF_ROWS_PER_PAGE))
    page = page_number()
    if page > pages:
        abort(404)
    return render_template(
        "history/diff.html", draft=draft, old=old, new=new, view=view, show_all=show_all,
        items=items[(page - 1) * DIFF_ROWS_PER_PAGE: page * DIFF_ROWS_PER_PAGE], page=page, pages=pages,
        totals=totals(rows), provenance=queries.provenance(draft, old.number, new.number),
        revisions=queries.revision_numbers(draft), sides=sides, clause_body=body,
        link=lambda **args: diff_path(slug, old.number, new.number, **{
            "view": view if view != "inline" else None, "context": "all" if show_all else None, **args}))


@bp.route("/drafts/<slug>/dispositions")
def register(slug: str):
    """The public register: what staff decided on each comment and proposal, and why."""
    draft = get_draft(slug)
    return render_template("history/register.html", draft=draft, rows=queries.register_rows(draft))




@bp.route("/drafts/<slug>/dispositions.csv")
def register_csv(slug: str):
    """The register as CSV, safe to open in a spreadsheet, streamed as it is read (a draft with a
    million decisions downloads in constant memory). The byte-order mark tells spreadsheet
    programs it is UTF-8, so Cyrillic and Uzbek letters read right."""
    draft = get_draft(slug)
    return compression.streamed(stream_with_context(_register_lines(draft)), content_type="text/csv; charset=utf-8",
                                headers={"Content-Disposition": f'attachment; filename="{draft.slug}-dispositions.csv"'})


def _register_lines(draft) -> Iterator[bytes]:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["type", "id", "clause", "clause_key", "author", "input", "outcome", "reason", "decided_at"])
    for row in queries.iter_register_rows(draft):
        writer.writerow([spreadsheet_safe(str(row[k])) if isinstance(row[k], str) else row[k]
                         for k in ("type", "id", "clause", "clause_key", "author", "input", "outcome", "reason")]
                        + [row["decided_at"].isoformat()])
        if out.tell() >= CSV_CHUNK_CHARS:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


@bp.route("/drafts/<slug>/verify")
@limiter.limit("30/minute")
def verify(slug: str):
    """Recompute every revision's hashes and show whether the published history is intact."""
    draft = get_draft(slug)
    checks = integrity.check_draft(draft)
    return render_template("history/verify.html", draft=draft, checks=checks, broken=integrity.first_broken(checks))


@bp.route("/drafts/<slug>/follow", methods=["POST"])
@login_required
def follow(slug: str):
    """Follow or stop following a draft (notified of new revisions)."""
    draft = get_draft(slug)
    wanted = request.form.get("follow") == "1"
    notifications.follow(current_user, draft, wanted)
    db.session.commit()
    flash(_("You follow this draft: you will be told about new revisions.") if wanted
          else _("You no longer follow this draft."))
    return redirect(safe_next(request.form.get("next")) or url_for("reading.draft", slug=slug))


@bp.route("/notifications")
@login_required
def notification_list():
    """List the reader's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == current_user.id) \
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    pagination = db.paginate(query, page=page_number(), per_page=NOTIFICATIONS_PER_PAGE, error_out=False)
    return render_template("history/notifications.html", pagination=pagination, safe_next=safe_next)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    """Mark all of the reader's notifications as read."""
    notifications.mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("history.notification_list"))
