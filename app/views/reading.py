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
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from app import activity, clusters, i18n, parallel, queries
from app.clock import utcnow
from app.database import write_in_read_request
from app.extensions import db
from app.links import safe_next
from app.models import Agency, Clause, Comment, Draft, Follow, Revision, User
from app.pagecache import public_page
from app.services import accounts, notifications
from app.views import pages
from app.views.common import (
    get_draft,
    get_revision,
    page_number,
    whole_number,
)
from app.views.forms import CommentForm
from app.views.shared_pages import shared_page
from drafts import refs
from drafts.patterns import ARTICLE_KINDS, GROUP_KINDS

bp = Blueprint("reading", __name__)


@bp.route("/")
@public_page
def home():
    """Show open consultations, closing soon first."""
    now = utcnow()
    base = queries.drafts_for(current_user).where(Draft.published.is_(True))
    open_drafts = db.session.scalars(base.where(Draft.opens_at <= now, Draft.closes_at > now)
                                     .order_by(Draft.closes_at).limit(50)).all()
    upcoming = db.session.scalars(base.where(Draft.opens_at > now).order_by(Draft.opens_at).limit(10)).all()
    return render_template("reading/home.html", open_drafts=open_drafts, upcoming=upcoming, now=now)


@bp.route("/drafts")
def draft_list():
    """List all drafts, filtered by agency and status."""
    now = utcnow()
    query = queries.drafts_for(current_user)
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
        abort(400, _("The status filter must be open, closed or upcoming."))
    pagination = db.paginate(query.order_by(Draft.closes_at.desc()), page=page_number(), per_page=30,
                             error_out=False)
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return render_template("reading/list.html", pagination=pagination, agencies=agencies,
                           agency=agency_slug, status=status, now=now)


def _reader():
    return current_user if current_user.is_authenticated else None


def _draft_page(slug: str, number: int | None = None) -> activity.PageStamp | None:
    return activity.page_stamp(slug, reader=_reader())


def _clause_page(slug: str, eid: str, number: int | None = None) -> activity.PageStamp | None:
    return activity.page_stamp(slug, (number, eid), _reader())


@bp.route("/drafts/<slug>")
@bp.route("/drafts/<slug>/revisions/<int:number>")
@shared_page(_draft_page)
def draft(slug: str, number: int | None = None):
    """Show a revision of a draft clause by clause, with comment and vote counts per clause."""
    draft = get_draft(slug)
    revision = get_revision(draft, number)
    clauses = queries.cached_clauses(revision)
    per_page = current_app.config["CLAUSES_PER_PAGE"]
    page = page_number()
    pages_total = max(1, -(-len(clauses) // per_page))
    if page > pages_total:
        abort(404)
    is_current = revision.number == draft.current_revision_number
    counted = activity.draft_activity(draft)
    sections = clause_sections(draft.slug, revision, None if is_current else revision.number, page, per_page,
                               draft.language)
    return render_template("reading/draft.html", draft=draft, revision=revision,
                           clause_list=fill_counts(sections, counted.counts), page=page, pages=pages_total,
                           total_clauses=len(clauses), draft_comments=counted.draft_comments,
                           deadlines=counted.deadlines, revisions=counted.revisions, is_current=is_current,
                           now=utcnow(), history=_history(draft, revision, is_current),
                           versions=parallel.versions(draft, current_user))


@bp.route("/drafts/<slug>/contents")
@public_page
def contents(slug: str):
    """The table of contents of the current text: its parts, chapters and sections (its articles
    when it has no such groups), each linked to the page of the draft where it starts."""
    draft = get_draft(slug)
    revision = get_revision(draft, None)
    clauses = queries.cached_clauses(revision)
    per_page = current_app.config["CLAUSES_PER_PAGE"]
    groups = [i for i, c in enumerate(clauses) if c["kind"] in GROUP_KINDS]
    shown = groups or [i for i, c in enumerate(clauses) if c["kind"] in ARTICLE_KINDS]
    entries = [(clauses[i], i // per_page + 1, _depth(clauses[i]["kind"])) for i in shown]
    return render_template("reading/contents.html", draft=draft, entries=entries, total=len(clauses))


@bp.route("/drafts/<slug>/notice")
def notice(slug: str):
    """A one-page notice for a mahalla office's board: summary, deadline, how to take part, a short link."""
    draft = get_draft(slug)
    short_link = url_for("reading.short", draft_id=draft.id, _external=True).split("://", 1)[-1]
    return render_template("reading/notice.html", draft=draft, short_link=short_link, now=utcnow())


@bp.route("/d/<int:draft_id>")
def short(draft_id: int):
    """The short link printed on notices, easy to type on a phone."""
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        abort(404)
    return redirect(url_for("reading.draft", slug=get_draft(draft.slug).slug))


def _depth(kind: str) -> int:
    """How far in a heading is set: parts, then chapters, then the rest."""
    return {"book": 0, "part": 0, "title": 0, "subtitle": 1, "chapter": 1, "subchapter": 2}.get(kind, 2)


@bp.route("/drafts/<slug>/goto")
def goto(slug: str):
    """"Go to article 45": understands 45, Article 45, 45-modda, Статья 45, § 2-1402.11, and opens
    the page of the draft where that clause is, at the clause."""
    draft = get_draft(slug)
    wanted = (request.args.get("to") or "").strip()[:100]
    if not wanted:
        abort(400, _("Type the number of an article or section, e.g. 45 or 45-modda."))
    clauses = queries.cached_clauses(get_revision(draft, None))
    found = refs.find(clauses, wanted)
    if found is None:
        abort(404, _("This draft has no article or section “%(ref)s”.", ref=wanted))
    page = clauses.index(found) // current_app.config["CLAUSES_PER_PAGE"] + 1
    return redirect(url_for("reading.draft", slug=draft.slug, page=page if page > 1 else None, _anchor=found["eid"]))


def _history(draft: Draft, revision: Revision, is_current: bool) -> dict:
    """The public-input summary, "what changed since you last looked" and the follow button. Viewing
    the current revision records it as the reader's last seen one (a GET that writes one row, and
    only when it changed)."""
    since = None
    following = False
    if current_user.is_authenticated:
        follow = db.session.scalar(select(Follow).where(Follow.user_id == current_user.id,
                                                        Follow.draft_id == draft.id))
        following = bool(follow and follow.following)
        if is_current:
            since = _note_seen(current_user, draft, follow)
    return {"summary": queries.input_summary(revision), "since": since, "following": following,
            "parent": revision.number - 1 if revision.number > 1 else None}


def _note_seen(user: User, draft: Draft, follow: Follow | None) -> int | None:
    """Return the revision the reader had seen before, if older than the current one."""
    current = draft.current_revision_number
    if follow is not None and follow.last_seen_revision >= current:
        return None
    before = follow.last_seen_revision if follow is not None else 0
    try:
        with write_in_read_request(db.session):
            notifications.mark_seen(user, draft, follow)
    except (IntegrityError, OperationalError):
        # the same reader in two tabs at once, or a busy database: remembering "last seen" is not
        # worth an error page; the banner simply shows again next time
        db.session.rollback()
    return before if 0 < before < current else None


#: stand-ins for the three counts of a clause in its cached HTML; they come after the clause text, and
#: the split looks for them from the right, so even a text containing them would not confuse it
_PLACEHOLDERS = ("\x00comments\x00", "\x00for\x00", "\x00against\x00")


def clause_sections(slug: str, revision: Revision, number: int | None, page: int, per_page: int, lang: str):
    """The HTML of one page of a revision's clauses, without their counts: rendered once per process,
    as a revision never changes. ``number`` is None for the current revision (links without it)."""
    return _clause_sections(revision.id, revision.chain_hash, slug, number, page, per_page, request.script_root,
                            i18n.html_lang(lang))


@lru_cache(maxsize=512)
def _clause_sections(revision_id: int, chain_hash: str, slug: str, number: int | None, page: int,
                     per_page: int, script_root: str, lang: str) -> tuple[tuple[str, str, str, str, str, str | None], ...]:
    section = get_template_attribute("reading/_clause.html", "clause_section")
    heading = get_template_attribute("reading/_clause.html", "structure_heading")
    marks = [Markup(p) for p in _PLACEHOLDERS]
    out = []
    clauses = queries.clauses_by_id(revision_id, chain_hash)
    for c in clauses[(page - 1) * per_page: page * per_page]:
        link = url_for("reading.clause", slug=slug, eid=c["eid"], number=number)
        html = str(section(c, link, lang, *marks))
        rest, _, tail = html.rpartition(_PLACEHOLDERS[2])
        rest, _, before_against = rest.rpartition(_PLACEHOLDERS[1])
        head, _, before_for = rest.rpartition(_PLACEHOLDERS[0])
        # a heading without text is shown as a heading unless people commented on it or voted
        plain = str(heading(c, link, lang)) if not c["text"] else None
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


@bp.route("/drafts/<slug>/clauses/<eid>")
@bp.route("/drafts/<slug>/revisions/<int:number>/clauses/<eid>")
@shared_page(_clause_page)
def clause(slug: str, eid: str, number: int | None = None):
    """Show one clause (permalink by eid) with its comments, paginated."""
    return pages.clause_page(slug, eid, number)


@bp.route("/drafts/<slug>/comments")
def draft_comments(slug: str):
    """Show comments on the draft as a whole."""
    return pages.draft_comments_page(slug)


@bp.route("/drafts/<slug>/comments/<int:comment_id>")
def comment(slug: str, comment_id: int):
    """Show one comment with its replies and its earlier versions."""
    draft = get_draft(slug)
    item = db.session.get(Comment, comment_id)  # a hidden one shows as a tombstone in its thread
    if item is None or item.draft_id != draft.id:
        abort(404)
    root, children, thread = queries.thread_of(item)
    clause = None
    if item.clause_key:
        clause = db.session.scalar(select(Clause).where(Clause.revision_id == item.revision_id,
                                                        Clause.key == item.clause_key))
    reply_to = whole_number(request.args.get("reply"))
    reply_to = reply_to if any(c.id == reply_to for c in thread) else root.id
    return render_template("reading/comment.html", draft=draft, item=item, root=root, children=children,
                           clause=clause, form=CommentForm(parent_id=reply_to), now=utcnow(),
                           files=queries.files_of(Comment, [c.id for c in thread]))


@bp.route("/drafts/<slug>/comments/<int:comment_id>/similar")
def similar(slug: str, comment_id: int):
    """A campaign's comments in one place (clause, proposal or whole draft), which the lists show
    as one: every copy stays readable, without JavaScript."""
    draft = get_draft(slug)
    item = db.session.get(Comment, comment_id)
    if not queries.is_public(item) or item.draft_id != draft.id:
        abort(404)
    group = clusters.draft_campaigns(draft).groups.get(comment_id, (comment_id,))  # no copies: itself
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    pagination = queries.IdPage(page_number(), per_page, len(group), [])
    shown = group[(pagination.page - 1) * per_page:pagination.page * per_page]
    rows = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(shown)))} if shown else {}
    items = [rows[i] for i in shown if i in rows]
    first = item if group[0] == item.id else db.session.get(Comment, group[0])
    return render_template("reading/similar.html", draft=draft, items=items, first=first, total=len(group),
                           pagination=pagination, now=utcnow())


@bp.route("/lang/<code>")
def set_language(code: str):
    """Remember the reader's language and go back to where they were."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if current_user.is_authenticated and current_user.language != code:
        with write_in_read_request(db.session):
            accounts.set_language(current_user, code)
    response = redirect(safe_next(request.args.get("next")) or url_for("reading.home"))
    response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response
