"""Staff work on drafts: publish a new draft, publish a revised text (upload or paste, preview how
its clauses line up, publish), and change a consultation's deadline."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

import drafts
from app import i18n, parallel, queries
from app.clock import utcnow
from app.extensions import db
from app.links import diff_path
from app.models import Job
from app.services import imports, revisions, versions
from app.services.rules import RuleError, authorize
from app.views.common import get_draft, managed
from app.views.forms import DeadlineForm, DraftForm, Form, ReviseForm, VersionForm
from app.views.idempotency import idempotent

bp = Blueprint("staff", __name__, url_prefix="/staff")

PREVIEW_LIMIT = 200  #: changed clauses listed in a preview; the totals always count all
PREVIEW_CLAUSES = 30  #: clauses of a new draft shown in full in its preview; the outline lists the structure
OUTLINE_LIMIT = 1000


def draft_preview(clauses: list) -> dict:
    """What a preview of a new draft shows: a summary, not the whole text of a 2,000-clause law."""
    return {"total": len(clauses), "first": clauses[:PREVIEW_CLAUSES],
            "outline": [c for c in clauses if not c.text][:OUTLINE_LIMIT]}


@bp.before_request
def _room_for_whole_laws():
    """Staff upload and paste whole laws: larger limits than the public forms have."""
    request.max_content_length = current_app.config["STAFF_MAX_CONTENT_LENGTH"]
    request.max_form_memory_size = current_app.config["STAFF_MAX_FORM_MEMORY_SIZE"]


def to_utc(local: datetime) -> datetime:
    """A datetime-local value is in the staff member's own time zone."""
    return local.replace(tzinfo=ZoneInfo(i18n.select_timezone())).astimezone(ZoneInfo("UTC"))


def to_local(value: datetime) -> datetime:
    return value.astimezone(i18n.zone()).replace(tzinfo=None, second=0, microsecond=0)


def _sent_text(form) -> tuple[bytes, str | None, str | None] | None:
    """The uploaded file, else the pasted text (as Markdown unless a format is chosen)."""
    upload = form.file.data
    if upload and upload.filename:
        return upload.read(), upload.filename, form.fmt.data or None
    if form.text.data and form.text.data.strip():
        return form.text.data.encode(), None, form.fmt.data or "md"
    return None


@bp.route("/drafts/new", methods=["GET", "POST"])
@login_required
@idempotent
def new_draft():
    """Upload or paste a draft, preview its clauses, then publish it."""
    authorize(current_user)
    form = DraftForm()

    def page(preview=None, status=200):
        return render_template("staff/new_draft.html", form=form, preview=preview), status

    if request.method == "GET":
        now = to_local(utcnow())
        form.opens.data, form.closes.data = now, now + timedelta(days=30)
        form.agency.data = current_user.agency.name if current_user.agency else ""
        return page()
    if not form.validate():
        return page(status=400)
    sent = _sent_text(form)
    if sent is None:
        form.text.errors = [_("Upload a file or paste the text of the draft.")]
        return page(status=400)
    agency = form.agency.data if current_user.role == "admin" and form.agency.data else \
        (current_user.agency.name if current_user.agency else form.agency.data)
    if not agency:
        form.agency.errors = [_("Name the agency that publishes the draft.")]
        return page(status=400)
    data, filename, fmt = sent
    if "publish" in request.form and len(data) > current_app.config["BACKGROUND_IMPORT_BYTES"]:
        return _import_in_background(form, data, filename, fmt, agency) or page(status=400)
    try:
        doc = revisions.parse_upload(data, fmt, filename)
    except RuleError as exc:
        form.file.errors = [exc.message]
        return page(status=400)
    if "publish" not in request.form:
        # Preview: the parsed clauses, and the text as Markdown so an uploaded file need not be re-sent.
        form.text.data, form.fmt.data = drafts.to_markdown(doc), "md"
        return page(draft_preview(doc.clauses()))
    try:
        draft = revisions.import_draft(data, doc=doc, fmt=fmt or "md", filename=filename, title=form.title.data,
                                       agency_name=agency, lang=form.chosen_language, summary=form.summary.data or "",
                                       opens_at=to_utc(form.opens.data), closes_at=to_utc(form.closes.data),
                                       author=current_user)
    except RuleError as exc:
        db.session.rollback()
        if exc.field in form:
            form[exc.field].errors = [*form[exc.field].errors, exc.message]
        else:
            flash(exc.message, "error")
        return page(draft_preview(doc.clauses()), exc.status)
    db.session.commit()
    flash(_("The draft was published."))
    return redirect(url_for("reading.draft", slug=draft.slug))


def _import_in_background(form, data: bytes, filename: str | None, fmt: str | None, agency: str):
    """Queue the import of a big law for `flask worker` and show its status page; None (with the
    error beside its field) when the form cannot be queued as it is."""
    try:
        job = imports.queue_import(data, filename=filename, fmt=fmt, title=form.title.data, agency_name=agency,
                                   lang=form.language.data, summary=form.summary.data or "",
                                   opens_at=to_utc(form.opens.data), closes_at=to_utc(form.closes.data),
                                   author=current_user)
    except RuleError as exc:
        db.session.rollback()
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
        return None
    db.session.commit()
    return redirect(url_for("staff.import_status", job_id=job.id))


@bp.route("/imports/<int:job_id>")
@login_required
def import_status(job_id: int):
    """Where a big import stands; with ``auto=1`` the page reloads itself (no script) until it is done."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != imports.KIND:
        abort(404)
    state = imports.status(job)
    if state["author_id"] != current_user.id and current_user.role != "admin":
        abort(404)
    return render_template("staff/import_status.html", job=job, state=state, auto=request.args.get("auto") == "1")


@bp.route("/drafts/<slug>/revise", methods=["GET", "POST"])
@login_required
@idempotent
def revise(slug: str):
    """Upload or paste a revised text, preview the alignment, then publish it. The text is read and
    aligned once per request, and what is published is what the preview showed."""
    draft = managed(get_draft(slug))
    head = queries.current_revision(draft)
    form = ReviseForm()

    def page(preview=None, status=200):
        return render_template("staff/revise.html", form=form, draft=draft, head=head, preview=preview), status

    if request.method == "GET":
        form.base.data = str(head.number)
        return page()
    if not form.validate():
        return page(status=400)
    sent = _sent_text(form)
    if sent is None:
        form.text.errors = [_("Upload a file or paste the revised text.")]
        return page(status=400)
    data, filename, fmt = sent
    try:
        plan = revisions.plan_revision(draft, data, fmt=fmt, filename=filename)
    except RuleError as exc:
        form.file.errors = [exc.message]
        return page(status=400)
    form.text.data, form.fmt.data = plan.markdown, "md"
    preview = {"totals": plan.totals,
               "changes": [c for c in plan.changes if c.kind != "unchanged"][:PREVIEW_LIMIT]}
    if plan.unchanged:
        form.text.errors = [_("The text is the same as the current revision; there is nothing to publish.")]
        return page(preview, 400)
    if form.base.data != str(head.number):
        form.base.data = str(head.number)
        flash(_("Revision %(n)d was published while you were working; check the preview against it.",
                n=head.number), "error")
        return page(preview, 409)
    if "publish" not in request.form:
        return page(preview)
    try:
        revision = revisions.publish_revision(draft, plan.clauses, head=plan.head, note=form.note.data,
                                              author=current_user, fmt=fmt or "md")
    except RuleError as exc:
        form.text.errors = [exc.message]
        return page(preview, exc.status)
    db.session.commit()
    flash(_("Revision %(n)d was published.", n=revision.number))
    return redirect(diff_path(slug, head.number, revision.number))


@bp.route("/drafts/<slug>/deadline", methods=["GET", "POST"])
@login_required
def deadline(slug: str):
    """Extend (or shorten) a consultation; every change is public."""
    draft = managed(get_draft(slug))
    form = DeadlineForm()
    if request.method == "GET":
        form.closes.data = to_local(draft.closes_at)
        return render_template("staff/deadline.html", form=form, draft=draft)
    if form.validate():
        try:
            revisions.extend_deadline(draft, to_utc(form.closes.data), reason=form.reason.data, actor=current_user)
        except RuleError as exc:
            if exc.field not in form:
                raise
            db.session.rollback()
            form[exc.field].errors = [*form[exc.field].errors, exc.message]  # beside what they typed
        else:
            db.session.commit()
            flash(_("The deadline was changed."))
            return redirect(url_for("reading.draft", slug=slug, _anchor="deadline-history"))
    return render_template("staff/deadline.html", form=form, draft=draft), 400


def _slug_in(value: str) -> str:
    """A draft's slug from what staff paste: the slug, or any address of the draft's pages."""
    value = value.strip().split("?")[0].split("#")[0]
    _, found, rest = value.partition("/drafts/")
    return (rest if found else value).strip("/").split("/")[0]


@bp.route("/drafts/<slug>/versions", methods=["GET", "POST"])
@login_required
def versions_page(slug: str):
    """Link this draft as another language's text of the same law (or make it a law of its own)."""
    draft = managed(get_draft(slug))
    form, unlink = VersionForm(), Form(prefix="unlink")
    status = 200
    if request.method == "POST" and "unlink" in request.form and unlink.validate():
        versions.unlink_version(draft, actor=current_user)
        db.session.commit()
        flash(_("This draft is no longer a language version of another draft."))
        return redirect(url_for("staff.versions_page", slug=slug))
    if request.method == "POST" and "unlink" not in request.form:
        status = 400
        if form.validate():
            other = queries.draft_for(current_user, _slug_in(form.other.data))
            try:
                if other is None:
                    raise RuleError(_("There is no draft at that address that you can see."))
                versions.link_version(draft, other, actor=current_user)
            except RuleError as exc:
                db.session.rollback()
                form.other.errors = [*form.other.errors, exc.message]
                status = exc.status
            else:
                db.session.commit()
                flash(_("The draft is now a language version of “%(title)s”.", title=other.title))
                return redirect(url_for("staff.versions_page", slug=slug))
    return render_template("staff/versions.html", draft=draft, form=form, unlink=unlink,
                           versions=parallel.versions(draft, current_user)), status
