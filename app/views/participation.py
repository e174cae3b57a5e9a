"""Taking part: comment on a clause or the whole draft, reply, edit one's comment, vote on a clause."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import queries
from app.extensions import db, limiter
from app.models import Clause, Comment, Draft
from app.services import attachments, comments, receipts, votes
from app.services.rules import RuleError
from app.views import humans, idempotency, pages
from app.views.common import (
    comment_limit,
    draft_of,
    get_clause,
    get_draft,
    get_draft_and_clause,
    room_for_attachments,
    uploaded,
    user_or_address,
    visible_comment,
    whole_number,
)
from app.views.forms import CommentForm, EditForm, VoteForm, error_status

bp = Blueprint("participation", __name__)


@bp.before_request
def _room_for_files():
    if request.endpoint == "participation.post_comment":
        room_for_attachments()


@bp.route("/drafts/<slug>/comments", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
@idempotency.idempotent
def post_comment(slug: str):
    """Post a comment on a clause or the whole draft, or a reply."""
    form = CommentForm()
    clause_key = form.clause_key.data or None
    draft, clause = get_draft_and_clause(slug, clause_key)
    humans.check()
    if clause_key and clause is None:
        abort(404, _("That clause is not part of the current revision."))
    parent = None
    if form.parent_id.data:
        parent_id = whole_number(form.parent_id.data)
        if parent_id is None:
            abort(400, _("The comment you replied to is not valid."))
        parent = db.session.get(Comment, parent_id)
        if not queries.is_public(parent) or parent.draft_id != draft.id:
            abort(404, _("The comment you replied to does not exist."))

    def again(status: int):
        if clause is not None:
            return pages.clause_page(slug, clause.eid, form=form, status=status)
        return pages.draft_comments_page(slug, form=form, status=status)

    if not form.validate():
        return again(error_status(form))
    try:
        files = attachments.check_uploads(uploaded(form.attachments))
        comment = comments.add_comment(current_user, draft, body=form.body.data, clause_key=clause_key,
                                       parent=parent, stance=form.stance.data, quote=form.quote.data,
                                       respondent_type=form.respondent_type.data, organisation=form.organisation.data,
                                       files=files, clause=clause)
    except RuleError as exc:
        if exc.field == "attachments":  # keep what they wrote; say which file and why
            form.attachments.errors = [*form.attachments.errors, exc.message]
            return again(exc.status)
        if exc.status == 400 and clause is not None:  # e.g. a quote not found: keep what they wrote
            form.quote.errors = [*form.quote.errors, exc.message]
            return again(400)
        raise
    # what the answer needs is read before the commit expires it, and stored with the idempotency key
    location, receipt = comment_url(draft, comment, clause), receipts.number("comment", comment.id)
    idempotency.answer(location)
    db.session.commit()
    flash(_("Your comment was published."))
    flash(_("Its receipt number is %(receipt)s. Keep it: it finds your input again.", receipt=receipt))
    return redirect(location)


def comment_url(draft: Draft, comment: Comment, clause: Clause | None = None) -> str:
    """Where a comment is shown; ``clause``, its clause in the comment's revision, when known."""
    if comment.parent_id:
        return url_for("reading.comment", slug=draft.slug, comment_id=comment.root_id, _anchor=f"c{comment.id}")
    if comment.clause_key:
        eid = clause.eid if clause is not None and clause.revision_id == comment.revision_id \
            else queries.clause_eid(comment.revision_id, comment.clause_key)
        return url_for("reading.clause", slug=draft.slug, eid=eid, _anchor=f"c{comment.id}")
    return url_for("reading.draft_comments", slug=draft.slug, _anchor=f"c{comment.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    """Edit one's own comment while the consultation is open."""
    comment = visible_comment(comment_id)
    draft = draft_of(comment)
    if comment.author_id != current_user.id:
        abort(403, _("You can only edit your own comments."))
    form = EditForm(obj=comment)  # on POST the submitted data wins over the stored comment
    if form.validate_on_submit():
        comments.edit_comment(current_user, comment, body=form.body.data, stance=form.stance.data)
        db.session.commit()
        flash(_("Your comment was updated. Earlier versions stay visible."))
        return redirect(comment_url(draft, comment))
    status = error_status(form) if form.is_submitted() else 200
    return render_template("participation/edit.html", form=form, comment=comment, draft=draft), status


@bp.route("/drafts/<slug>/clauses/<eid>/vote", methods=["POST"])
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def vote(slug: str, eid: str):
    """Vote for or against a clause of the current revision (changeable)."""
    draft = get_draft(slug)
    clause = get_clause(queries.current_revision(draft), eid)
    form = VoteForm()
    if not form.validate():
        return pages.clause_page(slug, eid, vote_form=form, status=400)
    votes.vote_clause(current_user, draft, clause.key, int(form.value.data))
    db.session.commit()
    flash(_("Your vote was recorded.") if form.value.data != "0" else _("Your vote was withdrawn."))
    return redirect(url_for("reading.clause", slug=slug, eid=eid, _anchor="vote"))
