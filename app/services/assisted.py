"""Assisted participation: staff at a public access point enter a comment a citizen gave them."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import ASSISTED_CHANNELS, AssistedEntry, Comment, Draft, User
from app.services import comments
from app.services.audit import audit
from app.services.rules import RuleError, authorize, clean_text


def enter_comment(staff: User, draft: Draft, *, body: str, clause_key: str | None, stance: str | None,
                  channel: str, citizen_name: str, consent: bool, now: datetime | None = None) -> Comment:
    """Publish a comment a citizen gave on paper, in person or by phone, under their name, once they
    agreed; it counts like any other comment and is marked with how it was given.

    :raise RuleError: 403 unless staff; 400 without consent, a name or a known channel.
    """
    authorize(staff)  # staff of any agency: an office takes comments on every draft
    if channel not in ASSISTED_CHANNELS:
        raise RuleError(_("Choose how the comment was given: on paper, in person or by phone."), field="channel")
    name = clean_text(citizen_name, _l("The citizen's name"), 120)
    if not consent:
        raise RuleError(_("The citizen must agree that the comment is published with their name."), field="consent")
    comment = comments.add_comment(staff, draft, body=body, clause_key=clause_key, stance=stance, now=now)
    db.session.add(AssistedEntry(comment=comment, channel=channel, citizen_name=name, entered_by_id=staff.id))
    audit(staff, "comment.assisted", f"comment:{comment.id}", channel)
    return comment
