"""Organisation positions: an organisation states its position on a draft once; its members and
supporters sign on to it instead of posting copies. One sign-on per person (a unique constraint);
publishing and signing follow the same rules as commenting (an account, no block, an open
consultation)."""
from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import queries
from app.extensions import db
from app.models import Draft, Position, PositionSignature, User
from app.services.audit import audit
from app.services.rules import (
    MAX_COMMENT_CHARS,
    RuleError,
    check_can_take_part,
    check_respondent,
    clean_text,
)

MAX_TITLE_CHARS = 200


def publish(user: User, draft: Draft, *, respondent_type: str, organisation: str, title: str,
            body: str) -> Position:
    """:raise RuleError: the person may not take part now, or the organisation is not named."""
    check_can_take_part(user, draft)
    if respondent_type == "citizen":
        raise RuleError(_("A position speaks for an organisation: choose what kind it is."), field="respondent_type")
    respondent_type, organisation = check_respondent(respondent_type, organisation)
    position = Position(draft_id=draft.id, author_id=user.id, respondent_type=respondent_type,
                        organisation=organisation, title=clean_text(title, _l("The title"), MAX_TITLE_CHARS),
                        body=clean_text(body, _l("The position"), MAX_COMMENT_CHARS))
    db.session.add(position)
    db.session.flush()
    audit(user, "position.publish", f"position:{position.id}", organisation)
    return position


def sign(user: User, position: Position, draft: Draft, *, show_name: bool) -> PositionSignature:
    """Sign on once; the database refuses a second sign-on, also when two arrive at once.

    :raise RuleError: 409 when already signed; as ``check_can_take_part`` otherwise."""
    check_can_take_part(user, draft)
    if not queries.is_public(position):
        raise RuleError(_("This contribution is already hidden."), 409)
    signature = PositionSignature(position_id=position.id, user_id=user.id, show_name=bool(show_name))
    try:
        with db.session.begin_nested():
            db.session.add(signature)
    except IntegrityError:
        raise RuleError(_("You have already signed this position."), 409) from None
    return signature


def signatories(position_ids: list[int]) -> dict[int, int]:
    """How many people signed each position."""
    if not position_ids:
        return {}
    counts = dict(db.session.execute(select(PositionSignature.position_id, func.count())
                                     .where(PositionSignature.position_id.in_(position_ids))
                                     .group_by(PositionSignature.position_id)).all())
    return {i: counts.get(i, 0) for i in position_ids}


def shown_names(position: Position, limit: int = 500) -> list[str]:
    """The names of the signatories who chose to show them, first signed first."""
    return list(db.session.scalars(select(User.display_name).join(PositionSignature,
                                                                 PositionSignature.user_id == User.id)
                                   .where(PositionSignature.position_id == position.id,
                                          PositionSignature.show_name.is_(True), User.deleted_at.is_(None))
                                   .order_by(PositionSignature.id).limit(limit)))


def public_rows(draft: Draft, batch: int = 1000) -> Iterator[dict]:
    """The draft's visible positions for the open data (the API and the export): each with how many
    signed it, never who published it or anyone's email."""
    signed = (select(func.count()).where(PositionSignature.position_id == Position.id)
              .correlate(Position).scalar_subquery())
    query = (select(Position, signed).where(Position.draft_id == draft.id, queries.public(Position))
             .order_by(Position.id).execution_options(yield_per=batch))
    for p, count in db.session.execute(query):
        yield {"id": p.id, "respondent_type": p.respondent_type, "organisation": p.organisation, "title": p.title,
               "body": p.body, "signatories": count, "created_at": p.created_at}


def has_signed(user: User | None, position: Position) -> bool:
    return user is not None and db.session.scalar(select(PositionSignature.id).where(
        PositionSignature.position_id == position.id, PositionSignature.user_id == user.id)) is not None

