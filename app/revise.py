"""Staff publish a revised text of a draft: upload or paste, preview how its clauses line up
with the current revision, then publish it as the next revision (also ``flask drafts revise``)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

import drafts
from app import reading, services
from app.extensions import db
from app.forms import Form, max_chars
from app.models import Draft, Revision, User
from app.staff import FORMATS
from drafts.diff import totals as change_totals

bp = Blueprint("revise", __name__, url_prefix="/staff")

PREVIEW_LIMIT = 200  #: changed clauses listed in a preview; the totals always count all


class ReviseForm(Form):
    note = TextAreaField(_l("What changed, and why (shown publicly)"), validators=[
        InputRequired(_l("Say what changed in this revision.")), max_chars(2000, _l("At most %(limit)d characters."))])
    file = FileField(_l("Upload the revised text (.md, .txt, .docx, .xml)"))
    fmt = SelectField(_l("Format"), choices=FORMATS, default="")
    text = TextAreaField(_l("…or paste the revised text"), validators=[Optional()])
    #: the revision the preview was made against, so a revision published meanwhile is not overwritten unseen
    base = HiddenField()


def publish_revision(draft: Draft, data: bytes, *, fmt: str | None, note: str, author: User | None,
                     filename: str | None = None) -> Revision:
    """Publish ``data`` as the next revision (services.revise_draft also tells followers and authors
    and supersedes moot proposals). Flushes, never commits.

    :raise services.RuleError: if the text cannot be read or is the same as the current revision.
    """
    result = services.revise_draft(draft, data, fmt=fmt, note=note, author=author, filename=filename)
    return result[0] if isinstance(result, tuple) else result  # (revision, changes) today


def managed_draft(slug: str) -> Draft:
    """:raise 404: if there is no such draft; :raise 403: unless the user is staff of its agency or admin."""
    draft = reading.get_draft(slug)
    if not current_user.can_manage(draft):
        abort(403, _("Only staff of the draft's agency can publish a revised text."))
    return draft


def _page(form: ReviseForm, draft: Draft, head: Revision, preview=None, status: int = 200):
    return render_template("history/revise.html", form=form, draft=draft, head=head, preview=preview), status


def _upload(form: ReviseForm) -> tuple[bytes, str | None, str | None] | None:
    upload = form.file.data
    if upload and upload.filename:
        return upload.read(), upload.filename, form.fmt.data or None
    if form.text.data and form.text.data.strip():
        return form.text.data.encode(), None, form.fmt.data or "md"
    return None


@bp.route("/drafts/<slug>/revise", methods=["GET", "POST"])
@login_required
def revise(slug: str):
    """Upload or paste a revised text, preview the alignment, then publish it."""
    draft = managed_draft(slug)
    head = services.current_revision(draft)
    form = ReviseForm()
    if request.method == "GET":
        form.base.data = str(head.number)
        return _page(form, draft, head)
    if not form.validate():
        return _page(form, draft, head, status=400)
    sent = _upload(form)
    if sent is None:
        form.text.errors = [_("Upload a file or paste the revised text.")]
        return _page(form, draft, head, status=400)
    try:
        # What is previewed is exactly what will be published: the Markdown put back in the form.
        data, filename, fmt = sent
        markdown = drafts.to_markdown(services.parse_upload(data, fmt, filename))
        doc = services.parse_upload(markdown.encode(), "md")
    except services.RuleError as exc:
        form.file.errors = [exc.message]
        return _page(form, draft, head, status=400)
    form.text.data, form.fmt.data = markdown, "md"
    changes = drafts.align(services.revision_clauses(head), doc.clauses())
    preview = {"totals": change_totals(changes),
               "changes": [c for c in changes if c.kind != "unchanged"][:PREVIEW_LIMIT]}
    if drafts.clauses_content_hash([c.new for c in changes if c.new]) == head.content_hash:
        form.text.errors = [_("The text is the same as the current revision; there is nothing to publish.")]
        return _page(form, draft, head, preview, status=400)
    if form.base.data != str(head.number):
        form.base.data = str(head.number)
        flash(_("Revision %(n)d was published while you were working; check the preview against it.",
                n=head.number), "error")
        return _page(form, draft, head, preview, status=409)
    if "publish" not in request.form:
        return _page(form, draft, head, preview)
    try:
        revision = publish_revision(draft, markdown.encode(), fmt="md", note=form.note.data, author=current_user)
    except services.RuleError as exc:
        form.text.errors = [exc.message]
        return _page(form, draft, head, preview, status=exc.status)
    db.session.commit()
    flash(_("Revision %(n)d was published.", n=revision.number))
    return redirect(url_for("history.diff", slug=slug, **{"from": head.number, "to": revision.number}))
