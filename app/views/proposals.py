"""Amendment proposals, for citizens: propose new wording, vote, discuss, withdraw."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import queries
from app.extensions import db, limiter
from app.labels import RESPONDENT_GROUPS
from app.models import Comment, Proposal
from app.services import attachments, comments, proposals, receipts, votes
from app.services.rules import RuleError
from app.views import humans, pages
from app.views.common import (
    comment_limit,
    get_clause,
    get_draft,
    page_number,
    respondent_filter,
    room_for_attachments,
    uploaded,
    user_or_address,
    whole_number,
)
from app.views.forms import (
    STATUS_LABELS,
    CommentForm,
    ProposalForm,
    VoteForm,
    WithdrawForm,
    error_status,
)
from app.views.idempotency import idempotent
from drafts.diff import word_diff

bp = Blueprint("proposals", __name__)


@bp.before_request
def _room_for_files():
    if request.endpoint == "proposals.propose":
        room_for_attachments()


@bp.route("/drafts/<slug>/clauses/<eid>/propose", methods=["GET", "POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address, methods=["POST"])
@idempotent
def propose(slug: str, eid: str):
    """Propose new wording for a clause; "Preview" shows the word-level change before sending."""
    draft = get_draft(slug)
    clause = get_clause(queries.current_revision(draft), eid)
    form = ProposalForm()

    def page(ops=None, status=200):
        return render_template("proposals/propose.html", draft=draft, clause=clause, form=form, ops=ops), status

    if request.method == "GET":
        form.proposed_text.data = clause.text
        return page()
    humans.check()
    if not form.validate():
        return page(status=error_status(form))
    action, text = form.action.data, (form.proposed_text.data or "").replace("\r\n", "\n").strip()
    ops = word_diff(clause.text if action == "replace" else "", "" if action == "delete" else text)
    try:
        files = attachments.check_uploads(uploaded(form.attachments))
        if "send" not in request.form:  # a preview cannot keep the files: the browser sends them again
            if files:
                form.attachments.errors = [_("Choose your files again before sending: a preview does not keep them.")]
            return page(ops)
        proposal = proposals.propose(current_user, draft, clause.key, action=action, proposed_text=text,
                                     rationale=form.rationale.data, respondent_type=form.respondent_type.data,
                                     organisation=form.organisation.data, files=files)
    except RuleError as exc:
        if exc.field == "attachments":
            form.attachments.errors = [*form.attachments.errors, exc.message]
            return page(ops, exc.status)
        if exc.status in (400, 413):
            form.proposed_text.errors = [*form.proposed_text.errors, exc.message]
            return page(ops, exc.status)
        raise
    db.session.commit()
    flash(_("Your proposal was published. Others can now vote on it."))
    flash(_("Its receipt number is %(receipt)s. Keep it: it finds your input again.",
            receipt=receipts.number("proposal", proposal.id)))
    return redirect(url_for("proposals.proposal", slug=slug, proposal_id=proposal.id))


@bp.route("/drafts/<slug>/proposals")
def proposal_list(slug: str):
    """All proposals on a draft, filterable by status and respondent type (with the count of each type)."""
    draft = get_draft(slug)
    status = request.args.get("status", "")
    if status and status not in STATUS_LABELS:
        abort(400, _("Unknown status filter."))
    respondent = respondent_filter()
    query = select(Proposal).where(Proposal.draft_id == draft.id, queries.public(Proposal))
    if status:
        query = query.where(Proposal.status == status)
    if respondent:
        query = query.where(Proposal.respondent_type == respondent)
    pagination = db.paginate(query.order_by(Proposal.id.desc()), page=page_number(), per_page=30, error_out=False)
    items = list(pagination.items)
    return render_template("proposals/list.html", draft=draft, pagination=pagination, items=items, status=status,
                           respondent=respondent, groups=RESPONDENT_GROUPS,
                           respondent_counts=queries.respondent_counts(Proposal, Proposal.draft_id == draft.id),
                           labels=STATUS_LABELS, votes=queries.proposal_votes([p.id for p in items]),
                           clause_labels=queries.clause_labels(draft, (p.clause_key for p in items)))


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>")
def proposal(slug: str, proposal_id: int):
    """One proposal: the change it makes, its votes, its discussion and staff's decision."""
    return pages.proposal_page(slug, proposal_id)


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>/vote", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def vote(slug: str, proposal_id: int):
    """Vote for or against a proposal (changeable while it is open)."""
    proposal, _draft = pages.get_proposal(slug, proposal_id)
    form = VoteForm()
    if not form.validate():
        abort(400, _("Choose for or against."))
    votes.vote_proposal(current_user, proposal, int(form.value.data))
    db.session.commit()
    flash(_("Your vote was recorded."))
    return redirect(url_for("proposals.proposal", slug=slug, proposal_id=proposal_id, _anchor="vote"))


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>/comments", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
@idempotent
def comment(slug: str, proposal_id: int):
    """Discuss a proposal."""
    proposal, draft = pages.get_proposal(slug, proposal_id)
    humans.check()
    form = CommentForm()
    if not form.validate():
        return pages.proposal_page(slug, proposal_id, form=form, status=error_status(form))
    parent = None
    if form.parent_id.data:
        parent_id = whole_number(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id is not None else None
        if parent is None or parent.proposal_id != proposal.id:
            abort(404, _("The comment you replied to does not exist."))
    item = comments.add_comment(current_user, draft, body=form.body.data, clause_key=proposal.clause_key,
                                parent=parent, stance=form.stance.data, proposal_id=proposal.id)
    db.session.commit()
    return redirect(url_for("proposals.proposal", slug=slug, proposal_id=proposal_id, _anchor=f"c{item.id}"))


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(slug: str, proposal_id: int):
    """The author withdraws their own open proposal."""
    proposal, _draft = pages.get_proposal(slug, proposal_id)
    form = WithdrawForm()
    if not form.validate():
        abort(400, _("The reason is too long."))
    proposals.withdraw(current_user, proposal, form.reason.data or "")
    db.session.commit()
    flash(_("Your proposal was withdrawn."))
    return redirect(url_for("proposals.proposal", slug=slug, proposal_id=proposal_id))
