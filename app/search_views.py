"""Search: the /search page and /api/v1/search, and the ``flask search`` commands (blueprint cli).

Both ask app.search.service for the same Response; odd input gives a message, never a 500."""
from __future__ import annotations

from datetime import UTC

from flask import Blueprint, jsonify, render_template, request, url_for
from sqlalchemy import select

from app.extensions import db
from app.models import Agency
from app.search import cli, outbox, service
from app.search.documents import KINDS

bp = Blueprint("search", __name__, cli_group="search")
for _command in cli.COMMANDS:
    bp.cli.add_command(_command)

KIND_LABELS = {"draft": "Drafts", "clause": "Clauses", "comment": "Comments"}


@bp.after_app_request
def _apply_outbox(response):
    """Bring the index up to date with what this request committed, if no one else is writing."""
    return outbox.after_request(response)


@bp.route("/search")
def page():
    """Show results grouped by kind, with facets; works without JavaScript."""
    try:
        spec = service.spec_from_args(request.args)
    except service.SearchInputError as exc:
        return render_template("search/results.html", result=None, error=str(exc), args=request.args,
                               kinds=KIND_LABELS, agencies=_agencies(), link=link), 400
    result = service.search(spec) if spec.q.strip() else None
    return render_template("search/results.html", result=result, error=None, args=request.args,
                           kinds=KIND_LABELS, agencies=_agencies(), link=link)


def link(**changes) -> str:
    """This search with some arguments changed (None removes one) and back on page 1."""
    args = request.args.to_dict()
    args.pop("page", None)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for("search.page", **args)


def _agencies():
    return db.session.scalars(select(Agency).order_by(Agency.name)).all()


def _hit_json(hit) -> dict:
    s = hit.shown
    return {"kind": s.kind, "id": s.object_id, "draft": s.draft_slug, "draft_title": s.draft_title,
            "clause_eid": s.clause_eid, "comment_id": s.comment_id, "revision": s.revision, "title": s.title,
            "author": s.author, "date": s.date.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "snippet": hit.snippet_html, "url": request.host_url.rstrip("/") + s.url}


@bp.route("/api/v1/search")
def api():
    """Search as JSON: ``q`` plus kind, agency, status, lang, draft, from, to, sort, revisions, page."""
    if "q" not in request.args:
        return jsonify({"error": {"status": 400, "message": "Give a search in q, e.g. /api/v1/search?q=tax"}}), 400
    try:
        spec = service.spec_from_args(request.args)
    except service.SearchInputError as exc:
        return jsonify({"error": {"status": 400, "message": str(exc)}}), 400
    result = service.search(spec)
    body = {"query": spec.q[:500], "total": result.total, "counts": result.counts, "notices": result.notices,
            "page": spec.page, "per_page": spec.per_page,
            "groups": {kind: [_hit_json(h) for h in hits] for kind, hits in result.groups.items()},
            "matched_any_word": result.any_terms,
            "html": url_for("search.page", _external=True, **request.args.to_dict())}
    body["hits"] = [h for kind in KINDS for h in body["groups"].get(kind, [])]
    return jsonify(body)
