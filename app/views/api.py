"""Read-only open data: everything under /api/v1. Hidden or unpublished things never appear; email
addresses never do. Errors answer as JSON (app/errors.py)."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy import and_, or_, select

from app import queries
from app.extensions import csrf, db
from app.models import Clause, Comment, DeadlineChange, Draft, Proposal, Revision, User
from app.search import service as search_service
from app.search.documents import KINDS
from app.services.revisions import record_time
from app.views.common import get_revision, number_arg
from drafts.lineage import totals

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def public_draft(draft: Draft) -> dict:
    return {"slug": draft.slug, "title": draft.title, "summary": draft.summary, "agency": draft.agency.name,
            "language": draft.language, "status": draft.status(),
            "period": {"opens": iso(draft.opens_at), "closes": iso(draft.closes_at)},
            "current_revision": draft.current_revision_number,
            "url": url_for("reading.draft", slug=draft.slug, _external=True)}


def published(slug: str) -> Draft:
    """The API shows published drafts only, whoever asks. :raise 404: otherwise."""
    draft = queries.published_draft(slug)
    if draft is None:
        abort(404)
    return draft


@bp.route("")
@bp.route("/")
def index():
    """List the endpoints."""
    return jsonify({"drafts": url_for("api.drafts", _external=True),
                    "draft": url_for("api.draft", slug="SLUG", _external=True),
                    "revision": url_for("api.revision", slug="SLUG", number=1, _external=True),
                    "comments": url_for("api.comments", slug="SLUG", _external=True),
                    "proposals": url_for("api.proposals", slug="SLUG", _external=True),
                    "dispositions": url_for("api.dispositions", slug="SLUG", _external=True),
                    "diff": url_for("api.diff", slug="SLUG", _external=True) + "?from=1&to=2",
                    "search": url_for("api.search", _external=True) + "?q=WORDS"})


@bp.route("/drafts")
def drafts():
    """All published drafts, closing soonest first."""
    rows = db.session.scalars(select(Draft).where(Draft.published.is_(True)).order_by(Draft.closes_at.desc()))
    return jsonify({"items": [public_draft(d) for d in rows]})


@bp.route("/drafts/<slug>")
def draft(slug: str):
    """One draft with its revisions and the history of its consultation period."""
    d = published(slug)
    revisions = db.session.scalars(select(Revision).where(Revision.draft_id == d.id).order_by(Revision.number))
    changes = db.session.scalars(select(DeadlineChange).where(DeadlineChange.draft_id == d.id)
                                 .order_by(DeadlineChange.created_at))
    return jsonify({**public_draft(d),
                    "revisions": [{"number": r.number, "created_at": record_time(r.created_at),
                                   "change_note": r.change_note,
                                   "content_hash": r.content_hash, "chain_hash": r.chain_hash,
                                   "url": url_for("api.revision", slug=slug, number=r.number, _external=True)}
                                  for r in revisions],
                    "deadline_changes": [{"from": iso(c.old_closes_at), "to": iso(c.new_closes_at),
                                          "reason": c.reason, "at": iso(c.created_at)} for c in changes]})


@bp.route("/drafts/<slug>/revisions/<int:number>")
def revision(slug: str, number: int):
    """One immutable revision with its clauses in order."""
    r = get_revision(published(slug), number)
    return jsonify({"number": r.number, "draft": slug, "title": r.title, "change_note": r.change_note,
                    "created_at": record_time(r.created_at), "content_hash": r.content_hash,
                    "chain_hash": r.chain_hash, "clauses": [dict(c) for c in queries.cached_clauses(r)]})


def _decode_cursor(raw: str) -> tuple[datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        return datetime.fromisoformat(data[0]), int(data[1])
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, UnicodeError, json.JSONDecodeError):
        abort(400, "The cursor is not valid; use the next_cursor of a previous page.")


def _encode_cursor(comment: Comment) -> str:
    raw = json.dumps([comment.updated_at.astimezone(UTC).isoformat(), comment.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@bp.route("/drafts/<slug>/comments")
def comments(slug: str):
    """Visible comments in order of last change, paged by an opaque cursor; ``updated_since`` for sync."""
    d = published(slug)
    limit_raw = request.args.get("limit", str(current_app.config["API_PAGE_SIZE"]))
    if not limit_raw.isdigit() or not 1 <= int(limit_raw) <= 500:
        abort(400, "limit must be a whole number from 1 to 500.")
    limit = int(limit_raw)
    query = (select(Comment, User.display_name, Clause.eid, Revision.number)
             .join(User, User.id == Comment.author_id)
             .join(Revision, Revision.id == Comment.revision_id)
             .outerjoin(Clause, and_(Clause.revision_id == Comment.revision_id, Clause.key == Comment.clause_key))
             .where(Comment.draft_id == d.id, queries.public(Comment)))
    since = request.args.get("updated_since")
    if since:
        try:
            since_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            abort(400, "updated_since must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z.")
        if since_dt.tzinfo is None:
            since_dt = since_dt.replace(tzinfo=UTC)
        query = query.where(Comment.updated_at > since_dt)
    if request.args.get("cursor"):
        at, last_id = _decode_cursor(request.args["cursor"])
        query = query.where(or_(Comment.updated_at > at, and_(Comment.updated_at == at, Comment.id > last_id)))
    rows = db.session.execute(query.order_by(Comment.updated_at, Comment.id).limit(limit + 1)).all()
    items = [{"id": c.id, "clause_key": c.clause_key, "clause_eid": eid, "revision": number,
              "parent_id": c.parent_id, "stance": c.stance, "body": c.body,
              "quote": c.quote_exact, "official": c.is_official, "author": name,
              "created_at": iso(c.created_at), "updated_at": iso(c.updated_at), "edited_at": iso(c.edited_at),
              "url": url_for("reading.comment", slug=slug, comment_id=c.root_id or c.id, _external=True,
                             _anchor=f"c{c.id}")}
             for c, name, eid, number in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.route("/drafts/<slug>/proposals")
def proposals(slug: str):
    """Every visible amendment proposal with its votes and decision."""
    d = published(slug)
    rows = db.session.execute(select(Proposal, User.display_name).join(User, User.id == Proposal.author_id)
                              .where(Proposal.draft_id == d.id, queries.public(Proposal))
                              .order_by(Proposal.id)).all()
    votes = queries.proposal_votes([p.id for p, _ in rows])
    merged = dict(db.session.execute(select(Revision.id, Revision.number).where(Revision.draft_id == d.id)).all())
    return jsonify({"items": [
        {"id": p.id, "clause_key": p.clause_key, "action": p.action, "base_revision": merged.get(p.base_revision_id),
         "base_text": p.base_text, "proposed_text": p.proposed_text, "rationale": p.rationale, "author": name,
         "status": p.status, "decision_reason": p.decision_reason, "decided_at": iso(p.decided_at),
         "merged_into_revision": merged.get(p.merged_revision_id), "votes": votes[p.id],
         "created_at": iso(p.created_at),
         "url": url_for("proposals.proposal", slug=slug, proposal_id=p.id, _external=True)}
        for p, name in rows]})


@bp.route("/drafts/<slug>/dispositions")
def dispositions(slug: str):
    """The disposition register: staff's decision and public reason for each comment and proposal."""
    d = published(slug)
    return jsonify({"items": [{**row, "decided_at": iso(row["decided_at"])} for row in queries.register_rows(d)]})


@bp.route("/drafts/<slug>/diff")
def diff(slug: str):
    """The changes between two revisions as JSON, in the engine's shape, with their provenance."""
    d = published(slug)
    to = number_arg("to") or d.current_revision_number
    frm = number_arg("from")
    old, new = get_revision(d, frm if frm is not None else max(to - 1, 1)), get_revision(d, to)
    rows = queries.comparison(old, new)
    origins = queries.provenance(d, old.number, new.number, external=True)
    return jsonify({
        "draft": d.slug, "from": old.number, "to": new.number,
        "changes": [{"kind": r.kind, "old": r.old["eid"] if r.old else None, "new": r.new["eid"] if r.new else None,
                     "key": r.key, "old_label": r.old["label"] if r.old else None,
                     "new_label": r.new["label"] if r.new else None,
                     "ops": [[op, text] for op, text in r.ops],
                     "provenance": origins.get(r.key, []) if r.kind != "unchanged" else []}
                    for r in rows],
        "totals": totals(rows)})


def _hit_json(hit) -> dict:
    s = hit.shown
    return {"kind": s.kind, "id": s.object_id, "draft": s.draft_slug, "draft_title": s.draft_title,
            "clause_eid": s.clause_eid, "comment_id": s.comment_id, "revision": s.revision, "title": s.title,
            "author": s.author, "date": iso(s.date), "snippet": hit.snippet_html,
            "url": request.host_url.rstrip("/") + s.url}


@bp.route("/search")
def search():
    """Search as JSON: ``q`` plus kind, agency, status, lang, draft, from, to, sort, revisions, page."""
    if "q" not in request.args:
        abort(400, "Give a search in q, e.g. /api/v1/search?q=tax")
    try:
        spec = search_service.spec_from_args(request.args)
    except search_service.SearchInputError as exc:
        abort(400, str(exc))
    result = search_service.search(spec)
    body = {"query": spec.q[:500], "total": result.total, "counts": result.counts, "notices": result.notices,
            "page": spec.page, "per_page": spec.per_page,
            "groups": {kind: [_hit_json(h) for h in hits] for kind, hits in result.groups.items()},
            "matched_any_word": result.any_terms,
            "html": url_for("search.page", _external=True, **request.args.to_dict())}
    body["hits"] = [h for kind in KINDS for h in body["groups"].get(kind, [])]
    return jsonify(body)
