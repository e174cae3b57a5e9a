"""Staff: publish a draft (upload or paste, preview, publish) and change a consultation's deadline."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

import drafts
from app import i18n, reading, services
from app.extensions import db
from app.forms import Form, choices, max_chars

bp = Blueprint("staff", __name__, url_prefix="/staff")

FORMATS = choices(("", _l("Detect from the file")), ("md", "Markdown"), ("text", _l("Plain text")),
                  ("docx", "Word (.docx)"), ("akn", "Akoma Ntoso XML"), ("uslm", "USLM XML"))


class DraftForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=300)])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=200)])
    language = SelectField(_l("Language of the text"), choices=choices(("en", "English"), ("ru", "Русский"),
                                                                      ("uz", "Oʻzbekcha")))
    summary = TextAreaField(_l("Summary"), validators=[Optional(), max_chars(5000, _l("At most %(limit)d characters."))])
    opens = DateTimeLocalField(_l("Consultation opens"), validators=[DataRequired()])
    closes = DateTimeLocalField(_l("Consultation closes"), validators=[DataRequired()])
    file = FileField(_l("Upload the text (.md, .txt, .docx, .xml)"))
    fmt = SelectField(_l("Format"), choices=FORMATS, default="")
    text = TextAreaField(_l("…or paste the text"), validators=[Optional()])


class DeadlineForm(Form):
    closes = DateTimeLocalField(_l("New closing time"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (shown publicly)"), validators=[
        InputRequired(), max_chars(2000, _l("At most %(limit)d characters."))])


def require_staff():
    if not current_user.is_staff:
        abort(403, _("Only agency staff can do this."))


def to_utc(local: datetime) -> datetime:
    """A datetime-local value is in the staff member's own time zone."""
    return local.replace(tzinfo=ZoneInfo(i18n.select_timezone())).astimezone(ZoneInfo("UTC"))


def to_local(value: datetime) -> datetime:
    return value.astimezone(i18n.zone()).replace(tzinfo=None, second=0, microsecond=0)


@bp.route("/drafts/new", methods=["GET", "POST"])
@login_required
def new_draft():
    """Upload or paste a draft, preview its clauses, then publish it."""
    require_staff()
    form = DraftForm()
    if request.method == "GET":
        now = to_local(services.now_utc())
        form.opens.data, form.closes.data = now, now + timedelta(days=30)
        form.agency.data = current_user.agency.name if current_user.agency else ""
        return render_template("staff/new_draft.html", form=form, preview=None)
    if not form.validate():
        return render_template("staff/new_draft.html", form=form, preview=None), 400
    upload = form.file.data
    if upload and upload.filename:
        data, filename, fmt = upload.read(), upload.filename, form.fmt.data or None
    elif form.text.data and form.text.data.strip():
        data, filename, fmt = form.text.data.encode(), None, form.fmt.data or "md"
    else:
        form.text.errors = [_("Upload a file or paste the text of the draft.")]
        return render_template("staff/new_draft.html", form=form, preview=None), 400
    agency = form.agency.data if current_user.role == "admin" and form.agency.data else \
        (current_user.agency.name if current_user.agency else form.agency.data)
    if not agency:
        form.agency.errors = [_("Name the agency that publishes the draft.")]
        return render_template("staff/new_draft.html", form=form, preview=None), 400
    try:
        doc = services.parse_upload(data, fmt, filename)
    except services.RuleError as exc:
        form.file.errors = [exc.message]
        return render_template("staff/new_draft.html", form=form, preview=None), 400
    if "publish" not in request.form:
        # Preview: the parsed clauses, and the text as Markdown so an uploaded file need not be re-sent.
        form.text.data, form.fmt.data = drafts.to_markdown(doc), "md"
        return render_template("staff/new_draft.html", form=form, preview=doc.clauses())
    try:
        draft = services.import_draft(drafts.to_markdown(doc).encode(), fmt="md", title=form.title.data,
                                      agency_name=agency, lang=form.language.data, summary=form.summary.data or "",
                                      opens_at=to_utc(form.opens.data), closes_at=to_utc(form.closes.data),
                                      author=current_user)
    except services.RuleError as exc:
        flash(exc.message, "error")
        return render_template("staff/new_draft.html", form=form, preview=doc.clauses()), exc.status
    db.session.commit()
    flash(_("The draft was published."))
    return redirect(url_for("reading.draft", slug=draft.slug))


@bp.route("/drafts/<slug>/deadline", methods=["GET", "POST"])
@login_required
def deadline(slug: str):
    """Extend (or shorten) a consultation; every change is public."""
    draft = reading.get_draft(slug)
    if not current_user.can_manage(draft):
        abort(403, _("Only staff of the draft's agency can change its deadline."))
    form = DeadlineForm()
    if request.method == "GET":
        form.closes.data = to_local(draft.closes_at)
    elif form.validate():
        services.extend_deadline(draft, to_utc(form.closes.data), reason=form.reason.data, actor=current_user)
        db.session.commit()
        flash(_("The deadline was changed."))
        return redirect(url_for("reading.draft", slug=slug, _anchor="deadline-history"))
    else:
        return render_template("staff/deadline.html", form=form, draft=draft), 400
    return render_template("staff/deadline.html", form=form, draft=draft)
