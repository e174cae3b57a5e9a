"""What the views share: finding what a request names (or answering 404/403), request arguments
read strictly, and who is rate-limited how."""
from __future__ import annotations

import re

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, bindparam
from werkzeug.datastructures import FileStorage

from app import queries
from app.extensions import db
from app.models import (
    RESPONDENT_TYPES,
    BudgetProject,
    BudgetRound,
    Clause,
    Comment,
    Draft,
    Proposal,
    Revision,
)
from app.security import MAX_ID
from app.services.rules import authorize

_NUMBER = re.compile(r"[0-9]{1,6}")
_ID = re.compile(r"[0-9]{1,10}")


def whole_number(raw: str | None, limit: int = MAX_ID) -> int | None:
    """``raw`` as a whole number from 0 to ``limit``, or None. ``str.isdigit`` is not enough: it
    accepts "²" and other digits ``int`` refuses, and numbers beyond what the database stores."""
    if raw is None or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= limit else None


def room_for_attachments() -> None:
    """Posting a comment or proposal may bring files: the public form limit plus room for them."""
    config = current_app.config
    request.max_content_length = (config["MAX_CONTENT_LENGTH"]
                                  + config["ATTACHMENT_MAX_BYTES"] * config["ATTACHMENTS_PER_CONTRIBUTION"])


def uploaded(field) -> list[tuple[str, object]]:
    """(file name, stream) of each file a form's file field received; text sent in its place is no file."""
    return [(item.filename or "", item.stream) for item in (field.data or []) if isinstance(item, FileStorage)]


def respondent_filter() -> str:
    """?respondent_type= of a list of comments or proposals: "" for all. :raise 400: an unknown type."""
    value = request.args.get("respondent_type", "")
    if value and value not in RESPONDENT_TYPES:
        abort(400, _("Unknown respondent type."))
    return value


def get_draft(slug: str) -> Draft:
    """:raise 404: if there is no such draft or the reader may not see it yet."""
    draft = queries.draft_for(current_user, slug)
    if draft is None:
        abort(404)
    return draft


def get_draft_and_clause(slug: str, key: str | None) -> tuple[Draft, Clause | None]:
    """The draft as ``get_draft`` finds it and, if ``key`` is given, that clause of its current
    revision (None when it has no such clause), in one statement: what a post on a clause needs."""
    if not key:
        return get_draft(slug), None
    drafts = queries.drafts_for(current_user)
    # the statement of every post on a clause by a citizen is built once: made anew for each post,
    # building it and working out its cache key cost more than running it
    statement = _PUBLISHED_DRAFT_AND_CLAUSE if drafts is queries.PUBLISHED_DRAFTS else _with_clause(drafts)
    row = db.session.execute(statement, {"slug": slug, "key": key}).first()
    if row is None:
        abort(404)
    return row[0], row[1]


def _with_clause(drafts):
    current = and_(Revision.draft_id == Draft.id, Revision.number == Draft.current_revision_number)
    return drafts.add_columns(Clause).where(Draft.slug == bindparam("slug")).outerjoin(Revision, current) \
        .outerjoin(Clause, and_(Clause.revision_id == Revision.id, Clause.key == bindparam("key")))


_PUBLISHED_DRAFT_AND_CLAUSE = _with_clause(queries.PUBLISHED_DRAFTS)


def draft_of(item: Comment | Proposal) -> Draft:
    """The draft a loaded comment or proposal belongs to. :raise 404: if the reader may not see it."""
    draft = db.session.get(Draft, item.draft_id)
    if draft is None or not queries.may_see(current_user, draft):
        abort(404)
    return draft


def managed(draft: Draft) -> Draft:
    """:raise 403: unless the user is staff of the draft's agency (or an admin)."""
    authorize(current_user, draft)
    return draft


def get_round(slug: str) -> BudgetRound:
    """:raise 404: if there is no such initiative budget round."""
    found = queries.budget_round(slug)
    if found is None:
        abort(404)
    return found


def round_project(budget_round: BudgetRound, raw_id: str | None) -> BudgetProject:
    """:raise 404: unless ``raw_id`` names a project of the round."""
    project = db.session.get(BudgetProject, int(raw_id)) if raw_id and _NUMBER.fullmatch(raw_id) else None
    if project is None or project.round_id != budget_round.id:
        abort(404, _("This project is not part of this round."))
    return project


def get_revision(draft: Draft, number: int | None) -> Revision:
    """:raise 404: if the draft has no such revision (0 included)."""
    revision = queries.revision_by_number(draft, draft.current_revision_number if number is None else number)
    if revision is None:
        abort(404, _("This draft has no revision %(n)d.", n=number))
    return revision


def get_clause(revision: Revision, eid: str):
    clause = queries.find_clause(revision, eid=eid)
    if clause is None:
        abort(404)
    return clause


def visible_comment(comment_id: int) -> Comment:
    """:raise 404: no such comment, or it is not public."""
    comment = db.session.get(Comment, comment_id)
    if not queries.is_public(comment):
        abort(404)
    return comment


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not _NUMBER.fullmatch(raw) or int(raw) == 0:
        abort(400, _("The page number must be a positive whole number."))
    return int(raw)


def number_arg(name: str) -> int | None:
    """:raise 400: unless the query argument is absent or a whole number."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not _NUMBER.fullmatch(raw):
        abort(400, _("“%(name)s” must be a revision number, such as 1 or 2.", name=name))
    return int(raw)


def choice_arg(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, allowed[0])
    if value not in allowed:
        abort(400, _("“%(name)s” must be one of: %(allowed)s.", name=name, allowed=", ".join(a for a in allowed if a)))
    return value


def valid(form):
    """:raise 400: with the form's own error messages."""
    if not form.validate():
        abort(400, "; ".join(str(e) for field in form for e in field.errors))
    return form


def user_or_address() -> str:
    """Rate-limit people by account, and anonymous requests by address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def comment_limit() -> str:
    return current_app.config.get("COMMENT_RATE_LIMIT", "20/minute;200/day")
