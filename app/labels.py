"""The words shown for stored codes (statuses, outcomes, stances, roles): one translated label each,
for templates (the ``label`` filter), services' messages and the CLI."""
from __future__ import annotations

import json

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

LABELS = {
    # drafts
    "open": _l("open"), "closed": _l("closed"), "upcoming": _l("upcoming"), "adopted": _l("adopted"),
    # proposals and decisions
    "accepted": _l("accepted"), "partly_accepted": _l("partly accepted"), "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"), "superseded": _l("superseded"), "noted": _l("noted"),
    # stances
    "for": _l("for"), "against": _l("against"), "neutral": _l("neutral"),
    # roles
    # a draft language without a stemmer, in search facets
    "plain": _l("other languages"),
    # how a comment entered by staff was given
    "paper": _l("on paper"), "in_person": _l("in person"), "phone": _l("by phone"),
    "citizen": _l("citizen"), "staff": _l("staff"), "admin": _l("admin"),
    # proposal actions
    "replace": _l("change"), "insert_after": _l("add after"), "delete": _l("delete"),
}


#: who took part, as a group (filters and counts of comments and proposals, the report)
RESPONDENT_GROUPS = {"citizen": _l("citizens"), "ngo": _l("NGOs"), "business": _l("businesses"),
                     "public_body": _l("public bodies"), "academic": _l("academics")}


def status_label(code: str | None) -> str:
    """The translated word for a stored code; an unknown code is shown as it is, readable."""
    if not code:
        return ""
    label = LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


def N_(message: str) -> str:
    """Marks a message stored in English and translated when shown (notifications, tombstones)."""
    return message


#: parameters of notifications that hold a stored code, shown as its label
_CODE_PARAMS = frozenset({"outcome"})


def notification_text(message: str, params: str = "") -> str:
    """An in-app notification in the reader's language now, whatever language they had when it was
    written: its English message translated, then filled with its parameters."""
    if not params:
        return gettext(message)  # no parameters, or a row stored already translated (then as it is)
    try:
        values = {k: status_label(v) if k in _CODE_PARAMS else v for k, v in json.loads(params).items()}
        return gettext(message, **values)
    except (ValueError, TypeError, KeyError, AttributeError):
        return message  # a damaged row or catalogue shows the English text, never an error page
