"""Staff review: the queue, decisions with public reasons, official answers, and merging accepted
proposals into a new revision."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import clusters, queries, reports
from app.extensions import db
from app.links import diff_path
from app.models import Comment, Disposition, Proposal, ProposalVote
from app.services import decisions, merging
from app.services.rules import RuleError
from app.views.common import (
    draft_of,
    get_draft,
    managed,
    page_number,
    valid,
    visible_comment,
    whole_number,
)
from app.views.forms import STATUS_LABELS, AnswerForm, DecisionForm
from app.views.idempotency import idempotent

bp = Blueprint("review", __name__)


@dataclass
class Page:
    """Enough of a pagination object for the pager macro, for queries that return rows."""
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def _queue_query(draft, kind: str, clause_key: str, status: str, sort: str, min_support: str):
    if kind == "proposals":
        support = func.coalesce(func.sum(ProposalVote.value), 0).label("support")
        query = (select(Proposal, support).outerjoin(ProposalVote, ProposalVote.proposal_id == Proposal.id)
                 .where(Proposal.draft_id == draft.id).group_by(Proposal.id))
        if status:
            if status not in STATUS_LABELS:
                abort(400, _("Unknown filter."))
            query = query.where(Proposal.status == status)
        if clause_key:
            query = query.where(Proposal.clause_key == clause_key)
        if min_support:
            query = query.having(support >= int(min_support))
        return query.order_by(support.desc(), Proposal.id) if sort == "votes" else query.order_by(Proposal.id.desc())
    decided = select(Disposition.comment_id).where(Disposition.comment_id.is_not(None))
    query = select(Comment, Comment.id.label("support")).where(
        Comment.draft_id == draft.id, queries.public(Comment), Comment.is_official.is_(False))
    if status == "undecided":
        query = query.where(Comment.id.not_in(decided))
    elif status == "decided":
        query = query.where(Comment.id.in_(decided))
    elif status:
        abort(400, _("Unknown filter."))
    if clause_key:
        query = query.where(Comment.clause_key == clause_key)
    return query.order_by(Comment.created_at.desc())


@bp.route("/staff/drafts/<slug>/review")
@login_required
def queue(slug: str):
    """Proposals and comments to review, filterable by clause, status and support, sortable by votes."""
    draft = managed(get_draft(slug))
    kind = request.args.get("kind", "proposals")
    clause_key = request.args.get("clause", "")
    status = request.args.get("status", "")
    sort = request.args.get("sort", "votes")
    min_support = request.args.get("min_support", "")
    if kind not in ("proposals", "comments") or sort not in ("votes", "newest") or \
            (min_support and whole_number(min_support.removeprefix("-"), 10**6) is None):
        abort(400, _("Unknown filter."))
    query = _queue_query(draft, kind, clause_key, status, sort, min_support)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pagination = Page(page_number(), 30, total)
    rows = db.session.execute(query.limit(30).offset((pagination.page - 1) * 30)).all()
    clauses = queries.cached_clauses(queries.current_revision(draft))
    ids = [row[0].id for row in rows]
    return render_template("review/queue.html", draft=draft, rows=rows, kind=kind, clause_key=clause_key,
                           status=status, sort=sort, min_support=min_support, pagination=pagination,
                           clauses=clauses, labels=STATUS_LABELS, form=DecisionForm(),
                           decisions=queries.decisions_on(ids) if kind == "comments" else {},
                           votes=queries.proposal_votes(ids) if kind == "proposals" else {},
                           campaigns=reports.campaigns(draft, 10) if kind == "comments" else None,
                           sizes=clusters.draft_campaigns(draft).cluster_sizes() if kind == "comments" else {},
                           clause_labels={c["key"]: c["label"] for c in clauses})


@bp.route("/staff/proposals/<int:proposal_id>/decide", methods=["POST"])
@login_required
def decide(proposal_id: int):
    """Accept, partly accept, note or reject a proposal with a public reason."""
    proposal = db.session.get(Proposal, proposal_id) or abort(404)
    draft = managed(draft_of(proposal))
    form = valid(DecisionForm())
    decisions.decide_proposal(current_user, proposal, form.outcome.data, form.reason.data)
    db.session.commit()
    flash(_("The decision on proposal #%(id)d was published.", id=proposal.id))
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/staff/") else
                    url_for("review.queue", slug=draft.slug))


@bp.route("/staff/comments/<int:comment_id>")
@login_required
def comment(comment_id: int):
    """A comment as staff see it: decide on it and answer it officially."""
    item = visible_comment(comment_id)
    draft = managed(draft_of(item))
    disposition = db.session.scalar(select(Disposition).where(Disposition.comment_id == item.id))
    form = DecisionForm(obj=disposition) if disposition else DecisionForm()
    return render_template("review/comment.html", draft=draft, item=item, disposition=disposition,
                           form=form, answer_form=AnswerForm())


@bp.route("/staff/comments/<int:comment_id>/dispose", methods=["POST"])
@login_required
def dispose(comment_id: int):
    """Record staff's decision on a comment, with a public reason."""
    item = visible_comment(comment_id)
    managed(draft_of(item))
    form = valid(DecisionForm())
    decisions.dispose_comment(current_user, item, form.outcome.data, form.reason.data)
    db.session.commit()
    flash(_("The decision was published in the register."))
    return redirect(url_for("review.comment", comment_id=comment_id))


@bp.route("/staff/comments/<int:comment_id>/answer", methods=["POST"])
@login_required
@idempotent
def answer(comment_id: int):
    """Post an official answer, shown as such under the comment."""
    item = visible_comment(comment_id)
    draft = managed(draft_of(item))
    form = valid(AnswerForm())
    reply = decisions.official_answer(current_user, item, form.body.data)
    db.session.commit()
    return redirect(url_for("reading.comment", slug=draft.slug, comment_id=reply.root_id, _anchor=f"c{reply.id}"))


def _selected_ids() -> list[int]:
    raw = request.form.getlist("proposal")
    ids = [whole_number(x) for x in raw]
    if None in ids:
        abort(400, _("The selected proposals are not valid."))
    return sorted(set(ids))


@bp.route("/staff/drafts/<slug>/merge", methods=["GET", "POST"])
@login_required
@idempotent
def merge(slug: str):
    """Pick accepted proposals, see the merged text and any conflicts, resolve, publish revision N+1."""
    draft = managed(get_draft(slug))
    candidates = queries.mergeable_proposals(draft)
    labels = queries.clause_labels(draft, (p.clause_key for p in candidates))

    def page(items=None, selected=(), texts=None, status=200):
        return render_template("review/merge.html", draft=draft, candidates=candidates, items=items,
                               selected=list(selected), form_texts=texts or {}, labels=labels,
                               planned=items is not None,
                               clauses=queries.cached_clauses(queries.current_revision(draft))), status

    if request.method == "GET":
        return page()
    ids = _selected_ids()
    items = merging.plan_merge(draft, ids)
    if request.form.get("step") != "publish":
        return page(items, ids)
    texts = {item.key: request.form.get(f"text::{item.key}", "") for item in items}
    deletions = {item.key for item in items if request.form.get(f"delete::{item.key}")}
    edit_key, edit_text = request.form.get("edit_key", ""), request.form.get("edit_text", "")
    edits = {edit_key: edit_text} if edit_key and edit_text.strip() else {}
    try:
        revision = merging.publish_merge(current_user, draft, ids, texts=texts, deletions=deletions,
                                         edits=edits, note=request.form.get("note", ""))
    except RuleError as exc:
        if exc.status not in (400, 409, 413):
            raise
        db.session.rollback()
        flash(exc.message, "error")
        return page(items, ids, texts, exc.status)
    db.session.commit()
    flash(_("Revision %(n)d was published.", n=revision.number))
    return redirect(diff_path(slug, revision.number - 1, revision.number))
