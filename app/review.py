"""Staff review: the queue, decisions with public reasons, official answers, merging proposals;
and the public disposition register (HTML and CSV)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import case, func, select
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired

from app import amendments, merging, reading, services
from app.amend import STATUS_LABELS
from app.extensions import db
from app.forms import Form, choices, max_chars
from app.models import Comment, Disposition, Draft, Proposal, ProposalVote, User

bp = Blueprint("review", __name__)

OUTCOMES = choices(("accepted", _l("Accepted")), ("partly_accepted", _l("Partly accepted")),
                   ("noted", _l("Noted")), ("rejected", _l("Rejected")))


class DecisionForm(Form):
    outcome = SelectField(_l("Decision"), choices=OUTCOMES, validators=[InputRequired()])
    reason = TextAreaField(_l("Public reason"), validators=[
        InputRequired(_l("Every decision needs a public reason.")),
        max_chars(amendments.MAX_REASON_CHARS, _l("At most %(limit)d characters."))])


class AnswerForm(Form):
    body = TextAreaField(_l("Official answer"), validators=[
        InputRequired(_l("Write the answer.")), max_chars(services.MAX_COMMENT_CHARS, _l("At most %(limit)d characters."))])


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


def managed_draft(slug: str) -> Draft:
    """:raise 404: unknown draft. :raise 403: the user is not staff of its agency."""
    draft = reading.get_draft(slug)
    if not current_user.can_manage(draft):
        abort(403, _("Only staff of the draft's agency can do this."))
    return draft


def _valid(form: Form) -> Form:
    """:raise 400: with the form's own error messages."""
    if not form.validate():
        abort(400, "; ".join(str(e) for field in form for e in field.errors))
    return form


def staff_comment(comment_id: int) -> tuple[Comment, Draft]:
    """:raise 404: no such visible comment. :raise 403: not staff of its draft's agency."""
    item = db.session.get(Comment, comment_id)
    if item is None or item.status != "visible":
        abort(404)
    return item, managed_draft(db.session.get(Draft, item.draft_id).slug)


@bp.route("/staff/drafts/<slug>/review")
@login_required
def queue(slug: str):
    """Proposals and comments to review, filterable by clause, status and support, sortable by votes."""
    draft = managed_draft(slug)
    kind = request.args.get("kind", "proposals")
    clause_key = request.args.get("clause", "")
    status = request.args.get("status", "")
    sort = request.args.get("sort", "votes")
    min_support = request.args.get("min_support", "")
    if kind not in ("proposals", "comments") or sort not in ("votes", "newest") or \
            (min_support and not min_support.lstrip("-").isdigit()):
        abort(400, _("Unknown filter."))
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
        query = query.order_by(support.desc(), Proposal.id) if sort == "votes" else query.order_by(Proposal.id.desc())
    else:
        decided = select(Disposition.comment_id).where(Disposition.comment_id.is_not(None))
        query = select(Comment, Comment.id.label("support")).where(
            Comment.draft_id == draft.id, Comment.status == "visible", Comment.is_official.is_(False))
        if status == "undecided":
            query = query.where(Comment.id.not_in(decided))
        elif status == "decided":
            query = query.where(Comment.id.in_(decided))
        elif status:
            abort(400, _("Unknown filter."))
        if clause_key:
            query = query.where(Comment.clause_key == clause_key)
        query = query.order_by(Comment.created_at.desc())
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pagination = Page(reading.page_number(), 30, total)
    rows = db.session.execute(query.limit(30).offset((pagination.page - 1) * 30)).all()
    clauses = reading.cached_clauses(services.current_revision(draft))
    ids = [row[0].id for row in rows]
    decisions = {}
    if kind == "comments" and ids:
        decisions = {d.comment_id: d for d in db.session.scalars(select(Disposition).where(Disposition.comment_id.in_(ids)))}
    return render_template("review/queue.html", draft=draft, rows=rows, kind=kind, clause_key=clause_key,
                           status=status, sort=sort, min_support=min_support, pagination=pagination,
                           clauses=clauses, labels=STATUS_LABELS, decisions=decisions, form=DecisionForm(),
                           votes=amendments.proposal_votes(ids) if kind == "proposals" else {},
                           clause_labels={c["key"]: c["label"] for c in clauses})


@bp.route("/staff/proposals/<int:proposal_id>/decide", methods=["POST"])
@login_required
def decide(proposal_id: int):
    """Accept, partly accept, note or reject a proposal with a public reason."""
    proposal = db.session.get(Proposal, proposal_id) or abort(404)
    draft = managed_draft(db.session.get(Draft, proposal.draft_id).slug)
    form = _valid(DecisionForm())
    amendments.decide_proposal(current_user, proposal, form.outcome.data, form.reason.data)
    db.session.commit()
    flash(_("The decision on proposal #%(id)d was published.", id=proposal.id))
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/staff/") else
                    url_for("review.queue", slug=draft.slug))


@bp.route("/staff/comments/<int:comment_id>")
@login_required
def comment(comment_id: int):
    """A comment as staff see it: decide on it and answer it officially."""
    item, draft = staff_comment(comment_id)
    disposition = db.session.scalar(select(Disposition).where(Disposition.comment_id == item.id))
    form = DecisionForm(obj=disposition) if disposition else DecisionForm()
    return render_template("review/comment.html", draft=draft, item=item, disposition=disposition,
                           form=form, answer_form=AnswerForm())


@bp.route("/staff/comments/<int:comment_id>/dispose", methods=["POST"])
@login_required
def dispose(comment_id: int):
    """Record staff's decision on a comment, with a public reason."""
    item, _draft = staff_comment(comment_id)
    form = _valid(DecisionForm())
    amendments.dispose_comment(current_user, item, form.outcome.data, form.reason.data)
    db.session.commit()
    flash(_("The decision was published in the register."))
    return redirect(url_for("review.comment", comment_id=comment_id))


@bp.route("/staff/comments/<int:comment_id>/answer", methods=["POST"])
@login_required
def answer(comment_id: int):
    """Post an official answer, shown as such under the comment."""
    item, draft = staff_comment(comment_id)
    form = _valid(AnswerForm())
    reply = amendments.official_answer(current_user, item, form.body.data)
    db.session.commit()
    return redirect(url_for("reading.comment", slug=draft.slug, comment_id=reply.root_id, _anchor=f"c{reply.id}"))


def _selected_ids() -> list[int]:
    raw = request.form.getlist("proposal")
    if any(not x.isdigit() for x in raw):
        abort(400, _("The selected proposals are not valid."))
    return sorted({int(x) for x in raw})


@bp.route("/staff/drafts/<slug>/merge", methods=["GET", "POST"])
@login_required
def merge(slug: str):
    """Pick accepted proposals, see the merged text and any conflicts, resolve, publish revision N+1."""
    draft = managed_draft(slug)
    candidates = merging.mergeable_proposals(draft)
    if request.method == "GET":
        return render_template("review/merge.html", draft=draft, candidates=candidates, items=None, selected=[],
                               labels={p.clause_key: amendments.clause_label(draft, p.clause_key) for p in candidates})
    ids = _selected_ids()
    items = merging.plan_merge(draft, ids)
    if request.form.get("step") == "publish":
        texts = {item.key: request.form.get(f"text::{item.key}", "") for item in items}
        deletions = {item.key for item in items if request.form.get(f"delete::{item.key}")}
        edit_key, edit_text = request.form.get("edit_key", ""), request.form.get("edit_text", "")
        edits = {edit_key: edit_text} if edit_key and edit_text.strip() else {}
        try:
            revision = merging.publish_merge(current_user, draft, ids, texts=texts, deletions=deletions,
                                             edits=edits, note=request.form.get("note", ""))
        except services.RuleError as exc:
            if exc.status in (400, 409, 413):
                flash(exc.message, "error")
                return render_template("review/merge.html", draft=draft, candidates=candidates, items=items,
                                       selected=ids, form_texts=texts, labels={}, planned=True,
                                       clauses=reading.cached_clauses(services.current_revision(draft))), exc.status
            raise
        db.session.commit()
        flash(_("Revision %(n)d was published.", n=revision.number))
        return redirect(f"/drafts/{slug}/diff?from={revision.number - 1}&to={revision.number}")
    return render_template("review/merge.html", draft=draft, candidates=candidates, items=items, selected=ids,
                           form_texts={}, labels={}, planned=True,
                           clauses=reading.cached_clauses(services.current_revision(draft)))


# --- the public register of dispositions ----------------------------------------------------

def register_rows(draft: Draft) -> list[dict]:
    """Every decision on this draft's comments and proposals, oldest first."""
    labels = {}
    rows = []
    query = (select(Disposition, Comment, Proposal, User.display_name)
             .outerjoin(Comment, Comment.id == Disposition.comment_id)
             .outerjoin(Proposal, Proposal.id == Disposition.proposal_id)
             .join(User, User.id == func.coalesce(Comment.author_id, Proposal.author_id))
             .where(Disposition.draft_id == draft.id, case((Comment.id.is_not(None), Comment.status == "visible"),
                                                          else_=Proposal.hidden.is_(False)))
             .order_by(Disposition.created_at, Disposition.id))
    for d, c, p, author in db.session.execute(query):
        key = c.clause_key if c else p.clause_key
        if key and key not in labels:
            labels[key] = amendments.clause_label(draft, key)
        rows.append({"type": "comment" if c else "proposal", "id": (c or p).id,
                     "clause": labels.get(key, "") if key else "", "clause_key": key or "", "author": author,
                     "input": (c.body if c else f"{p.proposed_text}\n\n{p.rationale}".strip()),
                     "outcome": d.outcome, "reason": d.reason, "decided_at": d.updated_at})
    return rows


@bp.route("/drafts/<slug>/dispositions")
def register(slug: str):
    """The public register: what staff decided on each comment and proposal, and why."""
    draft = reading.get_draft(slug)
    return render_template("review/register.html", draft=draft, rows=register_rows(draft))


def spreadsheet_safe(value: str) -> str:
    """Cells starting with = + - @ (or tab/CR) are formulas to spreadsheets: prefix a quote."""
    return "'" + value if value and value[0] in "=+-@\t\r" else value


@bp.route("/drafts/<slug>/dispositions.csv")
def register_csv(slug: str):
    """The register as CSV, safe to open in a spreadsheet."""
    draft = reading.get_draft(slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["type", "id", "clause", "clause_key", "author", "input", "outcome", "reason", "decided_at"])
    for row in register_rows(draft):
        writer.writerow([spreadsheet_safe(str(row[k])) if isinstance(row[k], str) else row[k]
                         for k in ("type", "id", "clause", "clause_key", "author", "input", "outcome", "reason")]
                        + [row["decided_at"].isoformat()])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{draft.slug}-dispositions.csv"'})
