"""Reading: the home page, the list of drafts, a draft clause by clause, a clause and its comments.
No account is needed for anything here."""
from __future__ import annotations

from functools import lru_cache

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_translations
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import activity, services
from app.extensions import db
from app.models import Agency, Clause, Comment, Draft, Revision
from app.pagecache import public_page
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
    draft = db.session.scalar(visible_drafts().where(Draft.slug == slug).options(joinedload(Draft.agency)))
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
@public_page
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
@public_page
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
    is_current = revision.number == draft.current_revision_number
    now_counted = activity.draft_activity(draft)
    sections = clause_sections(draft.slug, revision, None if is_current else revision.number, page, per_page)
    return render_template("reading/draft.html", draft=draft, revision=revision,
                           clause_list=fill_counts(sections, now_counted.counts), page=page, pages=pages,
                           total_clauses=len(clauses), draft_comments=now_counted.draft_comments,
                           deadlines=now_counted.deadlines, revisions=now_counted.revisions, is_current=is_current,
                           now=services.now_utc(), **history.draft_page_context(draft, revision, is_current))


#: stand-ins for the three counts of a clause in its cached HTML; they come after the clause text, and
#: the split looks for them from the right, so even a text containing them would not confuse it
_PLACEHOLDERS = ("\x00comments\x00", "\x00for\x00", "\x00against\x00")


def clause_sections(slug: str, revision: Revision, number: int | None, page: int, per_page: int):
    """The HTML of one page of a revision's clauses, without their counts: rendered once per process,
    as a revision never changes. ``number`` is None for the current revision (links without it)."""
    return _clause_sections(revision.id, revision.chain_hash, slug, number, page, per_page, request.script_root)


@lru_cache(maxsize=512)
def _clause_sections(revision_id: int, chain_hash: str, slug: str, number: int | None, page: int,
                     per_page: int, script_root: str) -> tuple[tuple[str, str, str, str, str, str | None], ...]:
    section = get_template_attribute("reading/_clause.html", "clause_section")
    heading = get_template_attribute("reading/_clause.html", "structure_heading")
    marks = [Markup(p) for p in _PLACEHOLDERS]
    out = []
    for c in _clauses(revision_id, chain_hash)[(page - 1) * per_page: page * per_page]:
        link = url_for("reading.clause", slug=slug, eid=c["eid"], number=number)
        html = str(section(c, link, *marks))
        rest, _, tail = html.rpartition(_PLACEHOLDERS[2])
        rest, _, before_against = rest.rpartition(_PLACEHOLDERS[1])
        head, _, before_for = rest.rpartition(_PLACEHOLDERS[0])
        # a heading without text is shown as a heading unless people commented on it or voted
        plain = str(heading(c, link)) if not c["text"] else None
        out.append((c["key"], head, before_for, before_against, tail, plain))
    return tuple(out)


def fill_counts(sections, counts: dict[str, dict[str, int]]) -> Markup:
    """Put this request's counts, in the reader's language, into the cached clause HTML."""
    t = get_translations()
    parts: list[str] = []
    for key, head, before_for, before_against, tail, plain in sections:
        n = counts.get(key)
        if plain is not None and not n:
            parts.append(plain)
            continue
        n = n or {}
        # as the template's ngettext/_ would: the translation is trusted markup; numbers need no escaping
        comments, pro, contra = n.get("comments", 0), n.get("for", 0), n.get("against", 0)
        parts += (head, t.ngettext("%(num)d comment", "%(num)d comments", comments) % {"num": comments},
                  before_for, t.gettext("%(num)d for") % {"num": pro},
                  before_against, t.gettext("%(num)d against") % {"num": contra}, tail)
    return Markup("".join(parts))


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
    query = query.options(selectinload(Comment.author))  # no query per comment for its author's name
    pagination = db.paginate(query.order_by(Comment.created_at, Comment.id), page=page,
                             per_page=current_app.config["COMMENTS_PER_PAGE"], error_out=False)
    roots = list(pagination.items)
    replies = db.session.scalars(select(Comment).options(selectinload(Comment.author)).where(
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
    counts = activity.draft_activity(draft).counts.get(clause.key, {"comments": 0, "for": 0, "against": 0})
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
@public_page
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
