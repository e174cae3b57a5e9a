"""Reading: the home page, the list of drafts, a draft clause by clause, a clause and its comments.
No account is needed for anything here."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import services
from app.extensions import db
from app.models import Agency, Clause, Comment, DeadlineChange, Draft, Revision
from app.urls import safe_next

bp = Blueprint("reading", __name__)


def visible_drafts():
    """Published drafts, plus unpublished ones the current staff member manages."""
    query = select(Draft)
    if current_user.is_authenticated and current_user.role == "admin":
        return query
    if current_user.is_authenticated and current_user.role == "staff":
        return query.where((Draft.published.is_(True)) | (Draft.agency_id == current_user.agency_id))
    return query.where(Draft.published.is_(True))


def get_draft(slug: str) -> Draft:
    """:raise 404: if there is no such draft or the reader may not see it yet."""
    draft = db.session.scalar(visible_drafts().where(Draft.slug == slug))
    if draft is None:
        abort(404)
    return draft


def get_revision(draft: Draft, number: int | None) -> Revision:
    """:raise 404: if the draft has no such revision."""
    revision = db.session.scalar(select(Revision).where(
        Revision.draft_id == draft.id, Revision.number == (number or draft.current_revision_number)))
    if revision is None:
        abort(404)
    return revision


def cached_clauses(revision: Revision) -> tuple[dict, ...]:
    """A revision never changes, so its clauses are read from the database once per process.
    The chain hash is part of the key, so a recreated database never serves another's clauses."""
    return _clauses(revision.id, revision.chain_hash)


@lru_cache(maxsize=256)
def _clauses(revision_id: int, chain_hash: str) -> tuple[dict, ...]:
    rows = db.session.execute(select(Clause.key, Clause.eid, Clause.label, Clause.heading, Clause.text,
                                     Clause.kind, Clause.num)
                              .where(Clause.revision_id == revision_id).order_by(Clause.position))
    return tuple(dict(row._mapping) for row in rows)


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 0 < int(raw) < 100_000:
        abort(400, "The page number must be a positive whole number.")
    return int(raw)


@bp.route("/")
def home():
    """Show open consultations, closing soon first."""
    now = services.now_utc()
    base = visible_drafts().where(Draft.published.is_(True))
    open_drafts = db.session.scalars(base.where(Draft.opens_at <= now, Draft.closes_at > now)
                                     .order_by(Draft.closes_at).limit(50)).all()
    upcoming = db.session.scalars(base.where(Draft.opens_at > now).order_by(Draft.opens_at).limit(10)).all()
    return render_template("reading/home.html", open_drafts=open_drafts, upcoming=upcoming, now=now)


@bp.route("/drafts")
def draft_list():
    """List all drafts, filtered by agency and status."""
    now = services.now_utc()
    query = visible_drafts()
    agency_slug = request.args.get("agency", "")
    status = request.args.get("status", "")
    if agency_slug:
        query = query.join(Agency).where(Agency.slug == agency_slug)
    if status == "open":
        query = query.where(Draft.opens_at <= now, Draft.closes_at > now)
    elif status == "closed":
        query = query.where(Draft.closes_at <= now)
    elif status == "upcoming":
        query = query.where(Draft.opens_at > now)
    elif status:
        abort(400, "The status filter must be open, closed or upcoming.")
    pagination = db.paginate(query.order_by(Draft.closes_at.desc()), page=page_number(), per_page=30,
                             error_out=False)
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return render_template("reading/list.html", pagination=pagination, agencies=agencies,
                           agency=agency_slug, status=status, now=now)


@bp.route("/drafts/<slug>")
@bp.route("/drafts/<slug>/revisions/<int:number>")
def draft(slug: str, number: int | None = None):
    """Show a revision of a draft clause by clause, with comment and vote counts per clause."""
    from app import history
    draft = get_draft(slug)
    revision = get_revision(draft, number)
    clauses = cached_clauses(revision)
    per_page = current_app.config["CLAUSES_PER_PAGE"]
    page = page_number()
    pages = max(1, -(-len(clauses) // per_page))
    if page > pages:
        abort(404)
    shown = clauses[(page - 1) * per_page: page * per_page]
    counts = services.clause_counts(draft)
    draft_comments = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.draft_id == draft.id, Comment.status == "visible", Comment.clause_key.is_(None),
        Comment.proposal_id.is_(None)))
    deadlines = db.session.scalars(select(DeadlineChange).where(DeadlineChange.draft_id == draft.id)
                                   .order_by(DeadlineChange.created_at)).all()
    revisions = db.session.execute(select(Revision.number, Revision.created_at, Revision.change_note)
                                   .where(Revision.draft_id == draft.id).order_by(Revision.number)).all()
    return render_template("reading/draft.html", draft=draft, revision=revision, clauses=shown,
                           counts=counts, page=page, pages=pages, total_clauses=len(clauses),
                           draft_comments=draft_comments, deadlines=deadlines, revisions=revisions,
                           is_current=revision.number == draft.current_revision_number,
                           now=services.now_utc(),
                           **history.draft_page_context(draft, revision, revision.number == draft.current_revision_number))


def comment_threads(draft: Draft, clause_key: str | None, page: int, *, proposal_id: int | None = None):
    """One page of top-level comments on a clause, the whole draft or a proposal, with all their
    replies, what later revisions did to their clause, and staff's decisions on them."""
    from app.merging import comment_fates
    from app.models import Disposition
    query = select(Comment).where(Comment.draft_id == draft.id, Comment.status == "visible",
                                  Comment.parent_id.is_(None))
    if proposal_id is not None:
        query = query.where(Comment.proposal_id == proposal_id)
    else:
        query = query.where(Comment.proposal_id.is_(None))
        query = query.where(Comment.clause_key == clause_key if clause_key else Comment.clause_key.is_(None))
    pagination = db.paginate(query.order_by(Comment.created_at, Comment.id), page=page,
                             per_page=current_app.config["COMMENTS_PER_PAGE"], error_out=False)
    roots = list(pagination.items)
    replies = db.session.scalars(select(Comment).where(
        Comment.root_id.in_([c.id for c in roots]), Comment.status == "visible")
        .order_by(Comment.created_at, Comment.id)).all() if roots else []
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        children.setdefault(reply.parent_id, []).append(reply)
    ids = [c.id for c in roots] + [c.id for c in replies]
    decisions = {d.comment_id: d for d in db.session.scalars(
        select(Disposition).where(Disposition.comment_id.in_(ids)))} if ids else {}
    return pagination, roots, children, {"fates": comment_fates(draft, roots), "decisions": decisions}


def clause_page(slug: str, eid: str, number: int | None = None, *, form=None, vote_form=None,
                status: int = 200):
    """Render a clause with its comments; used by GET and by a POST whose form has errors."""
    from app.participation import CommentForm, VoteForm
    draft = get_draft(slug)
    revision = get_revision(draft, number)
    clause = db.session.scalar(select(Clause).where(Clause.revision_id == revision.id, Clause.eid == eid))
    if clause is None:
        abort(404)
    pagination, roots, children, extra = comment_threads(draft, clause.key, page_number())
    from app.amendments import proposal_votes
    from app.models import Proposal
    proposals = db.session.scalars(select(Proposal).where(
        Proposal.draft_id == draft.id, Proposal.clause_key == clause.key, Proposal.hidden.is_(False))
        .order_by(Proposal.id.desc()).limit(50)).all()
    counts = services.clause_counts(draft).get(clause.key, {"comments": 0, "for": 0, "against": 0})
    my_vote = None
    if current_user.is_authenticated:
        from app.models import ClauseVote
        my_vote = db.session.scalar(select(ClauseVote.value).where(
            ClauseVote.user_id == current_user.id, ClauseVote.draft_id == draft.id,
            ClauseVote.clause_key == clause.key))
    form = form or CommentForm(clause_key=clause.key)
    return render_template("reading/clause.html", draft=draft, revision=revision, clause=clause,
                           pagination=pagination, roots=roots, children=children, counts=counts,
                           proposals=proposals, proposal_counts=proposal_votes([p.id for p in proposals]),
                           form=form, **extra, vote_form=vote_form or VoteForm(), my_vote=my_vote,
                           is_current=revision.number == draft.current_revision_number,
                           now=services.now_utc()), status


@bp.route("/drafts/<slug>/clauses/<eid>")
@bp.route("/drafts/<slug>/revisions/<int:number>/clauses/<eid>")
def clause(slug: str, eid: str, number: int | None = None):
    """Show one clause (permalink by eid) with its comments, paginated."""
    return clause_page(slug, eid, number)


def draft_comments_page(slug: str, *, form=None, status: int = 200):
    from app.participation import CommentForm
    draft = get_draft(slug)
    pagination, roots, children, extra = comment_threads(draft, None, page_number())
    return render_template("reading/comments.html", draft=draft, pagination=pagination, roots=roots,
                           children=children, form=form or CommentForm(), now=services.now_utc(),
                           **extra), status


@bp.route("/drafts/<slug>/comments")
def draft_comments(slug: str):
    """Show comments on the draft as a whole."""
    return draft_comments_page(slug)


@bp.route("/drafts/<slug>/comments/<int:comment_id>")
def comment(slug: str, comment_id: int):
    """Show one comment with its replies and its earlier versions."""
    from app.participation import CommentForm
    draft = get_draft(slug)
    item = db.session.get(Comment, comment_id)
    if item is None or item.draft_id != draft.id or item.status != "visible":
        abort(404)
    root_id = item.root_id or item.id
    thread = db.session.scalars(select(Comment).where(
        (Comment.root_id == root_id) | (Comment.id == root_id), Comment.status == "visible")
        .order_by(Comment.created_at, Comment.id)).all()
    children: dict[int, list[Comment]] = {}
    for reply in thread:
        if reply.parent_id:
            children.setdefault(reply.parent_id, []).append(reply)
    root = next((c for c in thread if c.id == root_id), item)
    clause = None
    if item.clause_key:
        clause = db.session.scalar(select(Clause).where(Clause.revision_id == item.revision_id,
                                                        Clause.key == item.clause_key))
    reply_to = request.args.get("reply", "")
    reply_to = int(reply_to) if reply_to.isdigit() and any(c.id == int(reply_to) for c in thread) else root.id
    return render_template("reading/comment.html", draft=draft, item=item, root=root, children=children,
                           clause=clause, form=CommentForm(parent_id=reply_to), now=services.now_utc())


@bp.route("/lang/<code>")
def set_language(code: str):
    """Remember the reader's language and go back to where they were."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")) or url_for("reading.home"))
    response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response
