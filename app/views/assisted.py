"""The mahalla office: staff enter a comment a citizen gave on paper, in person or by phone."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import queries
from app.extensions import db
from app.services import assisted, comment_imports
from app.services.rules import RuleError, authorize
from app.views.assisted_forms import AssistedCommentForm, CommentImportForm
from app.views.common import get_draft
from app.views.forms import error_status
from app.views.idempotency import idempotent

bp = Blueprint("assisted", __name__)


@bp.before_request
def _room_for_files_of_letters():
    """A file of thousands of letters is larger than any public form's input."""
    if request.endpoint == "assisted.import_comments":
        request.max_content_length = current_app.config["STAFF_MAX_CONTENT_LENGTH"]
        request.max_form_memory_size = current_app.config["STAFF_MAX_FORM_MEMORY_SIZE"]


@bp.route("/staff/drafts/<slug>/assisted", methods=["GET", "POST"])
@login_required
@idempotent
def enter(slug: str):
    """Enter a citizen's comment for them; it is published under their name, marked with its channel."""
    draft = get_draft(slug)
    authorize(current_user)
    form = AssistedCommentForm()
    revision = queries.current_revision(draft)
    form.clause_key.choices = [("", _("The whole draft"))] + [
        (c["key"], f"{c['label']} {c['heading']}".strip()) for c in queries.cached_clauses(revision)]
    if not form.validate_on_submit():
        return render_template("staff/assisted.html", draft=draft, form=form), error_status(form) if form.errors else 200
    try:
        comment = assisted.enter_comment(current_user, draft, body=form.body.data, clause_key=form.clause_key.data or None,
                                         stance=form.stance.data, channel=form.channel.data,
                                         citizen_name=form.citizen_name.data, consent=form.consent.data)
    except RuleError as exc:
        if exc.status != 400 or not exc.field or exc.field not in form:
            raise
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
        return render_template("staff/assisted.html", draft=draft, form=form), 400
    db.session.commit()
    flash(_("The comment of %(name)s was published.", name=comment.assisted.citizen_name))
    return redirect(url_for("assisted.enter", slug=draft.slug))


@bp.route("/staff/drafts/<slug>/import-comments", methods=["GET", "POST"])
@login_required
@idempotent
def import_comments(slug: str):
    """Import comments received by letter, email or on paper from a CSV or JSON file: all or nothing."""
    draft = get_draft(slug)
    authorize(current_user, draft)
    form = CommentImportForm()
    errors: list = []
    if not form.validate_on_submit():
        return render_template("staff/import_comments.html", draft=draft, form=form, errors=errors), \
            error_status(form) if form.errors else 200
    upload = form.file.data
    try:
        if not upload or not upload.filename:
            raise RuleError(_("Choose a file to import."), field="file")
        rows = comment_imports.read_rows(upload.read(), None, upload.filename)
        result = comment_imports.import_comments(current_user, draft, rows, channel=form.channel.data,
                                                 consent=form.consent.data, source=upload.filename)
    except comment_imports.ImportRejected as exc:
        errors = exc.errors
        form.file.errors = [exc.message]
        return render_template("staff/import_comments.html", draft=draft, form=form, errors=errors), 400
    except RuleError as exc:
        if exc.status == 403:
            raise
        target = form[exc.field] if exc.field in ("consent", "channel") else form.file
        target.errors = [*target.errors, exc.message]
        return render_template("staff/import_comments.html", draft=draft, form=form, errors=errors), exc.status
    db.session.commit()
    flash(_("Imported: %(added)d; imported before: %(already)d; repeated rows skipped: %(repeated)d.",
            added=result.added, already=result.already, repeated=result.repeated))
    return redirect(url_for("assisted.import_comments", slug=draft.slug))
