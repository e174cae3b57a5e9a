"""The initiative budget's use cases: open a round, move its phases, take projects (from residents,
from paper via staff or a CSV file), vet them, close voting and publish the results, disqualify.

A round belongs to its district's khokimiyat, an Agency of the same name as the district: staff
of that agency (and admins) run it, checked by the one staff check ``rules.authorize``."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import PHASES, REQUIREMENTS, BudgetProject, BudgetRound, User
from app.search import outbox as search_outbox
from app.services import budget_ballots, budget_notices, budget_results
from app.services.accounts import get_or_create_agency, unique_slug
from app.services.audit import audit
from app.services.rules import RuleError, authorize, check_not_blocked, clean_text

MAX_AMOUNT = 10**15  #: so'm; far above any district budget, below BigInteger's limit
CATEGORIES = ("roads", "water", "schools", "health", "sports", "lighting", "other")
MAX_DESCRIPTION_CHARS = 5_000
RESERVED_SLUGS = frozenset({"phone", "photos"})


def check_amount(value, what: str, field: str | None = None) -> int:
    """A whole, positive amount of so'm, from a number or text (spaces and commas allowed)."""
    text = str(value).replace(" ", "").replace("\u00a0", "").replace(",", "").replace("_", "")
    if not text.isdigit() or not 0 < int(text) <= MAX_AMOUNT:
        raise RuleError(_("%(what)s must be a whole positive amount of so'm.", what=what), field=field)
    return int(text)


def create_round(actor: User | None, *, title: str, district: str, envelope, voting_opens: datetime,
                 voting_closes: datetime, requires: str = "email", max_cost=None,
                 proposals_open: datetime | None = None, vetting_opens: datetime | None = None) -> BudgetRound:
    """Open a round of the district's initiative budget. Without proposal and vetting dates the
    season's usual lengths are assumed: 20 days of proposals, then 14 of vetting, before voting."""
    title = clean_text(title, _("The title"), 300)
    district = clean_text(district, _("The district"), 200)
    envelope = check_amount(envelope, _("The envelope"), "envelope")
    max_cost = check_amount(max_cost, _("The maximum cost"), "max_cost") if max_cost not in (None, "") else None
    if requires not in REQUIREMENTS:
        raise RuleError(_("The verification must be one of: email, phone, staff."), field="requires")
    if voting_closes <= voting_opens:
        raise RuleError(_("Voting must close after it opens."), field="voting_closes")
    vetting_opens = vetting_opens or voting_opens - timedelta(days=14)
    proposals_open = proposals_open or vetting_opens - timedelta(days=20)
    if not proposals_open <= vetting_opens <= voting_opens:
        raise RuleError(_("Proposals, vetting and voting must follow one another."), field="vetting_opens")
    if actor is not None:
        authorize(actor)
        if actor.role != "admin" and (actor.agency is None or actor.agency.name != district):
            raise RuleError(_("Staff open rounds of their own district only."), 403)
    agency = get_or_create_agency(district)
    slug = unique_slug(BudgetRound, title)
    if slug in RESERVED_SLUGS:  # /budget/phone and /budget/photos/ are pages of their own
        slug = unique_slug(BudgetRound, f"{title} round")
    budget_round = BudgetRound(slug=slug, title=title, district=district,
                               agency_id=agency.id, envelope=envelope, max_cost=max_cost, requires=requires,
                               proposals_open_at=proposals_open, vetting_opens_at=vetting_opens,
                               voting_opens_at=voting_opens, voting_closes_at=voting_closes)
    db.session.add(budget_round)
    db.session.flush()
    audit(actor, "budget.create", f"round:{budget_round.slug}", f"{district}; envelope {envelope}")
    return budget_round


def move_phase(actor: User | None, budget_round: BudgetRound, phase: str, now: datetime | None = None) -> None:
    """Move the round on by hand (the dates are the plan). Only forward; closing is ``close``."""
    if actor is not None:
        authorize(actor, budget_round)
    if phase not in ("proposals", "vetting", "voting"):
        raise RuleError(_("The phase must be proposals, vetting or voting."), field="phase")
    current = budget_round.status(now)
    if phase == current:
        return  # asked twice, or the dates got there first: nothing to do
    if PHASES.index(phase) < PHASES.index(current):
        raise RuleError(_("The round is already in this phase or past it."), 409)
    budget_round.phase = phase
    audit(actor, "budget.phase", f"round:{budget_round.slug}", f"{current} -> {phase}")
    if phase == "voting":
        budget_notices.voting_opened(budget_round, now or utcnow())


def ballot_open_to_changes(budget_round: BudgetRound, now: datetime | None = None) -> bool:
    """Projects may join the ballot or be vetted until the first ballot is cast (before voting, or
    in a voting phase no one has voted in yet): no vote was ever cast on a different ballot."""
    status = budget_round.status(now)
    if status in ("proposals", "vetting"):
        return True
    return status == "voting" and not budget_ballots.live_counts(budget_round)


def _project_fields(budget_round: BudgetRound, title, cost, mahalla, description, category) -> dict:
    cost = check_amount(cost, _("The cost"), "cost")
    if budget_round.max_cost is not None and cost > budget_round.max_cost:
        limit = format(budget_round.max_cost, ",").replace(",", " ")
        raise RuleError(_("The cost is above this round's maximum of %(max)s so'm per project.", max=limit),
                        field="cost")
    if category not in CATEGORIES:
        raise RuleError(_("Choose a category from the list."), field="category")
    return {"title": clean_text(title, _("The title"), 300), "cost": cost,
            "mahalla": clean_text(mahalla, _("The mahalla"), 200),
            "description": clean_text(description, _("The description"), MAX_DESCRIPTION_CHARS, required=False),
            "category": category}


def propose(author: User, budget_round: BudgetRound, *, title, cost, mahalla, description="",
            category="other", now: datetime | None = None) -> BudgetProject:
    """A resident proposes a project while proposals are open; staff vet it next."""
    if not author.is_confirmed:
        raise RuleError(_("Please confirm your email address before taking part."), 403)
    check_not_blocked(author, now)
    if budget_round.status(now) != "proposals":
        raise RuleError(_("This round takes no more proposals."), 403)
    project = BudgetProject(round_id=budget_round.id, author_id=author.id, channel="online",
                            **_project_fields(budget_round, title, cost, mahalla, description, category))
    db.session.add(project)
    db.session.flush()
    search_outbox.enqueue("project", project.id)
    return project


def add_paper_project(actor: User | None, budget_round: BudgetRound, *, title, cost, mahalla, description="",
                      category="other", eligible: bool = False, now: datetime | None = None) -> BudgetProject:
    """Staff enter a project collected on paper at the mahalla office, before voting starts."""
    if actor is not None:
        authorize(actor, budget_round)
    if not ballot_open_to_changes(budget_round, now):
        raise RuleError(_("Projects can be added only before voting starts."), 409)
    project = BudgetProject(round_id=budget_round.id, author_id=actor.id if actor else None, channel="paper",
                            status="eligible" if eligible else "submitted",
                            **_project_fields(budget_round, title, cost, mahalla, description, category))
    db.session.add(project)
    db.session.flush()
    search_outbox.enqueue("project", project.id)
    audit(actor, "budget.paper", f"project:{project.id}", project.title)
    return project


def import_projects(actor: User | None, budget_round: BudgetRound, data: bytes) -> list[BudgetProject]:
    """Vetted, eligible projects from CSV (``title,cost,mahalla,description``): all rows or none.

    :raise RuleError: 400 listing every bad row (by line number), nothing imported."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleError(_("The file is not UTF-8 text.")) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"title", "cost", "mahalla", "description"} - set(reader.fieldnames or ())
    if missing:
        raise RuleError(_("The file needs the columns title,cost,mahalla,description; missing: %(cols)s.",
                          cols=", ".join(sorted(missing))))
    rows, errors = [], []
    for line, row in enumerate(reader, start=2):
        try:
            rows.append(_project_fields(budget_round, row.get("title"), row.get("cost"), row.get("mahalla"),
                                        row.get("description"), "other"))
        except RuleError as exc:
            errors.append(_("line %(line)d: %(error)s", line=line, error=exc.message))
    if errors:
        raise RuleError("\n".join(errors))
    if not rows:
        raise RuleError(_("The file has no projects."))
    return [add_paper_project(actor, budget_round, eligible=True, **row) for row in rows]


def vet(actor: User, project: BudgetProject, budget_round: BudgetRound, *, eligible: bool, reason: str,
        approved_cost=None, now: datetime | None = None) -> None:
    """Staff decide whether a project goes on the ballot, with a public reason and maybe a new cost."""
    authorize(actor, budget_round)
    if not ballot_open_to_changes(budget_round, now):
        raise RuleError(_("Projects can be vetted only before voting starts."), 409)
    project.reason = clean_text(reason, _("The reason"), 5_000)
    project.status = "eligible" if eligible else "ineligible"
    project.approved_cost = check_amount(approved_cost, _("The cost"), "approved_cost") \
        if approved_cost not in (None, "") else None
    audit(actor, "budget.vet", f"project:{project.id}", f"{project.status}: {project.reason}")
    budget_notices.vetted(budget_round, project)


def standings(budget_round: BudgetRound) -> list[budget_results.Step]:
    """The funding arithmetic for the eligible projects: on the published counts once closed, on
    the live counts ("if voting ended now") before."""
    projects = db.session.scalars(select(BudgetProject).where(
        BudgetProject.round_id == budget_round.id, BudgetProject.status == "eligible")).all()
    live = budget_ballots.live_counts(budget_round) if budget_round.results_at is None else {}
    entries = [budget_results.Entry(p.id, p.title, p.final_votes if budget_round.results_at else live.get(p.id, 0),
                                    p.final_cost) for p in projects]
    return budget_results.allocate(budget_round.envelope, entries)


def publish_results(budget_round: BudgetRound, *, recount_for: BudgetProject | None = None) -> list[budget_results.Step]:
    """Count every project's votes from the log and mark what the envelope funds; tell the
    proposers (after ``recount_for`` was disqualified: it and those whose funding changed)."""
    counts = budget_ballots.live_counts(budget_round)
    projects = db.session.scalars(select(BudgetProject).where(BudgetProject.round_id == budget_round.id)
                                  .order_by(BudgetProject.id)).all()
    before = {p.id: p.funded for p in projects}
    for p in projects:
        p.final_votes, p.funded = counts.get(p.id, 0), False
    budget_round.results_at = budget_round.results_at or utcnow()
    db.session.flush()
    steps = standings(budget_round)
    funded = {s.entry.id for s in steps if s.funded}
    for p in projects:
        p.funded = p.id in funded
    budget_notices.results(budget_round, projects if recount_for is None else
                           [p for p in projects if p is recount_for or p.funded != before[p.id]])
    return steps


def close(actor: User | None, budget_round: BudgetRound) -> list[budget_results.Step]:
    """End voting, count, publish the results."""
    if actor is not None:
        authorize(actor, budget_round)
    if budget_round.phase == "closed":
        raise RuleError(_("This round is closed already."), 409)
    if budget_round.status() not in ("voting", "counting"):
        raise RuleError(_("Voting has not started in this round yet."), 409)
    budget_round = budget_ballots._lock_round(budget_round)  # no ballot slips in while counting
    budget_round.phase = "closed"
    steps = publish_results(budget_round)
    audit(actor, "budget.close", f"round:{budget_round.slug}",
          f"{sum(s.entry.votes for s in steps)} votes; {sum(s.funded for s in steps)} funded")
    return steps


def disqualify(actor: User, budget_round: BudgetRound, project: BudgetProject, reason: str) -> None:
    """Take a project off the ballot with a public reason (e.g. coerced voting proven); the
    results, if published, are computed again without it."""
    authorize(actor, budget_round)
    if project.status != "eligible":
        raise RuleError(_("Only a project on the ballot can be disqualified."), 409)
    project.reason = clean_text(reason, _("The reason"), 5_000)
    project.status = "disqualified"
    audit(actor, "budget.disqualify", f"project:{project.id}", project.reason)
    if budget_round.results_at is not None:
        publish_results(budget_round, recount_for=project)
    else:
        project.funded = False
