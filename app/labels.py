"""The words shown for stored codes (statuses, outcomes, stances, roles): one translated label each,
for templates (the ``label`` filter), services' messages and the CLI."""
from __future__ import annotations

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
    "email": _l("by email"), "post": _l("by post"),
    "citizen": _l("citizen"), "staff": _l("staff"), "admin": _l("admin"),
    # proposal actions
    "replace": _l("change"), "insert_after": _l("add after"), "delete": _l("delete"),
}


def status_label(code: str | None) -> str:
    """The translated word for a stored code; an unknown code is shown as it is, readable."""
    if not code:
        return ""
    label = LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")
