"""Organisation positions: an organisation publishes its position on a draft once, and people sign
on to it instead of posting copies. Reading needs no account; publishing and signing do."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db, limiter
from app.models import Position
from app.services import positions
from app.services.rules import RuleError
from app.views import humans
from app.views.common import comment_limit, get_draft, user_or_address
from app.views.forms import PositionForm, SignForm, error_status
from app.views.idempotency import idempotent

bp = Blueprint("positions", __name__)


def _position(slug: str, position_id: int):
    draft = get_draft(slug)
    position = db.session.get(Position, position_id)
    if position is None or position.draft_id != draft.id:
        abort(404)
    return draft, position


@bp.route("/drafts/<slug>/positions")
def position_list(slug: str):
    """The organisations' positions on a draft, with how many signed each."""
    draft = get_draft(slug)
    found = list(db.session.scalars(select(Position).where(Position.draft_id == draft.id)
                                    .order_by(Position.id.desc()).limit(500)))
    return render_template("positions/list.html", draft=draft, positions=found,
                           counts=positions.signatories([p.id for p in found]), now=utcnow())


@bp.route("/drafts/<slug>/positions/new", methods=["GET", "POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address, methods=["POST"])
@idempotent
def new(slug: str):
    """Publish an organisation's position."""
    draft = get_draft(slug)
    form = PositionForm()
    if request.method == "POST":
        humans.check()
        if form.validate():
            try:
                position = positions.publish(current_user, draft, respondent_type=form.respondent_type.data,
                                             organisation=form.organisation.data, title=form.title.data,
                                             body=form.body.data)
            except RuleError as exc:
                if exc.field not in form:
                    raise
                form[exc.field].errors = [*form[exc.field].errors, exc.message]
            else:
                db.session.commit()
                flash(_("The position was published. People can now sign on to it."))
                return redirect(url_for("positions.position", slug=slug, position_id=position.id))
    status = error_status(form) if form.errors else 200
    return render_template("positions/new.html", draft=draft, form=form, now=utcnow()), status


@bp.route("/drafts/<slug>/positions/<int:position_id>")
def position(slug: str, position_id: int):
    """A position, its signatories count and the names of those who chose to show them."""
    draft, found = _position(slug, position_id)
    signed = current_user.is_authenticated and positions.has_signed(current_user, found)
    return render_template("positions/position.html", draft=draft, position=found,
                           count=positions.signatories([found.id])[found.id], names=positions.shown_names(found),
                           signed=signed, form=SignForm(), now=utcnow())


@bp.route("/drafts/<slug>/positions/<int:position_id>/sign", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
@idempotent
def sign(slug: str, position_id: int):
    """Sign on to a position, once."""
    draft, found = _position(slug, position_id)
    form = SignForm()
    if not form.validate():
        abort(400, "; ".join(str(e) for field in form for e in field.errors))
    positions.sign(current_user, found, draft, show_name=form.show_name.data)
    db.session.commit()
    flash(_("You signed this position."))
    return redirect(url_for("positions.position", slug=slug, position_id=found.id))
