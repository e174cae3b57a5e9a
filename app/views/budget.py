"""The initiative budget for residents: the rounds, a round's page with its ballot and results,
voting, receipts, proposing a project, complaints, phone verification, a project's implementation."""
from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import queries
from app.clock import utcnow
from app.extensions import db, limiter
from app.services import (
    budget,
    budget_ballots,
    budget_photos,
    budget_residents,
    budget_tracking,
)
from app.services.rules import RuleError
from app.views.budget_forms import (
    CATEGORY_LABELS,
    PHASE_LABELS,
    STATUS_LABELS,
    BallotForm,
    CodeForm,
    ComplaintForm,
    PhoneForm,
    ProjectForm,
    ReceiptForm,
    UpdateForm,
)
from app.views.common import (
    comment_limit,
    get_round,
    round_project,
    user_or_address,
    valid,
)
from app.views.forms import error_status
from app.views.idempotency import idempotent

bp = Blueprint("budget", __name__, url_prefix="/budget")
PHOTO_NAME = re.compile(r"[0-9a-f]{64}\.jpg")


def labels() -> dict:
    return {"categories": CATEGORY_LABELS, "statuses": STATUS_LABELS, "phases": PHASE_LABELS}


@bp.route("")
def rounds():
    """Every round; those of the districts where the reader's residence is confirmed come first."""
    mine = budget_residents.resident_agency_ids(current_user)
    items = sorted(queries.budget_rounds(), key=lambda r: (r.agency_id not in mine, -r.voting_opens_at.timestamp()))
    return render_template("budget/list.html", items=items, mine=mine, now=utcnow(), **labels())


@bp.route("/<slug>")
def round_page(slug: str):
    """The round: its phase and dates, the projects (a vote form for each during voting), the
    funding arithmetic, and planned against spent once projects are funded."""
    budget_round = get_round(slug)
    now = utcnow()
    projects = queries.budget_projects(budget_round)
    counts = budget_ballots.live_counts(budget_round)
    return render_template(
        "budget/round.html", round=budget_round, status=budget_round.status(now), projects=projects,
        counts=counts, steps=budget.standings(budget_round), now=now, ballot_form=BallotForm(),
        voted=budget_ballots.has_voted(current_user, budget_round), receipt_form=ReceiptForm(),
        hidden={p.id for p in projects if not queries.is_public(p)},
        planned=sum(p.contract_amount or p.final_cost for p in projects if p.funded),
        spent=sum(p.spent for p in projects if p.funded), **labels())


@bp.route("/<slug>/vote", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def vote(slug: str):
    """Cast the one ballot of the round; the receipt code is shown once."""
    budget_round = get_round(slug)
    form = valid(BallotForm())
    project = round_project(budget_round, form.project_id.data)
    receipt = budget_ballots.cast(current_user, budget_round, project, address=request.remote_addr or "")
    db.session.commit()
    flash(_("Your vote for “%(title)s” was counted. Your receipt code is %(code)s: write it down to check "
            "later that your vote is counted. It does not show your name to anyone.",
            title=project.title, code=receipt))
    return redirect(url_for("budget.round_page", slug=slug, _anchor="receipt"))


@bp.route("/<slug>/receipt")
def receipt(slug: str):
    """Check a receipt: whether its ballot is in the log, and for which project (only the holder of
    the code can ask)."""
    budget_round = get_round(slug)
    form = ReceiptForm(request.args)
    if not form.validate():
        abort(400, _("Enter the receipt code you were given when you voted."))
    ballot = budget_ballots.find_receipt(budget_round, form.receipt.data)
    project = round_project(budget_round, str(ballot.project_id)) if ballot else None
    return render_template("budget/receipt.html", round=budget_round, ballot=ballot, project=project,
                           form=form), 200 if ballot else 404


@bp.route("/<slug>/propose", methods=["GET", "POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address, methods=["POST"])
@idempotent
def propose(slug: str):
    """A resident proposes a project while the round takes proposals."""
    budget_round = get_round(slug)
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = budget.propose(current_user, budget_round, title=form.title.data, cost=form.cost.data,
                                     mahalla=form.mahalla.data, description=form.description.data,
                                     category=form.category.data)
            if form.photo.data and form.photo.data.filename:
                budget_photos.add_photo(current_user, budget_round, project, form.photo.data.read(), kind="proposal")
        except RuleError as exc:
            if exc.field not in form:
                raise
            form[exc.field].errors = [*form[exc.field].errors, exc.message]
        else:
            db.session.commit()
            flash(_("Your project was submitted. Staff will vet it and publish their decision."))
            return redirect(url_for("budget.project", slug=slug, project_id=project.id))
    status = error_status(form) if form.is_submitted() else 200
    return render_template("budget/propose.html", round=budget_round, form=form,
                           status=budget_round.status()), status


@bp.route("/<slug>/complaint", methods=["GET", "POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address, methods=["POST"])
@idempotent
def complaint(slug: str):
    """Report coerced voting or another abuse to the round's staff (not published)."""
    budget_round = get_round(slug)
    form = ComplaintForm()
    form.project_id.choices = [("", _("The whole round"))] + [
        (str(p.id), p.title) for p in queries.budget_projects(budget_round) if p.status in ("eligible", "disqualified")]
    if form.validate_on_submit():
        project = round_project(budget_round, form.project_id.data) if form.project_id.data else None
        budget_tracking.complain(current_user, budget_round, form.body.data, project)
        db.session.commit()
        flash(_("Your complaint was sent to the district's staff. Thank you."))
        return redirect(url_for("budget.round_page", slug=slug))
    status = error_status(form) if form.is_submitted() else 200
    return render_template("budget/complaint.html", round=budget_round, form=form), status


@bp.route("/<slug>/projects/<int:project_id>")
def project(slug: str, project_id: int):
    budget_round = get_round(slug)
    item = round_project(budget_round, str(project_id))
    return render_template("budget/project.html", round=budget_round, project=item,
                           updates=queries.budget_updates(item), photos=budget_photos.photos_of(item),
                           form=UpdateForm(), **labels())


@bp.route("/photos/<name>")
def photo(name: str):
    """A project photo, as re-encoded on upload; named by its hash, so it may be cached long."""
    if not PHOTO_NAME.fullmatch(name):
        abort(404)
    return send_from_directory(budget_photos.photo_dir(), name, max_age=30 * 86400)


@bp.route("/<slug>/projects/<int:project_id>/updates", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
@idempotent
def add_update(slug: str, project_id: int):
    """A resident comments on a funded project's work or reports a problem."""
    budget_round = get_round(slug)
    item = round_project(budget_round, str(project_id))
    form = valid(UpdateForm())
    budget_tracking.add_update(current_user, item, form.body.data, problem=form.problem.data)
    db.session.commit()
    flash(_("Your comment was published."))
    return redirect(url_for("budget.project", slug=slug, project_id=item.id, _anchor="updates"))


def phone_key() -> str:
    """Rate-limit codes per phone number, whoever asks for them."""
    try:
        return "phone:" + budget_residents.normalize_phone(request.form.get("phone"))
    except RuleError:
        return "phone:invalid"


def sms_limit() -> str:
    return current_app.config.get("SMS_RATE_LIMIT", "3/hour;10/day")


@bp.route("/phone", methods=["GET"])
@login_required
def phone():
    return render_template("budget/phone.html", form=PhoneForm(), code_form=CodeForm(),
                           confirmed=budget_residents.confirmed_phone(current_user))


@bp.route("/phone", methods=["POST"])
@login_required
@limiter.limit(sms_limit, key_func=phone_key)
@limiter.limit(sms_limit, key_func=user_or_address)
@limiter.limit(sms_limit)  # per client address, across accounts
def send_code():
    """Send a code by text message (rate-limited per number, per account and per address)."""
    form = PhoneForm()
    if form.validate():
        try:
            budget_residents.send_code(current_user, form.phone.data)
        except RuleError as exc:
            if exc.field != "phone":
                raise
            form.phone.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("We sent a code to your phone. Enter it below."))
            return redirect(url_for("budget.phone", _anchor="code"))
    return render_template("budget/phone.html", form=form, code_form=CodeForm(), confirmed=None), 400


@bp.route("/phone/confirm", methods=["POST"])
@login_required
def confirm_code():
    form = valid(CodeForm())
    try:
        budget_residents.confirm_code(current_user, form.code.data)
    except RuleError:
        db.session.commit()  # the attempt counts, right or wrong
        raise
    db.session.commit()
    flash(_("Your phone number is confirmed."))
    return redirect(url_for("budget.phone"))
