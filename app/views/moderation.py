"""Moderation: readers report, moderators work a queue (hide with a public reason, restore, block),
authors dispute what was not them, admins read the audit log and everyone sees the summary."""
from __future__ import annotations

from datetime import UTC, datetime, time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.clock import utcnow
from app.extensions import db, limiter
from app.models import User
from app.services import audit as audit_log
from app.services import moderation
from app.services.rules import RuleError, authorize_moderator
from app.views.common import draft_of, page_number, user_or_address, valid
from app.views.moderation_forms import ActionForm, BlockForm, HideForm, ReportForm

bp = Blueprint("moderation", __name__)
KIND = "<any(comment, proposal, project, update, position):kind>"


def _item(kind: str, item_id: int):
    """:raise 404: no such contribution, or its draft is not visible to the reader (budget rounds
    are public)."""
    item = db.session.get(moderation.KINDS[kind], item_id)
    if item is None:
        abort(404)
    if kind in ("comment", "proposal", "position"):
        draft_of(item)
    return item


def _moderator() -> User:
    authorize_moderator(current_user)
    return current_user


@bp.route(f"/report/{KIND}/<int:item_id>", methods=["GET", "POST"])
@login_required
@limiter.limit("20/hour", key_func=user_or_address, methods=["POST"])
def report(kind: str, item_id: int):
    """Report a contribution to the moderators, or dispute one's own ("this was not me")."""
    item = _item(kind, item_id)
    form = ReportForm()
    if form.is_submitted():
        valid(form)
        moderation.report(current_user, item, reason=form.reason.data, note=form.note.data or "",
                          threshold=current_app.config.get("REPORT_THRESHOLD", 3))
        db.session.commit()
        flash(_("Thank you. Moderators will look at it."))
        return redirect(moderation.link_of(item))
    title, url = moderation.place_of(item)
    return render_template("moderation/report.html", item=item, kind=kind, form=form,
                           dispute_form=ActionForm(), place={"title": title, "url": url})


@bp.route(f"/dispute/{KIND}/<int:item_id>", methods=["POST"])
@login_required
def dispute(kind: str, item_id: int):
    item = _item(kind, item_id)
    valid(ActionForm())
    moderation.dispute(current_user, item)
    db.session.commit()
    flash(_("It is now marked as disputed by the account holder. Moderators will see it."))
    return redirect(moderation.link_of(item))


@bp.route("/moderation")
@login_required
def queue():
    """The moderation queue, linked from the header for moderators."""
    _moderator()
    rows = moderation.queue()
    waiting = {(row["kind"], row["item"].id) for row in rows}
    hidden = [row for row in moderation.recently_hidden() if (row["kind"], row["item"].id) not in waiting]
    return render_template("moderation/queue.html", rows=rows, hidden_rows=hidden, blocks=moderation.active_blocks(),
                           hide_form=HideForm(), action_form=ActionForm())


@bp.route(f"/moderation/{KIND}/<int:item_id>/<any(hide, restore, dismiss):action>", methods=["POST"])
@login_required
def act(kind: str, item_id: int, action: str):
    moderator = _moderator()
    item = _item(kind, item_id)
    if action == "hide":
        form = valid(HideForm())
        moderation.hide(moderator, item, reason=form.reason.data, explanation=form.explanation.data)
        message = _("Hidden. Its place shows your public reason.")
    else:
        valid(ActionForm())
        getattr(moderation, action)(moderator, item)
        message = _("Restored.") if action == "restore" else _("The reports were closed.")
    db.session.commit()
    flash(message)
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/people/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int):
    """Block a person (with a reason and an end date) or lift their block."""
    moderator = _moderator()
    who = db.session.get(User, user_id) or abort(404)
    form = BlockForm()
    if form.is_submitted():
        if form.validate():
            ends = datetime.combine(form.ends_on.data, time(0, 0), tzinfo=UTC)
            try:
                moderation.block(moderator, who, reason=form.reason.data, ends_at=ends)
            except RuleError as exc:
                if exc.field != "ends_at":
                    raise
                form.ends_on.errors = [exc.message]
            else:
                db.session.commit()
                flash(_("%(name)s is blocked until %(date)s.", name=who.display_name, date=f"{ends:%Y-%m-%d}"))
                return redirect(url_for("moderation.queue"))
        return render_template("moderation/person.html", who=who, form=form, action_form=ActionForm(),
                               now=utcnow()), 400
    return render_template("moderation/person.html", who=who, form=form, action_form=ActionForm(), now=utcnow())


@bp.route("/moderation/people/<int:user_id>/unblock", methods=["POST"])
@login_required
def unblock(user_id: int):
    moderator = _moderator()
    who = db.session.get(User, user_id) or abort(404)
    valid(ActionForm())
    moderation.unblock(moderator, who)
    db.session.commit()
    flash(_("The block was lifted."))
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/audit")
@login_required
def audit():
    """The whole audit log and whether its hash chain holds: admins only."""
    if current_user.role != "admin":
        abort(403)
    return render_template("moderation/audit.html", pagination=audit_log.entries(page_number()),
                           broken=audit_log.verify_chain())


@bp.route("/moderation/summary")
def summary():
    """What moderation did, for everyone: how many contributions are hidden, and why."""
    return render_template("moderation/summary.html", counts=moderation.hidden_counts(),
                           reasons=audit_log.hidden_by_reason())
