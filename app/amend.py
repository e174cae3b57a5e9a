"""Amendment proposals, for citizens: propose new wording, vote, discuss, withdraw."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from drafts.diff import word_diff
from app import amendments, reading, services
from app.extensions import db, limiter
from app.forms import Form, choices, max_chars
from app.models import Clause, Comment, Disposition, Proposal
from app.participation import CommentForm, VoteForm, _comment_limit, user_or_address

bp = Blueprint("amend", __name__)

STATUS_LABELS = {"open": _l("open"), "accepted": _l("accepted"), "partly_accepted": _l("partly accepted"),
                 "rejected": _l("rejected"), "withdrawn": _l("withdrawn"), "superseded": _l("superseded")}


class ProposalForm(Form):
    action = RadioField(_l("What do you propose?"), default="replace", choices=choices(
        ("replace", _l("New wording for this clause")), ("insert_after", _l("A new clause after this one")),
        ("delete", _l("Delete this clause"))), validators=[InputRequired()])
    proposed_text = TextAreaField(_l("Proposed text"), validators=[
        Optional(), max_chars(amendments.MAX_PROPOSAL_CHARS, _l("At most %(limit)d characters."))])
    rationale = TextAreaField(_l("Why? (rationale)"), validators=[
        InputRequired(_l("Please explain why.")), max_chars(amendments.MAX_REASON_CHARS, _l("At most %(limit)d characters."))])


class WithdrawForm(Form):
    reason = TextAreaField(_l("Reason (optional, shown publicly)"), validators=[
        Optional(), max_chars(amendments.MAX_REASON_CHARS, _l("At most %(limit)d characters."))])


def get_proposal(slug: str, proposal_id: int) -> tuple[Proposal, object]:
    """:raise 404: no such visible proposal on this (visible) draft."""
    draft = reading.get_draft(slug)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.draft_id != draft.id or proposal.hidden:
        abort(404)
    return proposal, draft


def _current_clause(draft, eid: str) -> Clause:
    clause = db.session.scalar(select(Clause).where(
        Clause.revision_id == services.current_revision(draft).id, Clause.eid == eid))
    if clause is None:
        abort(404)
    return clause


@bp.route("/drafts/<slug>/clauses/<eid>/propose", methods=["GET", "POST"])
@login_required
@limiter.limit(_comment_limit, key_func=user_or_address, methods=["POST"])
def propose(slug: str, eid: str):
    """Propose new wording for a clause; "Preview" shows the word-level change before sending."""
    draft = reading.get_draft(slug)
    clause = _current_clause(draft, eid)
    form = ProposalForm()
    if request.method == "GET":
        form.proposed_text.data = clause.text
        return render_template("amend/propose.html", draft=draft, clause=clause, form=form, ops=None)
    if not form.validate():
        status = 413 if any("At most" in str(e) for f in form for e in f.errors) else 400
        return render_template("amend/propose.html", draft=draft, clause=clause, form=form, ops=None), status
    action, text = form.action.data, (form.proposed_text.data or "").replace("\r\n", "\n").strip()
    ops = word_diff(clause.text if action == "replace" else "", "" if action == "delete" else text)
    if "send" not in request.form:
        return render_template("amend/propose.html", draft=draft, clause=clause, form=form, ops=ops)
    try:
        proposal = amendments.propose(current_user, draft, clause.key, action=action, proposed_text=text,
                                      rationale=form.rationale.data)
    except services.RuleError as exc:
        if exc.status in (400, 413):
            form.proposed_text.errors = [*form.proposed_text.errors, exc.message]
            return render_template("amend/propose.html", draft=draft, clause=clause, form=form, ops=ops), exc.status
        abort(exc.status, exc.message)
    db.session.commit()
    flash(_("Your proposal was published. Others can now vote on it."))
    return redirect(url_for("amend.proposal", slug=slug, proposal_id=proposal.id))


@bp.route("/drafts/<slug>/proposals")
def proposals(slug: str):
    """All proposals on a draft, filterable by status."""
    draft = reading.get_draft(slug)
    status = request.args.get("status", "")
    if status and status not in STATUS_LABELS:
        abort(400, _("Unknown status filter."))
    query = select(Proposal).where(Proposal.draft_id == draft.id, Proposal.hidden.is_(False))
    if status:
        query = query.where(Proposal.status == status)
    pagination = db.paginate(query.order_by(Proposal.id.desc()), page=reading.page_number(), per_page=30,
                             error_out=False)
    items = list(pagination.items)
    return render_template("amend/list.html", draft=draft, pagination=pagination, items=items, status=status,
                           labels=STATUS_LABELS, votes=amendments.proposal_votes([p.id for p in items]),
                           clause_labels={p.clause_key: amendments.clause_label(draft, p.clause_key) for p in items})


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>")
def proposal(slug: str, proposal_id: int):
    """One proposal: the change it makes, its votes, its discussion and staff's decision."""
    return render_proposal(slug, proposal_id)


def render_proposal(slug: str, proposal_id: int, *, form=None, status: int = 200):
    proposal, draft = get_proposal(slug, proposal_id)
    base = proposal.base_text
    after = proposal.proposed_text
    current = services.find_clause(services.current_revision(draft), proposal.clause_key)
    pagination, roots, children, extra = reading.comment_threads(draft, proposal.clause_key, reading.page_number(),
                                                                 proposal_id=proposal.id)
    my_vote = None
    if current_user.is_authenticated:
        from app.models import ProposalVote
        my_vote = db.session.scalar(select(ProposalVote.value).where(
            ProposalVote.user_id == current_user.id, ProposalVote.proposal_id == proposal.id))
    disposition = db.session.scalar(select(Disposition).where(Disposition.proposal_id == proposal.id))
    return render_template(
        "amend/proposal.html", draft=draft, proposal=proposal, ops=word_diff(base, after), current=current,
        label=amendments.clause_label(draft, proposal.clause_key), labels=STATUS_LABELS,
        votes=amendments.proposal_votes([proposal.id])[proposal.id], my_vote=my_vote, disposition=disposition,
        pagination=pagination, roots=roots, children=children, form=form or CommentForm(),
        vote_form=VoteForm(), withdraw_form=WithdrawForm(), now=services.now_utc(), **extra), status


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>/vote", methods=["POST"])
@login_required
@limiter.limit(_comment_limit, key_func=user_or_address)
def vote(slug: str, proposal_id: int):
    """Vote for or against a proposal (changeable while it is open)."""
    proposal, draft = get_proposal(slug, proposal_id)
    form = VoteForm()
    if not form.validate():
        abort(400, _("Choose for or against."))
    amendments.vote_proposal(current_user, proposal, int(form.value.data))
    db.session.commit()
    flash(_("Your vote was recorded."))
    return redirect(url_for("amend.proposal", slug=slug, proposal_id=proposal_id, _anchor="vote"))


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>/comments", methods=["POST"])
@login_required
@limiter.limit(_comment_limit, key_func=user_or_address)
def comment(slug: str, proposal_id: int):
    """Discuss a proposal."""
    proposal, draft = get_proposal(slug, proposal_id)
    form = CommentForm()
    if not form.validate():
        return render_proposal(slug, proposal_id, form=form, status=400)
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, int(form.parent_id.data)) if form.parent_id.data.isdigit() else None
        if parent is None or parent.proposal_id != proposal.id:
            abort(404, _("The comment you replied to does not exist."))
    item = services.add_comment(current_user, draft, body=form.body.data, clause_key=proposal.clause_key,
                                parent=parent, stance=form.stance.data, proposal_id=proposal.id)
    db.session.commit()
    return redirect(url_for("amend.proposal", slug=slug, proposal_id=proposal_id, _anchor=f"c{item.id}"))


@bp.route("/drafts/<slug>/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(slug: str, proposal_id: int):
    """The author withdraws their own open proposal."""
    proposal, draft = get_proposal(slug, proposal_id)
    form = WithdrawForm()
    if not form.validate():
        abort(400, _("The reason is too long."))
    amendments.withdraw(current_user, proposal, form.reason.data or "")
    db.session.commit()
    flash(_("Your proposal was withdrawn."))
    return redirect(url_for("amend.proposal", slug=slug, proposal_id=proposal_id))

