"""The mahalla office: staff enter a comment a citizen gave on paper, in person or by phone."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import queries
from app.extensions import db
from app.services import assisted
from app.services.rules import RuleError, authorize
from app.views.assisted_forms import AssistedCommentForm
from app.views.common import get_draft
from app.views.forms import error_status
from app.views.idempotency import idempotent

bp = Blueprint("assisted", __name__)


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
