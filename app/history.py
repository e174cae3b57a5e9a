"""History: what changed between two revisions and where the change came from, "what changed
since I last looked", following a draft, notifications, and the public integrity check."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from flask import (Blueprint, abort, current_app, flash, has_request_context, jsonify, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from app import integrity, reading, services
from app.database import write_in_read_request
from app.extensions import db, limiter
from app.history_diff import Row, body, compare_by_key, fold, sides, totals
from app.models import Attribution, Comment, Draft, Follow, Notification, Proposal, Revision, User
from app.urls import safe_next

bp = Blueprint("history", __name__)
api_bp = Blueprint("history_api", __name__, url_prefix="/api/v1")

DIFF_ROWS_PER_PAGE = 100  #: rows of a diff page (a folded stretch counts as one): small pages for slow links
NOTIFICATIONS_PER_PAGE = 30
_NUMBER = re.compile(r"[0-9]{1,6}")


# --- comparing two revisions ----------------------------------------------------------------

class RevisionRef(NamedTuple):
    """What identifies a revision's content: hashable, so comparisons can be cached."""
    id: int
    chain_hash: str


def comparison(old: Revision, new: Revision) -> tuple[Row, ...]:
    """The rows comparing two revisions, computed once per process: revisions never change, and
    the chain hashes in the cache key mean a recreated database never gets another's rows."""
    return _comparison(RevisionRef(old.id, old.chain_hash), RevisionRef(new.id, new.chain_hash))


@lru_cache(maxsize=32)
def _comparison(old: RevisionRef, new: RevisionRef) -> tuple[Row, ...]:
    return tuple(compare_by_key(reading.cached_clauses(old), reading.cached_clauses(new)))  # type: ignore[arg-type]


@bp.app_template_global()
def diff_url(slug: str, a: int, b: int, **args) -> str:
    """The diff page from revision ``a`` to ``b`` (``from`` is a Python keyword, hence this helper)."""
    return url_for("history.diff", slug=slug, **{"from": a, "to": b}, **args)


def revision_number_arg(name: str) -> int | None:
    """:raise 400: unless the query argument is absent or a whole number."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not _NUMBER.fullmatch(raw):
        abort(400, _("“%(name)s” must be a revision number, such as 1 or 2.", name=name))
    return int(raw)


def revision_by_number(draft: Draft, number: int) -> Revision:
    """:raise 404: if the draft has no revision with this number (0 included)."""
    revision = db.session.scalar(select(Revision).where(Revision.draft_id == draft.id, Revision.number == number))
    if revision is None:
        abort(404, _("This draft has no revision %(n)d.", n=number))
    return revision


def revision_pair(draft: Draft) -> tuple[Revision, Revision]:
    """The ``from`` and ``to`` revisions of a diff request; by default the previous and the current
    one. ``from`` later than ``to`` is allowed: it shows the changes backwards.

    :raise 400: if either is not a whole number; :raise 404: if either does not exist.
    """
    frm, to = revision_number_arg("from"), revision_number_arg("to")
    if to is None:
        to = draft.current_revision_number
    if frm is None:
        frm = max(to - 1, 1)
    return revision_by_number(draft, frm), revision_by_number(draft, to)


# --- provenance: which public input caused a change ------------------------------------------

def _attributions(*conditions):
    """Attribution rows whose proposal or comment is still public (moderation hid neither)."""
    return db.session.execute(
        select(Attribution.clause_key, Attribution.proposal_id, Attribution.comment_id, Attribution.partly)
        .join(Revision, Revision.id == Attribution.revision_id)
        .outerjoin(Proposal, Proposal.id == Attribution.proposal_id)
        .outerjoin(Comment, Comment.id == Attribution.comment_id)
        .where(*conditions,
               (Attribution.proposal_id.is_(None)) | (Proposal.hidden.is_(False)),
               (Attribution.comment_id.is_(None)) | (Comment.status == "visible"))
        .order_by(Revision.number, Attribution.id)).all()


def proposal_url(slug: str, proposal_id: int, external: bool = False) -> str:
    """The proposal's page (app/amend.py); a plain path should that blueprint not be registered."""
    if "amend.proposal" in current_app.view_functions:
        return url_for("amend.proposal", slug=slug, proposal_id=proposal_id, _external=external)
    root = request.host_url.rstrip("/") if external else ""
    return f"{root}{request.script_root}/drafts/{slug}/proposals/{proposal_id}"


def provenance(draft: Draft, a: int, b: int, external: bool = False) -> dict[str, list[dict]]:
    """Per clause key, the proposals and comments behind its changes in revisions (a, b]
    (or (b, a] for a backwards diff), each once."""
    lo, hi = min(a, b), max(a, b)
    out: dict[str, list[dict]] = {}
    seen: set[tuple[str, str, int]] = set()
    for key, proposal_id, comment_id, partly in _attributions(
            Revision.draft_id == draft.id, Revision.number > lo, Revision.number <= hi):
        kind, item_id = ("proposal", proposal_id) if proposal_id else ("comment", comment_id)
        if item_id is None or (key, kind, item_id) in seen:
            continue
        seen.add((key, kind, item_id))
        url = proposal_url(draft.slug, item_id, external) if kind == "proposal" else \
            url_for("reading.comment", slug=draft.slug, comment_id=item_id, _external=external)
        out.setdefault(key, []).append({"type": kind, "id": item_id, "url": url, "partly": bool(partly)})
    return out


def input_summary(revision: Revision) -> dict[str, int]:
    """How many clauses of this revision changed because of public input, and from what."""
    rows = _attributions(Attribution.revision_id == revision.id)
    return {"changes": len({r.clause_key for r in rows}),
            "accepted": len({r.proposal_id for r in rows if r.proposal_id and not r.partly}),
            "partly": len({r.proposal_id for r in rows if r.proposal_id and r.partly}),
            "comments": len({r.comment_id for r in rows if r.comment_id})}


# --- the diff page and its API ----------------------------------------------------------------

def _choice_arg(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, allowed[0])
    if value not in allowed:
        abort(400, _("“%(name)s” must be one of: %(allowed)s.", name=name, allowed=", ".join(a for a in allowed if a)))
    return value


@bp.route("/drafts/<slug>/diff")
def diff(slug: str):
    """Show what changed between two revisions, clause by clause, and where each change came from."""
    draft = reading.get_draft(slug)
    old, new = revision_pair(draft)
    view = _choice_arg("view", ("inline", "side"))
    show_all = _choice_arg("context", ("", "all")) == "all"
    expand = revision_number_arg("expand")
    rows = comparison(old, new)
    items = fold(rows, show_all=show_all, expand=expand)
    pages = max(1, -(-len(items) // DIFF_ROWS_PER_PAGE))
    page = reading.page_number()
    if page > pages:
        abort(404)
    revisions = db.session.scalars(select(Revision.number).where(Revision.draft_id == draft.id)
                                   .order_by(Revision.number)).all()
    return render_template(
        "history/diff.html", draft=draft, old=old, new=new, view=view, show_all=show_all,
        items=items[(page - 1) * DIFF_ROWS_PER_PAGE: page * DIFF_ROWS_PER_PAGE], page=page, pages=pages,
        totals=totals(rows), provenance=provenance(draft, old.number, new.number), revisions=revisions,
        sides=sides, clause_body=body,
        link=lambda **args: diff_url(slug, old.number, new.number, **{
            "view": view if view != "inline" else None, "context": "all" if show_all else None, **args}))


@api_bp.route("/drafts/<slug>/diff")
def api_diff(slug: str):
    """The changes between two revisions as JSON, in the engine's shape, with their provenance."""
    from app.api import published
    draft = published(slug)
    old, new = revision_pair(draft)
    rows = comparison(old, new)
    origins = provenance(draft, old.number, new.number, external=True)
    return jsonify({
        "draft": draft.slug, "from": old.number, "to": new.number,
        "changes": [{"kind": r.kind, "old": r.old["eid"] if r.old else None, "new": r.new["eid"] if r.new else None,
                     "key": r.key, "old_label": r.old["label"] if r.old else None,
                     "new_label": r.new["label"] if r.new else None,
                     "ops": [[op, text] for op, text in r.ops],
                     "provenance": origins.get(r.key, []) if r.kind != "unchanged" else []}
                    for r in rows],
        "totals": totals(rows)})


# --- the draft page: public-input summary, "since you last looked", follow ---------------------

def draft_page_context(draft: Draft, revision: Revision, is_current: bool) -> dict:
    """What the draft page shows from this module. Viewing the current revision records it as the
    reader's last seen one (a GET that writes one row, and only when it changed)."""
    since = None
    following = False
    if current_user.is_authenticated:
        follow = db.session.scalar(select(Follow).where(Follow.user_id == current_user.id,
                                                        Follow.draft_id == draft.id))
        following = bool(follow and follow.following)
        if is_current:
            since = note_seen(current_user, draft, follow)
    return {"history": {"summary": input_summary(revision), "since": since, "following": following,
                        "parent": revision.number - 1 if revision.number > 1 else None}}


def note_seen(user: User, draft: Draft, follow: Follow | None) -> int | None:
    """Record that ``user`` saw the current revision; return the revision they had seen before
    if it is older (the start of the "what changed" diff), else None."""
    current = draft.current_revision_number
    if follow is not None and follow.last_seen_revision >= current:
        return None
    before = follow.last_seen_revision if follow is not None else 0
    follow_id = follow.id if follow is not None else None
    try:
        with write_in_read_request(db.session):
            if follow_id is None:
                db.session.add(Follow(user_id=user.id, draft_id=draft.id, last_seen_revision=current,
                                      updated_at=services.now_utc()))
            else:
                db.session.execute(update(Follow).where(Follow.id == follow_id).values(
                    last_seen_revision=current, updated_at=services.now_utc()))
    except (IntegrityError, OperationalError):
        # the same reader in two tabs at once, or a busy database: remembering "last seen" is not
        # worth an error page; the banner simply shows again next time
        db.session.rollback()
    return before if 0 < before < current else None


@bp.route("/drafts/<slug>/follow", methods=["POST"])
@login_required
def follow(slug: str):
    """Follow or stop following a draft (notified of new revisions)."""
    draft = reading.get_draft(slug)
    wanted = request.form.get("follow") == "1"
    row = db.session.scalar(select(Follow).where(Follow.user_id == current_user.id, Follow.draft_id == draft.id))
    if row is None:
        row = Follow(user_id=current_user.id, draft_id=draft.id, last_seen_revision=draft.current_revision_number)
        db.session.add(row)
    row.following, row.updated_at = wanted, services.now_utc()
    db.session.commit()
    flash(_("You follow this draft: you will be told about new revisions.") if wanted
          else _("You no longer follow this draft."))
    return redirect(safe_next(request.form.get("next")) or url_for("reading.draft", slug=slug))


# --- notifications ---------------------------------------------------------------------------

@bp.route("/notifications")
@login_required
def notifications():
    """List the reader's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == current_user.id) \
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    pagination = db.paginate(query, page=reading.page_number(), per_page=NOTIFICATIONS_PER_PAGE, error_out=False)
    return render_template("history/notifications.html", pagination=pagination, safe_next=safe_next)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    """Mark all of the reader's notifications as read."""
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None))
                       .values(read_at=services.now_utc()))
    db.session.commit()
    return redirect(url_for("history.notifications"))


@bp.app_context_processor
def _unread_count():
    """The header's unread count: one indexed count, only for a logged-in reader."""
    if not has_request_context() or not current_user.is_authenticated:
        return {}
    try:
        count = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)))
    except SQLAlchemyError:  # an error page after a database failure still renders
        return {}
    return {"unread_notifications": count}


# --- integrity -------------------------------------------------------------------------------

@bp.route("/drafts/<slug>/verify")
@limiter.limit("30/minute")
def verify(slug: str):
    """Recompute every revision's hashes and show whether the published history is intact."""
    draft = reading.get_draft(slug)
    checks = integrity.check_draft(draft)
    return render_template("history/verify.html", draft=draft, checks=checks,
                           broken=integrity.first_broken(checks))
