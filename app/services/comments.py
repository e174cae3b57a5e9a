"""Comments: on a clause (optionally quoting a phrase of it), on the whole draft or a proposal, and
replies; edits keep the earlier text."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import drafts
from app import queries
from app.activity import touch_activity
from app.clock import utcnow
from app.extensions import db
from app.labels import N_
from app.models import Clause, Comment, CommentVersion, Draft, User
from app.search import outbox as search_outbox
from app.search.documents import comment_doc
from app.services import attachments, notifications, receipts
from app.services.rules import (
    MAX_COMMENT_CHARS,
    RuleError,
    check_can_take_part,
    check_respondent,
    check_stance,
    clean_text,
)


def add_comment(user: User, draft: Draft, *, body: str, clause_key: str | None = None,
                parent: Comment | None = None, stance: str | None = None, quote: str | None = None,
                proposal_id: int | None = None, now: datetime | None = None, respondent_type: str = "citizen",
                organisation: str = "", files: Sequence[attachments.Upload] = (),
                clause: Clause | None = None) -> Comment:
    """Comment on a clause (optionally quoting a phrase of it), on the whole draft, or reply; as a
    citizen or for an organisation (``respondent_type``, ``organisation``); with checked ``files``.
    ``clause``: the clause of ``clause_key`` in the current revision, when the caller has read it."""
    check_can_take_part(user, draft, now)
    respondent_type, organisation = check_respondent(respondent_type, organisation)
    body = clean_text(body, _l("The comment"), MAX_COMMENT_CHARS)
    stance = check_stance(stance)
    if parent is not None:
        if parent.draft_id != draft.id or not queries.is_public(parent):
            raise RuleError(_("You can only reply to a visible comment of this draft."), 404)
        clause_key, proposal_id = parent.clause_key, parent.proposal_id
        quote = None
    if clause_key and (clause is None or clause.key != clause_key):
        clause = queries.find_clause(draft, key=clause_key)
        if clause is None:
            raise RuleError(_("That clause is not part of the current revision."), 404)
    revision_id = clause.revision_id if clause_key else queries.current_revision(draft).id
    comment = Comment(draft_id=draft.id, revision_id=revision_id, clause_key=clause_key or None,
                      parent_id=parent.id if parent else None, proposal_id=proposal_id,
                      root_id=(parent.root_id or parent.id) if parent else None, author_id=user.id, body=body,
                      stance=stance, respondent_type=respondent_type, organisation=organisation)
    if clause_key:
        if quote and quote.strip():
            selector = drafts.quote_from_exact(clause.text, quote.strip())
            if selector is None:
                raise RuleError(_("The quoted phrase was not found in the clause; copy it exactly."))
            comment.quote_exact, comment.quote_prefix = selector.exact, selector.prefix
            comment.quote_suffix, comment.quote_start = selector.suffix, selector.start
    elif quote and quote.strip():
        raise RuleError(_("A quote must come from a clause."))
    db.session.add(comment)
    db.session.flush()
    attachments.attach(user, comment, files)
    search_outbox.enqueue("comment", comment.id,
                          doc=comment_doc(comment, draft.language, clause.label if clause_key else None))
    touch_activity(draft)
    receipts.confirm(user.id, draft, comment)
    if parent is not None and parent.author_id != user.id:
        notifications.notify(parent.author_id, draft, "comment.reply", N_("%(name)s replied to your comment."),
                             notifications.comment_link(draft, comment), email={"kind": "reply", "name": user.display_name},
                             params={"name": user.display_name})
    return comment


def edit_comment(user: User, comment: Comment, *, body: str, stance: str | None,
                 now: datetime | None = None) -> Comment:
    """Edit one's own comment while the consultation is open; the earlier text is kept."""
    if comment.author_id != user.id:
        raise RuleError(_("You can only edit your own comments."), 403)
    draft = db.session.get(Draft, comment.draft_id)
    check_can_take_part(user, draft, now)
    body = clean_text(body, _l("The comment"), MAX_COMMENT_CHARS)
    stance = check_stance(stance)
    if body == comment.body and stance == comment.stance:
        return comment
    db.session.add(CommentVersion(comment_id=comment.id, body=comment.body, stance=comment.stance,
                                  created_at=comment.edited_at or comment.created_at))
    comment.body, comment.stance = body, stance
    comment.edited_at = comment.updated_at = utcnow()
    search_outbox.enqueue("comment", comment.id)
    return comment
