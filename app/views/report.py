"""The consultation report (live while a round runs, final when it closes) and an agency's page
with how quickly it answers the public. Charts are SVG made here; every figure is also a table."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from app import charts, i18n, queries, reports
from app.extensions import db
from app.models import Agency
from app.views.common import get_draft

bp = Blueprint("report", __name__)
RESPONDENT_COLOURS = ("#1565c0", "#6a1b9a", "#ef6c00", "#2e7d32", "#00838f")
STANCE_COLOURS = {"for": "#2e7d32", "against": "#c62828", "neutral": "#757575", "none": "#bdbdbd"}


def duration(value: timedelta | None) -> str:
    """A wait as people say it, in their language: "3 days", "5 hours", "20 minutes"."""
    return format_timedelta(value, granularity="minute", threshold=1.5) if value is not None else "–"


@bp.route("/drafts/<slug>/report")
def draft_report(slug: str):
    """Who took part and how, what staff decided and how fast they answered."""
    draft = get_draft(slug)
    days = reports.participation(draft, i18n.zone())  # the reader's days, as every time shown
    labels = [d.isoformat() for d, _c, _v in days]
    comments, votes = [c for _d, c, _v in days], [v for _d, _c, v in days]
    participation_svg = charts.bars(
        _("Participation per day"),
        _("Comments and votes per day: %(comments)d comments and %(votes)d votes in all.",
          comments=sum(comments), votes=sum(votes)),
        labels, [(_("comments"), comments, "#1565c0"), (_("votes"), votes, "#ef6c00")])
    stance = reports.stances(draft)
    names = {"for": _("for"), "against": _("against"), "neutral": _("neutral"), "none": _("no stance")}
    stance_svg = charts.stacked(
        _("Stance of the comments"),
        ", ".join(f"{names[k]}: {v}" for k, v in stance.items()),
        [(names[k], v, STANCE_COLOURS[k]) for k, v in stance.items()])
    who = reports.respondents(draft)
    who_names = {"citizen": _("citizens"), "ngo": _("NGOs"), "business": _("businesses"),
                 "public_body": _("public bodies"), "academic": _("academics")}
    who_svg = charts.stacked(_("Who took part"), ", ".join(f"{who_names[k]}: {v}" for k, v in who.items()),
                             [(who_names[k], v, c) for (k, v), c in zip(who.items(), RESPONDENT_COLOURS)])
    heat, hottest = reports.heat(draft)
    return render_template(
        "report/report.html", draft=draft, days=days, participation_svg=participation_svg, stance=stance,
        stance_names=names, stance_svg=stance_svg, who=who, who_names=who_names, who_svg=who_svg, heat=heat, hottest=hottest or 1,
        outcomes=reports.proposal_outcomes(draft), decided=reports.decided_proposals(draft),
        labels=queries.clause_labels(draft, [p.clause_key for p in reports.decided_proposals(draft)]),
        times=reports.answer_times(draft), duration=duration, campaigns=reports.campaigns(draft),
        steps=reports.revision_changes(draft), ngettext=ngettext)


@bp.route("/agencies/<slug>")
def agency(slug: str):
    """An agency's drafts and how quickly it answers the public, over all of them."""
    found = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if found is None:
        abort(404)
    overall, per_draft = reports.agency_answer_times(found.id)
    return render_template("report/agency.html", agency=found, overall=overall, per_draft=per_draft,
                           duration=duration)
