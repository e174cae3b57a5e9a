"""Read-only open data: /api/v1. Hidden or unpublished things never appear; email addresses never do."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy import and_, or_, select

from app import reading, services
from app.extensions import csrf, db
from app.models import Clause, Comment, Draft, Revision, User

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def public_draft(draft: Draft) -> dict:
    return {"slug": draft.slug, "title": draft.title, "summary": draft.summary, "agency": draft.agency.name,
            "language": draft.language, "status": draft.status(),
            "period": {"opens": iso(draft.opens_at), "closes": iso(draft.closes_at)},
            "current_revision": draft.current_revision_number,
            "url": url_for("reading.draft", slug=draft.slug, _external=True)}


def published(slug: str) -> Draft:
    """The API shows published drafts only, whoever asks."""
    draft = db.session.scalar(select(Draft).where(Draft.slug == slug, Draft.published.is_(True)))
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
                    "diff": url_for("history_api.api_diff", slug="SLUG", _external=True) + "?from=1&to=2"})


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
    from app.models import DeadlineChange
    changes = db.session.scalars(select(DeadlineChange).where(DeadlineChange.draft_id == d.id)
                                 .order_by(DeadlineChange.created_at))
    return jsonify({**public_draft(d),
                    "revisions": [{"number": r.number, "created_at": services.record_time(r.created_at),
                                   "change_note": r.change_note,
                                   "content_hash": r.content_hash, "chain_hash": r.chain_hash,
                                   "url": url_for("api.revision", slug=slug, number=r.number, _external=True)}
                                  for r in revisions],
                    "deadline_changes": [{"from": iso(c.old_closes_at), "to": iso(c.new_closes_at),
                                          "reason": c.reason, "at": iso(c.created_at)} for c in changes]})


@bp.route("/drafts/<slug>/revisions/<int:number>")
def revision(slug: str, number: int):
    """One immutable revision with its clauses in order."""
    d = published(slug)
    r = reading.get_revision(d, number)
    return jsonify({"number": r.number, "draft": slug, "title": r.title, "change_note": r.change_note,
                    "created_at": services.record_time(r.created_at), "content_hash": r.content_hash, "chain_hash": r.chain_hash,
                    "clauses": [dict(c) for c in reading.cached_clauses(r)]})


def _decode_cursor(raw: str) -> tuple[datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        return datetime.fromisoformat(data[0]), int(data[1])
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, UnicodeError, json.JSONDecodeError):
        abort(400, "The cursor is not valid; use the next_cursor of a previous page.")


def _encode_cursor(comment: Comment) -> str:
    raw = json.dumps([comment.updated_at.astimezone(timezone.utc).isoformat(), comment.id])
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
             .where(Comment.draft_id == d.id, Comment.status == "visible"))
    since = request.args.get("updated_since")
    if since:
        try:
            since_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            abort(400, "updated_since must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z.")
        if since_dt.tzinfo is None:
            since_dt = since_dt.replace(tzinfo=timezone.utc)
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
    from app.amendments import proposal_votes
    from app.models import Proposal
    d = published(slug)
    rows = db.session.execute(select(Proposal, User.display_name).join(User, User.id == Proposal.author_id)
                              .where(Proposal.draft_id == d.id, Proposal.hidden.is_(False))
                              .order_by(Proposal.id)).all()
    votes = proposal_votes([p.id for p, _ in rows])
    merged = dict(db.session.execute(select(Revision.id, Revision.number).where(Revision.draft_id == d.id)).all())
    return jsonify({"items": [
        {"id": p.id, "clause_key": p.clause_key, "action": p.action, "base_revision": merged.get(p.base_revision_id),
         "base_text": p.base_text, "proposed_text": p.proposed_text, "rationale": p.rationale, "author": name,
         "status": p.status, "decision_reason": p.decision_reason, "decided_at": iso(p.decided_at),
         "merged_into_revision": merged.get(p.merged_revision_id), "votes": votes[p.id],
         "created_at": iso(p.created_at), "url": url_for("amend.proposal", slug=slug, proposal_id=p.id, _external=True)}
        for p, name in rows]})


@bp.route("/drafts/<slug>/dispositions")
def dispositions(slug: str):
    """The disposition register: staff's decision and public reason for each comment and proposal."""
    from app.review import register_rows
    d = published(slug)
    return jsonify({"items": [{**row, "decided_at": iso(row["decided_at"])} for row in register_rows(d)]})
