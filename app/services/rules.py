"""The rules every use case shares: the error a broken rule raises, who may manage a draft, who may
take part and when, and the one way text from people is cleaned and bounded."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clock import utcnow
from app.models import RESPONDENT_TYPES, ROLES, STANCES, Draft, User

MAX_COMMENT_CHARS = 5_000
MAX_PROPOSAL_CHARS = 20_000
MAX_REASON_CHARS = 5_000
MAX_CLAUSE_CHARS = 50_000


class RuleError(Exception):
    """A request that breaks a rule of the consultation; the message is shown to the person.
    ``status`` is the HTTP answer (413 marks text over its limit), never read from the message;
    ``field`` names the input at fault, so a form can show the message beside it."""

    def __init__(self, message: str, status: int = 400, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


def clean_text(value: str | None, what: str, limit: int, *, required: bool = True) -> str:
    """Text as people typed it, with Windows line ends made plain and outer space trimmed.

    :raise RuleError: 400 when required and empty, 413 when longer than ``limit``.
    """
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise RuleError(_("%(what)s: the text is empty.", what=what))
    if len(value) > limit:
        raise RuleError(_("%(what)s: the text can be at most %(limit)d characters long.", what=what, limit=limit), 413)
    return value


def authorize(user: User | None, draft: Draft | None = None) -> None:
    """The one check of staff rights: with a draft, the user must be staff of its agency (or an
    admin); without one, staff of any agency (or an admin), e.g. to publish a new draft.

    :raise RuleError: 403 otherwise.
    """
    if user is None or not getattr(user, "is_authenticated", True):
        raise RuleError(_("Please log in to do that."), 401)
    if draft is None:
        if not user.is_staff:
            raise RuleError(_("Only agency staff can do this."), 403)
    elif not user.can_manage(draft):
        raise RuleError(_("Only staff of the draft's agency can do this."), 403)


def authorize_moderator(user: User | None) -> None:
    """The one check of moderation rights: moderators and admins.

    :raise RuleError: 401 when logged out, 403 otherwise.
    """
    if user is None or not getattr(user, "is_authenticated", True):
        raise RuleError(_("Please log in to do that."), 401)
    if not user.is_moderator:
        raise RuleError(_("Only moderators can do this."), 403)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise RuleError(_("Unknown role %(role)r: use %(roles)s.", role=role, roles=", ".join(ROLES)))
    return role


def check_stance(stance: str | None) -> str | None:
    if stance not in (None, "", *STANCES):
        raise RuleError(_("The stance must be for, against or neutral."))
    return stance or None


def check_respondent(respondent_type: str | None, organisation: str | None) -> tuple[str, str]:
    """Who the input speaks for: a citizen (no organisation), or an organisation that must be named."""
    kind = respondent_type or "citizen"
    if kind not in RESPONDENT_TYPES:
        raise RuleError(_l("Choose who you speak for: yourself, an NGO, a business, a public body or an "
                           "academic institution."), field="respondent_type")
    if kind == "citizen":
        return kind, ""
    name = clean_text(organisation, "The organisation's name", 200, required=False)
    if not name:
        raise RuleError(_l("Please name the organisation you speak for."), field="organisation")
    return kind, name


def check_can_take_part(user: User, draft: Draft, now: datetime | None = None) -> None:
    """:raise RuleError: unless the user may comment and vote on this draft now."""
    if not user.is_confirmed:
        raise RuleError(_("Please confirm your email address before taking part."), 403)
    check_not_blocked(user, now)
    status = draft.status(now)
    if status == "upcoming":
        raise RuleError(_("This consultation has not opened yet; you can read the draft but not take part."), 403)
    if status == "closed":
        raise RuleError(_("This consultation is closed; you can read the draft but no longer take part."), 403)


def check_not_blocked(user: User, now: datetime | None = None) -> None:
    """:raise RuleError: 403 with the moderator's reason and the end date while a block lasts."""
    now = now or utcnow()
    if user.blocked_at(now):
        raise RuleError(_("A moderator blocked you from taking part until %(date)s: %(reason)s",
                          date=user.blocked_until.strftime("%Y-%m-%d %H:%M UTC"), reason=user.block_reason), 403)
