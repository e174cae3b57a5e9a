"""Read-only open data: everything under /api/v1. Hidden or unpublished things never appear; email
addresses never do. Errors answer as JSON (app/errors.py). Each view declares its response schema
and query parameters (``documented``), from which /api/v1/openapi.json is generated; responses
carry an ETag (conditional GET), are gzip-compressed when the client accepts it, and are rate
limited per client address."""
from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from app import parallel, queries
from app.extensions import csrf, db, limiter
from app.models import (
    RESPONDENT_TYPES,
    Clause,
    Comment,
    DeadlineChange,
    Draft,
    Proposal,
    Revision,
    User,
)
from app.search import service as search_service
from app.search.documents import KINDS
from app.services import budget_ballots
from app.services import positions as organisation_positions
from app.services.revisions import record_time
from app.views.common import MAX_ID, get_revision, number_arg, whole_number
from app.views.openapi import (
    BOOLEAN,
    DATETIME,
    RATE_LIMIT,
    Param,
    array,
    document,
    documented,
    integer,
    items_of,
    obj,
    string,
)
from drafts.lineage import totals

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.limit("300/minute")(bp)  # documented in the OpenAPI document and the README (RATE_LIMIT)
COMPRESS_FROM = 1024  #: bytes; smaller bodies are not worth gzip

DRAFT = {"slug": string(), "title": string(), "summary": string(), "agency": string(), "language": string(),
         "status": string(enum=["upcoming", "open", "closed"]),
         "period": obj(opens=DATETIME, closes=DATETIME), "current_revision": integer(), "url": string("uri")}
REVISION_REF = obj(number=integer(), created_at=string(), change_note=string(), content_hash=string(),
                   chain_hash=string(), record_format=integer(), url=string("uri"))
CLAUSE = obj(key=string(), eid=string(), label=string(), heading=string(), text=string(), kind=string(),
             num=string())
TEXT = string()


@bp.after_request
def conditional_and_compressed(response: Response) -> Response:
    """A weak ETag on every successful JSON answer (304 when If-None-Match matches), then gzip."""
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    body = response.get_data()
    response.set_etag(hashlib.sha256(body).hexdigest()[:32], weak=True)
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    response.make_conditional(request)
    response.vary.add("Accept-Encoding")
    if response.status_code == 200 and len(body) >= COMPRESS_FROM and "gzip" in request.accept_encodings:
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response


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
@documented(obj(required=False, endpoints=array(obj(path=string(), summary=string(), url_template=string())),
                openapi=string("uri"), rate_limit=string()), errors=())
def index():
    """List every endpoint (from the routes themselves) and where the OpenAPI document is."""
    spec = document(current_app, bp.url_prefix)
    base = request.host_url.rstrip("/")
    return jsonify({"endpoints": [{"path": path, "summary": ops["get"]["summary"], "url_template": base + path}
                                  for path, ops in spec["paths"].items()],
                    "openapi": url_for("api.openapi", _external=True), "rate_limit": RATE_LIMIT,
                    "drafts": url_for("api.drafts", _external=True),
                    "draft": url_for("api.draft", slug="SLUG", _external=True),
                    "search": url_for("api.search", _external=True) + "?q=WORDS"})


@bp.route("/openapi.json")
@documented({"type": "object", "required": ["openapi", "info", "paths"]}, errors=())
def openapi():
    """The OpenAPI 3.1 document of this API, generated from the code."""
    spec = document(current_app, bp.url_prefix)
    spec["servers"] = [{"url": request.host_url.rstrip("/")}]
    return jsonify(spec)


@bp.route("/drafts")
@documented(items_of(obj(**DRAFT)), errors=())
def drafts():
    """All published drafts, closing soonest first."""
    rows = db.session.scalars(select(Draft).where(Draft.published.is_(True)).order_by(Draft.closes_at.desc()))
    return jsonify({"items": [public_draft(d) for d in rows]})


@bp.route("/drafts/<slug>")
@documented(obj(**DRAFT, revisions=array(REVISION_REF),
                versions=array(obj(slug=string(), language=string(), url=string("uri"))),
                deadline_changes=array(obj(**{"from": DATETIME, "to": DATETIME, "reason": TEXT, "at": DATETIME}))))
def draft(slug: str):
    """One draft with its revisions, the history of its consultation period and its language
    versions (the same law's texts in other languages, this one included; each has its own revisions)."""
    d = published(slug)
    revisions = db.session.scalars(select(Revision).where(Revision.draft_id == d.id).order_by(Revision.number))
    changes = db.session.scalars(select(DeadlineChange).where(DeadlineChange.draft_id == d.id)
                                 .order_by(DeadlineChange.created_at))
    return jsonify({**public_draft(d),
                    "revisions": [{"number": r.number, "created_at": record_time(r.created_at),
                                   "change_note": r.change_note,
                                   "content_hash": r.content_hash, "chain_hash": r.chain_hash,
                                   "record_format": r.record_format,
                                   "url": url_for("api.revision", slug=slug, number=r.number, _external=True)}
                                  for r in revisions],
                    "versions": [{"slug": v.slug, "language": v.language,
                                  "url": url_for("api.draft", slug=v.slug, _external=True)}
                                 for v in parallel.versions(d, None, published_only=True)],
                    "deadline_changes": [{"from": iso(c.old_closes_at), "to": iso(c.new_closes_at),
                                          "reason": c.reason, "at": iso(c.created_at)} for c in changes]})


@bp.route("/drafts/<slug>/revisions/<int:number>")
@documented(obj(number=integer(), draft=string(), title=string(), change_note=string(), created_at=string(),
                content_hash=string(), chain_hash=string(), clauses=array(CLAUSE)))
def revision(slug: str, number: int):
    """One immutable revision with its clauses in order."""
    r = get_revision(published(slug), number)
    return jsonify({"number": r.number, "draft": slug, "title": r.title, "change_note": r.change_note,
                    "created_at": record_time(r.created_at), "content_hash": r.content_hash,
                    "chain_hash": r.chain_hash, "clauses": [dict(c) for c in queries.cached_clauses(r)]})


def _decode_cursor(raw: str) -> tuple[datetime, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        at, last_id = datetime.fromisoformat(data[0]), data[1]
        # ids beyond a database integer, floats such as 1.5e300 or Infinity, and naive times name no page
        if type(last_id) is not int or not 0 <= last_id <= MAX_ID or at.tzinfo is None:
            raise ValueError(raw)
        return at.astimezone(UTC), last_id
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, binascii.Error, UnicodeError,
            json.JSONDecodeError):
        abort(400, _("The cursor is not valid; use the next_cursor of a previous page."))


def _encode_cursor(comment: Comment) -> str:
    raw = json.dumps([comment.updated_at.astimezone(UTC).isoformat(), comment.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@bp.route("/drafts/<slug>/comments")
@documented(items_of(obj(id=integer(), clause_key=string(nullable=True), clause_eid=string(nullable=True),
                         revision=integer(), parent_id=integer(nullable=True), stance=string(nullable=True),
                         body=TEXT, quote=string(nullable=True), official=BOOLEAN, author=string(),
                         respondent_type=string(enum=list(RESPONDENT_TYPES)), organisation=string(),
                         created_at=DATETIME, updated_at=DATETIME, edited_at=string("date-time", nullable=True),
                         url=string("uri")), next_cursor=string(nullable=True)),
            query=(Param("cursor", string(), "next_cursor of the previous page"),
                   Param("updated_since", string("date-time"), "only comments changed after this time"),
                   Param("limit", integer(minimum=1, maximum=500), "items per page (default 100)"),
                   Param("respondent_type", string(enum=list(RESPONDENT_TYPES)), "only comments by these respondents")))
def comments(slug: str):
    """Visible comments in order of last change, paged by an opaque cursor; ``updated_since`` for sync."""
    d = published(slug)
    limit_raw = request.args.get("limit", str(current_app.config["API_PAGE_SIZE"]))
    limit = whole_number(limit_raw, 500)
    if not limit:
        abort(400, _("limit must be a whole number from 1 to 500."))
    query = (select(Comment, User.display_name, Clause.eid, Revision.number)
             .join(User, User.id == Comment.author_id)
             .join(Revision, Revision.id == Comment.revision_id)
             .outerjoin(Clause, and_(Clause.revision_id == Comment.revision_id, Clause.key == Comment.clause_key))
             .where(Comment.draft_id == d.id, queries.public(Comment)))
    respondent = request.args.get("respondent_type")
    if respondent is not None:
        if respondent not in RESPONDENT_TYPES:
            abort(400, f"respondent_type must be one of {', '.join(RESPONDENT_TYPES)}.")
        query = query.where(Comment.respondent_type == respondent)
    since = request.args.get("updated_since")
    if since:
        try:
            since_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
            if since_dt.tzinfo is None:
                since_dt = since_dt.replace(tzinfo=UTC)
            since_dt = since_dt.astimezone(UTC)
        except (ValueError, OverflowError):
            abort(400, _("updated_since must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z."))
        query = query.where(Comment.updated_at > since_dt)
    if request.args.get("cursor"):
        at, last_id = _decode_cursor(request.args["cursor"])
        query = query.where(or_(Comment.updated_at > at, and_(Comment.updated_at == at, Comment.id > last_id)))
    rows = db.session.execute(query.order_by(Comment.updated_at, Comment.id).limit(limit + 1)).all()
    items = [{"id": c.id, "clause_key": c.clause_key, "clause_eid": eid, "revision": number,
              "parent_id": c.parent_id, "stance": c.stance, "body": c.body,
              "quote": c.quote_exact, "official": c.is_official, "author": name,
              "respondent_type": c.respondent_type, "organisation": c.organisation,
              "created_at": iso(c.created_at), "updated_at": iso(c.updated_at), "edited_at": iso(c.edited_at),
              "url": url_for("reading.comment", slug=slug, comment_id=c.root_id or c.id, _external=True,
                             _anchor=f"c{c.id}")}
             for c, name, eid, number in rows[:limit]]
    next_cursor = _encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.route("/drafts/<slug>/proposals")
@documented(items_of(obj(id=integer(), clause_key=string(), action=string(enum=["replace", "insert_after", "delete"]),
                         base_revision=integer(nullable=True), base_text=TEXT, proposed_text=TEXT, rationale=TEXT,
                         author=string(), respondent_type=string(enum=list(RESPONDENT_TYPES)),
                         organisation=string(), status=string(), decision_reason=TEXT,
                         decided_at=string("date-time", nullable=True), merged_into_revision=integer(nullable=True),
                         votes=obj(**{"for": integer(), "against": integer()}), created_at=DATETIME,
                         url=string("uri"))))
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
         "respondent_type": p.respondent_type, "organisation": p.organisation,
         "status": p.status, "decision_reason": p.decision_reason, "decided_at": iso(p.decided_at),
         "merged_into_revision": merged.get(p.merged_revision_id), "votes": votes[p.id],
         "created_at": iso(p.created_at),
         "url": url_for("proposals.proposal", slug=slug, proposal_id=p.id, _external=True)}
        for p, name in rows]})


@bp.route("/drafts/<slug>/positions")
@documented(items_of(obj(id=integer(), respondent_type=string(enum=[t for t in RESPONDENT_TYPES if t != "citizen"]),
                         organisation=string(), title=string(), body=TEXT, signatories=integer(minimum=0),
                         created_at=DATETIME, url=string("uri"))))
def positions(slug: str):
    """Every visible organisation position with how many people signed it (never who)."""
    d = published(slug)
    return jsonify({"items": [{**row, "created_at": iso(row["created_at"]),
                               "url": url_for("positions.position", slug=slug, position_id=row["id"], _external=True)}
                              for row in organisation_positions.public_rows(d)]})


@bp.route("/drafts/<slug>/dispositions")
@documented(items_of(obj(type=string(enum=["comment", "proposal"]), id=integer(), clause=string(),
                         clause_key=string(), author=string(), input=TEXT, outcome=string(), reason=TEXT,
                         decided_at=DATETIME)))
def dispositions(slug: str):
    """The disposition register: staff's decision and public reason for each comment and proposal."""
    d = published(slug)
    return jsonify({"items": [{**row, "decided_at": iso(row["decided_at"])} for row in queries.register_rows(d)]})


@bp.route("/drafts/<slug>/diff")
@documented(obj(draft=string(), to=integer(), changes=array(obj(
                kind=string(), old=string(nullable=True), new=string(nullable=True), key=string(),
                old_label=string(nullable=True), new_label=string(nullable=True), ops=array(array({})),
                provenance=array({"type": "object"}))), totals={"type": "object"}, **{"from": integer()}),
            query=(Param("from", integer(minimum=1), "older revision (default: the one before `to`)"),
                   Param("to", integer(minimum=1), "newer revision (default: the current one)")))
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
@documented(obj(query=string(), total=integer(), counts={"type": "object"}, notices=array({}), page=integer(),
                per_page=integer(), groups={"type": "object"}, matched_any_word=BOOLEAN, html=string("uri"),
                hits=array({"type": "object"})),
            query=(Param("q", string(), "the words to search for", required=True),
                   *(Param(name, string()) for name in ("kind", "agency", "status", "lang", "draft", "sort",
                                                        "revisions")),
                   Param("from", string("date"), "YYYY-MM-DD"), Param("to", string("date"), "YYYY-MM-DD"),
                   Param("page", integer(minimum=1))), errors=())
def search():
    """Search as JSON: ``q`` plus kind, agency, status, lang, draft, from, to, sort, revisions, page."""
    if "q" not in request.args:
        abort(400, _("Give a search in q, e.g. /api/v1/search?q=tax"))
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


ROUND = dict(slug=string(), title=string(), district=string(), envelope=integer(), requires=string(),
             status=string(enum=["proposals", "vetting", "voting", "counting", "closed"]),
             voting=obj(opens=DATETIME, closes=DATETIME), results_published=string("date-time", nullable=True),
             url=string("uri"), projects=array(obj(
                 id=integer(), title=string(), cost=integer(), mahalla=string(), status=string(), reason=string(),
                 votes=integer(), funded=BOOLEAN, contract_amount=integer(nullable=True), spent=integer(),
                 hidden=BOOLEAN, hidden_reason=string())))


def public_round(budget_round) -> dict:
    """A round with its projects: votes are the live totals while voting runs, the published count
    after; who voted for what is never here."""
    counts = budget_ballots.live_counts(budget_round) if budget_round.results_at is None else {}
    return {"slug": budget_round.slug, "title": budget_round.title, "district": budget_round.district,
            "envelope": budget_round.envelope, "status": budget_round.status(), "requires": budget_round.requires,
            "voting": {"opens": iso(budget_round.voting_opens_at), "closes": iso(budget_round.voting_closes_at)},
            "results_published": iso(budget_round.results_at),
            "url": url_for("budget.round_page", slug=budget_round.slug, _external=True),
            "projects": [{"id": p.id, "cost": p.final_cost, "status": p.status, "reason": p.reason,
                          "votes": p.final_votes if budget_round.results_at else counts.get(p.id, 0),
                          "funded": p.funded, "contract_amount": p.contract_amount, "spent": p.spent,
                          # a hidden project keeps its numbers; its words are its tombstone's
                          **({"title": p.title, "mahalla": p.mahalla, "hidden": False, "hidden_reason": ""}
                             if queries.is_public(p) else
                             {"title": "", "mahalla": "", "hidden": True, "hidden_reason": p.hidden_reason})}
                         for p in queries.budget_projects(budget_round)]}


@bp.route("/budget/rounds")
@documented(items_of(obj(**ROUND)), errors=())
def budget_rounds():
    """Every initiative budget round with its projects."""
    return jsonify({"items": [public_round(r) for r in queries.budget_rounds()]})


@bp.route("/budget/rounds/<slug>")
@documented(obj(**ROUND))
def budget_round(slug: str):
    """One initiative budget round with its projects, votes and what is funded."""
    found = queries.budget_round(slug)
    if found is None:
        abort(404)
    return jsonify(public_round(found))
