"""Being told by email: email settings, following a single clause or an agency, and the one-click
unsubscribe link every notification email carries."""
from __future__ import annotations

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import queries
from app.extensions import csrf, db, limiter
from app.links import safe_next
from app.models import Agency, AgencyFollow, ClauseFollow, Comment, Draft, Proposal
from app.services import emails, mail, notifications, receipts
from app.views.alert_forms import MailSettingsForm
from app.views.common import get_clause, get_draft

bp = Blueprint("alerts", __name__)


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def settings():
    """How often the reader is emailed, their one language (pages, emails, notices), what they follow."""
    current = emails.settings_for(current_user.id)
    form = MailSettingsForm(current_app.config["LANGUAGES"], frequency=current.frequency,
                            language=current_user.language or str(get_locale()))
    if form.validate_on_submit():
        emails.save_settings(current_user, frequency=form.frequency.data, language=form.language.data)
        db.session.commit()
        flash(_("Your email settings are saved."))
        return redirect(url_for("alerts.settings"))
    clauses = db.session.execute(
        select(ClauseFollow, Draft).join(Draft, Draft.id == ClauseFollow.draft_id)
        .where(ClauseFollow.user_id == current_user.id).order_by(Draft.title, ClauseFollow.clause_key)).all()
    clauses = [(row, draft, queries.clause_label(draft, row.clause_key)) for row, draft in clauses
               if queries.may_see(current_user, draft)]
    agencies = db.session.scalars(select(Agency).join(AgencyFollow, AgencyFollow.agency_id == Agency.id)
                                  .where(AgencyFollow.user_id == current_user.id).order_by(Agency.name)).all()
    status = 400 if request.method == "POST" else 200
    return render_template("alerts/settings.html", form=form, clauses=clauses, agencies=agencies), status


@bp.route("/drafts/<slug>/clauses/<eid>/follow", methods=["POST"])
@login_required
def follow_clause(slug: str, eid: str):
    """Follow one clause: emailed (with the redline) whenever a revision changes it."""
    draft = get_draft(slug)
    clause = get_clause(queries.current_revision(draft), eid)
    wanted = request.form.get("follow") != "0"
    notifications.follow_clause(current_user, draft, clause.key, wanted)
    db.session.commit()
    flash(_("You follow %(clause)s: we will email you when it changes.", clause=clause.label) if wanted
          else _("You no longer follow %(clause)s.", clause=clause.label))
    return _back(url_for("reading.clause", slug=slug, eid=eid))


@bp.route("/drafts/<slug>/clauses/<key>/unfollow", methods=["POST"])
@login_required
def unfollow_clause(slug: str, key: str):
    """Stop following a clause by its lineage key (it may no longer be in the current revision)."""
    draft = get_draft(slug)
    notifications.follow_clause(current_user, draft, key, False)
    db.session.commit()
    flash(_("You no longer follow that clause."))
    return _back(url_for("alerts.settings"))


@bp.route("/agencies/<slug>/follow", methods=["POST"])
@login_required
def follow_agency(slug: str):
    """Follow an agency: told about each of its consultations and revisions."""
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        abort(404)
    wanted = request.form.get("follow") != "0"
    notifications.follow_agency(current_user, agency.id, wanted)
    db.session.commit()
    flash(_("You follow %(agency)s: we will tell you about its consultations.", agency=agency.name) if wanted
          else _("You no longer follow %(agency)s.", agency=agency.name))
    return _back(url_for("alerts.settings"))


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail programs POST here without a form (RFC 8058)
@limiter.limit("30/minute", methods=["POST"])
def unsubscribe(token: str):
    """One click in the email: GET shows a button (link scanners must not unsubscribe anyone);
    POST, from that button or from the mail program's own unsubscribe, turns notice emails off."""
    try:
        user_id = mail.read_unsubscribe_token(token)
    except mail.TokenError:
        return render_template("alerts/unsubscribe.html", invalid=True), 400
    if request.method == "POST":
        emails.unsubscribe(user_id)
        db.session.commit()
        return render_template("alerts/unsubscribe.html", done=True), 200, \
            {"Referrer-Policy": "no-referrer"}
    return render_template("alerts/unsubscribe.html"), 200, \
        {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/receipts")
def receipt():
    """Find a comment or proposal again by its receipt number."""
    text = request.args.get("number", "")[:40]
    if not text:
        return render_template("alerts/receipt.html", number="", error=None)
    found = receipts.parse(text)
    if found is None:
        return render_template("alerts/receipt.html", number=text, error=_(
            "That is not a receipt number: it looks like C000123-4 or P000045-9. Please check each digit.")), 400
    kind, item_id = found
    item = db.session.get(Comment if kind == "comment" else Proposal, item_id)
    draft = db.session.get(Draft, item.draft_id) if item is not None else None
    if draft is None or not queries.is_public(item) or not queries.may_see(current_user, draft):
        return render_template("alerts/receipt.html", number=text, error=_(
            "Nothing public has this receipt number: it may have been hidden by a moderator.")), 404
    if kind == "proposal":
        return redirect(url_for("proposals.proposal", slug=draft.slug, proposal_id=item.id))
    return redirect(url_for("reading.comment", slug=draft.slug, comment_id=item.root_id or item.id,
                            _anchor=f"c{item.id}"))
