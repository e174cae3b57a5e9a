"""Staff of a district run its round: move the phase, enter paper projects, vet, confirm residents,
read complaints and the anomaly report, disqualify, publish results and implementation."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import i18n, queries
from app.clock import utcnow
from app.extensions import db
from app.models import BudgetComplaint
from app.services import (
    budget,
    budget_anomalies,
    budget_mahallas,
    budget_photos,
    budget_residents,
    budget_tracking,
)
from app.services.rules import RuleError, authorize
from app.views.budget_forms import (
    CATEGORY_LABELS,
    PHASE_LABELS,
    STATUS_LABELS,
    ConfirmForm,
    DisqualifyForm,
    ImplementationForm,
    MahallaForm,
    PhaseForm,
    ProjectForm,
    ResidentForm,
    RoundForm,
    VetForm,
)
from app.views.common import get_round, round_project, valid
from app.views.idempotency import idempotent

bp = Blueprint("budget_staff", __name__, url_prefix="/staff/budget")


def _managed(slug: str):
    budget_round = get_round(slug)
    authorize(current_user, budget_round)
    return budget_round


def _back(slug: str, anchor: str):
    return redirect(url_for("budget_staff.desk", slug=slug, _anchor=anchor))


def _utc(local):
    """A datetime-local value is in the staff member's own time zone."""
    return local.replace(tzinfo=ZoneInfo(i18n.select_timezone())).astimezone(ZoneInfo("UTC"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@idempotent
def new_round():
    """Open a round of the staff member's district (admins: of any district) with the season's dates."""
    authorize(current_user)
    form = RoundForm()
    if request.method == "GET":
        start = utcnow().astimezone(i18n.zone()).replace(tzinfo=None, second=0, microsecond=0)
        form.proposals_open.data, form.vetting_opens.data = start, start + timedelta(days=20)
        form.voting_opens.data, form.voting_closes.data = start + timedelta(days=34), start + timedelta(days=44)
        form.district.data = current_user.agency.name if current_user.agency else ""
    elif form.validate():
        district = form.district.data if current_user.role == "admin" else \
            (current_user.agency.name if current_user.agency else "")
        try:
            created = budget.create_round(
                current_user, title=form.title.data, district=district, envelope=form.envelope.data,
                max_cost=form.max_cost.data, requires=form.requires.data,
                proposals_open=_utc(form.proposals_open.data), vetting_opens=_utc(form.vetting_opens.data),
                voting_opens=_utc(form.voting_opens.data), voting_closes=_utc(form.voting_closes.data))
        except RuleError as exc:
            if exc.field not in form:
                raise
            form[exc.field].errors = [*form[exc.field].errors, exc.message]
        else:
            db.session.commit()
            flash(_("The round is open for proposals."))
            return redirect(url_for("budget_staff.desk", slug=created.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("budget/new_round.html", form=form), status


@bp.route("/<slug>")
@login_required
def desk(slug: str):
    """Everything staff do for a round, on one page that works without JavaScript."""
    budget_round = _managed(slug)
    complaints = db.session.scalars(select(BudgetComplaint).where(BudgetComplaint.round_id == budget_round.id)
                                    .order_by(BudgetComplaint.created_at.desc()).limit(200)).all()
    return render_template(
        "budget/staff.html", round=budget_round, status=budget_round.status(), complaints=complaints,
        projects=queries.budget_projects(budget_round), findings=budget_anomalies.report(budget_round),
        phase_form=PhaseForm(), project_form=ProjectForm(), vet_form=VetForm(), resident_form=ResidentForm(),
        disqualify_form=DisqualifyForm(), close_form=ConfirmForm(), implementation_form=ImplementationForm(),
        mahalla_form=MahallaForm(), mahallas=budget_mahallas.of_district(budget_round),
        categories=CATEGORY_LABELS, statuses=STATUS_LABELS, phases=PHASE_LABELS)


@bp.route("/<slug>/phase", methods=["POST"])
@login_required
def phase(slug: str):
    budget_round = _managed(slug)
    form = valid(PhaseForm())
    budget.move_phase(current_user, budget_round, form.phase.data)
    db.session.commit()
    flash(_("The round is now in the %(phase)s phase.", phase=PHASE_LABELS[form.phase.data]))
    return _back(slug, "phase")


@bp.route("/<slug>/close", methods=["POST"])
@login_required
def close(slug: str):
    budget_round = _managed(slug)
    valid(ConfirmForm())
    budget.close(current_user, budget_round)
    db.session.commit()
    flash(_("Voting is closed and the results are published."))
    return redirect(url_for("budget.round_page", slug=slug, _anchor="results"))


@bp.route("/<slug>/projects", methods=["POST"])
@login_required
@idempotent
def paper_project(slug: str):
    """Enter a project collected on paper at the mahalla office."""
    budget_round = _managed(slug)
    form = valid(ProjectForm())
    budget.add_paper_project(current_user, budget_round, title=form.title.data, cost=form.cost.data,
                             mahalla=form.mahalla.data, description=form.description.data,
                             category=form.category.data)
    db.session.commit()
    flash(_("The project was added. Vet it below."))
    return _back(slug, "vetting")


@bp.route("/<slug>/projects/<int:project_id>/vet", methods=["POST"])
@login_required
def vet(slug: str, project_id: int):
    budget_round = _managed(slug)
    project = round_project(budget_round, str(project_id))
    form = valid(VetForm())
    budget.vet(current_user, project, budget_round, eligible=form.decision.data == "eligible",
               reason=form.reason.data, approved_cost=form.approved_cost.data)
    db.session.commit()
    flash(_("Your decision on “%(title)s” is published.", title=project.title))
    return _back(slug, f"p{project.id}")


@bp.route("/<slug>/projects/<int:project_id>/disqualify", methods=["POST"])
@login_required
def disqualify(slug: str, project_id: int):
    budget_round = _managed(slug)
    project = round_project(budget_round, str(project_id))
    form = valid(DisqualifyForm())
    budget.disqualify(current_user, budget_round, project, form.reason.data)
    db.session.commit()
    flash(_("“%(title)s” is disqualified; the results show it.", title=project.title))
    return _back(slug, f"p{project.id}")


@bp.route("/<slug>/projects/<int:project_id>/implementation", methods=["POST"])
@login_required
@idempotent
def implementation(slug: str, project_id: int):
    budget_round = _managed(slug)
    project = round_project(budget_round, str(project_id))
    form = valid(ImplementationForm())
    budget_tracking.record_implementation(current_user, budget_round, project, contractor=form.contractor.data,
                                          contract_amount=form.contract_amount.data, spent=form.spent.data,
                                          stage=form.stage.data)
    if form.photo.data and form.photo.data.filename:
        budget_photos.add_photo(current_user, budget_round, project, form.photo.data.read(), kind="implementation",
                                caption=form.caption.data)
    db.session.commit()
    flash(_("The implementation record of “%(title)s” is updated.", title=project.title))
    return _back(slug, f"p{project.id}")


@bp.route("/<slug>/residents", methods=["POST"])
@login_required
def resident(slug: str):
    """Confirm the residence of a person seen at the mahalla office."""
    budget_round = _managed(slug)
    form = valid(ResidentForm())
    budget_residents.confirm_residence(current_user, budget_round, form.email.data, form.mahalla.data)
    db.session.commit()
    flash(_("The residence is confirmed; this person can vote in the district's rounds."))
    return _back(slug, "residents")


@bp.route("/<slug>/mahallas", methods=["POST"])
@login_required
def mahalla_residents(slug: str):
    """Record how many people live in a mahalla (the anomaly report compares votes with it)."""
    budget_round = _managed(slug)
    form = valid(MahallaForm())
    row = budget_mahallas.set_residents(current_user, budget_round, form.mahalla.data, form.residents.data)
    db.session.commit()
    flash(_("%(mahalla)s: %(n)d residents recorded.", mahalla=row.name, n=row.residents))
    return _back(slug, "mahallas")
