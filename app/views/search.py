"""Search: the /search page (its JSON twin is /api/v1/search). Odd input gives a message, never a 500."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Agency
from app.search import service

bp = Blueprint("search", __name__)

KIND_LABELS = {"draft": _l("Drafts"), "clause": _l("Clauses"), "comment": _l("Comments"),
               "project": _l("Budget projects")}


@bp.route("/search")
def page():
    """Show results grouped by kind, with facets; works without JavaScript."""
    try:
        spec = service.spec_from_args(request.args)
    except service.SearchInputError as exc:
        return render_template("search/results.html", result=None, error=str(exc), args=_args(),
                               kinds=KIND_LABELS, agencies=_agencies(), link=link), 400
    result = service.search(spec) if spec.q.strip() else None
    return render_template("search/results.html", result=result, error=None, args=_args(),
                           kinds=KIND_LABELS, agencies=_agencies(), link=link)


def link(**changes) -> str:
    """This search with some arguments changed (None removes one) and back on page 1."""
    args = _args()
    args.pop("page", None)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for("search.page", **args)


def _args() -> dict[str, str]:
    """The request's arguments, each cut to what a search can use: every link on the page repeats
    them, so a million-character query must not be echoed into each."""
    return {name: value[:service.MAX_QUERY_CHARS if name == "q" else 200]
            for name, value in request.args.items() if len(name) <= 20}


def _agencies():
    return db.session.scalars(select(Agency).order_by(Agency.name)).all()
