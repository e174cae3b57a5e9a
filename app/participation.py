"""Taking part: comment on a clause or the whole draft, reply, edit one's comment, vote."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app import reading, services
from app.extensions import db, limiter
from app.forms import Form, choices, max_chars
from app.models import Clause, Comment, Draft

bp = Blueprint("participation", __name__)

STANCE_CHOICES = choices(("", _l("No stance")), ("for", _l("For")), ("against", _l("Against")),
                         ("neutral", _l("Neutral")))


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[
        InputRequired(_l("Please write your comment.")),
        max_chars(services.MAX_COMMENT_CHARS, _l("A comment can be at most %(limit)d characters long; "
                                                 "yours has %(length)d."))])
    stance = SelectField(_l("Your stance"), choices=STANCE_CHOICES, default="", validate_choice=True)
    quote = StringField(_l("Quote a phrase of the clause (optional)"), validators=[
        Optional(), max_chars(1000, _l("A quote can be at most %(limit)d characters long."))])
    clause_key = HiddenField()
    parent_id = HiddenField()


class VoteForm(Form):
    value = RadioField(_l("Your vote"), choices=choices(("1", _l("For")), ("-1", _l("Against")),
                                                        ("0", _l("Withdraw my vote"))),
                       validators=[InputRequired(_l("Choose for or against."))])


class EditForm(Form):
    body = CommentForm.body
    stance = CommentForm.stance


def user_or_address() -> str:
    """Rate-limit people by account, and anonymous requests by address."""
    from flask import request
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def _comment_limit() -> str:
    from flask import current_app
    return current_app.config.get("COMMENT_RATE_LIMIT", "20/minute;200/day")


@bp.route("/drafts/<slug>/comments", methods=["POST"])
@login_required
@limiter.limit(_comment_limit, key_func=user_or_address)
def post_comment(slug: str):
    """Post a comment on a clause or the whole draft, or a reply."""
    draft = reading.get_draft(slug)
    form = CommentForm()
    clause_key = form.clause_key.data or None
    clause = None
    if clause_key:
        clause = db.session.scalar(select(Clause).where(
            Clause.revision_id == services.current_revision(draft).id, Clause.key == clause_key))
        if clause is None:
            abort(404, _("That clause is not part of the current revision."))
    parent = None
    if form.parent_id.data:
        if not form.parent_id.data.isdigit():
            abort(400, _("The comment you replied to is not valid."))
        parent = db.session.get(Comment, int(form.parent_id.data))
        if parent is None or parent.draft_id != draft.id or parent.status != "visible":
            abort(404, _("The comment you replied to does not exist."))
    if not form.validate():
        too_long = any("at most" in str(e) for e in form.body.errors)
        status = 413 if too_long else 400
        if clause is not None:
            return reading.clause_page(slug, clause.eid, form=form, status=status)
        return reading.draft_comments_page(slug, form=form, status=status)
    try:
        comment = services.add_comment(current_user, draft, body=form.body.data, clause_key=clause_key,
                                       parent=parent, stance=form.stance.data, quote=form.quote.data)
    except services.RuleError as exc:
        if exc.status == 400 and clause is not None:  # e.g. a quote not found: keep what they wrote
            form.quote.errors = [*form.quote.errors, exc.message]
            return reading.clause_page(slug, clause.eid, form=form, status=400)
        raise
    db.session.commit()
    flash(_("Your comment was published."))
    return redirect(comment_url(draft, comment))


def comment_url(draft: Draft, comment: Comment) -> str:
    if comment.parent_id:
        return url_for("reading.comment", slug=draft.slug, comment_id=comment.root_id,
                       _anchor=f"c{comment.id}")
    if comment.clause_key:
        eid = db.session.scalar(select(Clause.eid).where(Clause.revision_id == comment.revision_id,
                                                         Clause.key == comment.clause_key))
        return url_for("reading.clause", slug=draft.slug, eid=eid, _anchor=f"c{comment.id}")
    return url_for("reading.draft_comments", slug=draft.slug, _anchor=f"c{comment.id}")


def _own_comment(comment_id: int) -> tuple[Comment, Draft]:
    """:raise 404: no such visible comment. :raise 403: it is not the current user's."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status != "visible":
        abort(404)
    draft = reading.get_draft(db.session.get(Draft, comment.draft_id).slug)
    if comment.author_id != current_user.id:
        abort(403, _("You can only edit your own comments."))
    return comment, draft


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    """Edit one's own comment while the consultation is open."""
    comment, draft = _own_comment(comment_id)
    form = EditForm(obj=comment)  # on POST the submitted data wins over the stored comment
    if form.validate_on_submit():
        services.edit_comment(current_user, comment, body=form.body.data, stance=form.stance.data)
        db.session.commit()
        flash(_("Your comment was updated. Earlier versions stay visible."))
        return redirect(comment_url(draft, comment))
    status = 200 if not form.is_submitted() else (413 if any("at most" in str(e) for e in form.body.errors) else 400)
    return render_template("participation/edit.html", form=form, comment=comment, draft=draft), status


@bp.route("/drafts/<slug>/clauses/<eid>/vote", methods=["POST"])
@login_required
@limiter.limit(_comment_limit, key_func=user_or_address)
def vote(slug: str, eid: str):
    """Vote for or against a clause of the current revision (changeable)."""
    draft = reading.get_draft(slug)
    clause = db.session.scalar(select(Clause).where(
        Clause.revision_id == services.current_revision(draft).id, Clause.eid == eid))
    if clause is None:
        abort(404)
    form = VoteForm()
    if not form.validate():
        return reading.clause_page(slug, eid, vote_form=form, status=400)
    services.vote_clause(current_user, draft, clause.key, int(form.value.data))
    db.session.commit()
    flash(_("Your vote was recorded.") if form.value.data != "0" else _("Your vote was withdrawn."))
    return redirect(url_for("reading.clause", slug=slug, eid=eid, _anchor="vote"))
