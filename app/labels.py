"""The words shown for stored codes (statuses, outcomes, stances, roles, audit log actions): one
translated label each, for templates (the ``label`` filter), services' messages and the CLI."""
from __future__ import annotations

import json
import re

from flask_babel import gettext
from flask_babel import gettext as _
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
    "citizen": _l("citizen"), "staff": _l("staff"), "admin": _l("admin"), "moderator": _l("moderator"),
    # proposal actions
    "replace": _l("change"), "insert_after": _l("add after"), "delete": _l("delete"),
    # why readers report a contribution (and why it was hidden)
    "spam": _l("Spam or a mass campaign"), "abuse": _l("Abuse, threats or hate"),
    "off_topic": _l("Not about this draft"), "personal_data": _l("Someone's personal data"),
    "impersonation": _l("Pretends to be someone else"), "other": _l("Something else"),
    "reports": _l("Reports from readers"),
}

#: what the audit log's stored action codes mean (the codes themselves are the record, never changed)
AUDIT_ACTIONS = {
    "draft.import": _l("Draft published"), "draft.revise": _l("Revision published"),
    "draft.merge": _l("Proposals merged into a revision"), "draft.deadline": _l("Deadline changed"),
    "draft.version_of": _l("Linked as a language version"),
    "draft.version_unlinked": _l("Language version unlinked"),
    "proposal.partly_merged": _l("Proposal merged in part"), "disposition": _l("Decision on public input"),
    "comment.assisted": _l("Comment entered by staff"), "report.create": _l("Report by a reader"),
    "moderation.auto_hide": _l("Hidden after reports"), "moderation.hide": _l("Hidden by a moderator"),
    "moderation.restore": _l("Restored by a moderator"), "moderation.dismiss": _l("Reports dismissed"),
    "moderation.block": _l("Person blocked"), "moderation.unblock": _l("Block lifted"),
    "contribution.dispute": _l("The author says it was not them"), "user.create": _l("Account created"),
    "user.confirm": _l("Email address confirmed"), "user.password_reset": _l("Password reset by email"),
    "user.settings": _l("Settings changed"), "user.password_change": _l("Password changed"),
    "user.logout_elsewhere": _l("Logged out on other devices"),
    "budget.create": _l("Budget round created"), "budget.phase": _l("Budget round moved to another phase"),
    "budget.paper": _l("Paper project entered"), "budget.vet": _l("Project vetted"),
    "budget.close": _l("Budget round closed"), "budget.disqualify": _l("Project disqualified"),
    "budget.implementation": _l("Implementation updated"), "budget.residence": _l("Residence confirmed"),
}
_REVISION = re.compile(r"revision (\d+)")
_MERGE = re.compile(r"revision (\d+): proposals \[([\d, ]*)\]")
_BLOCK = re.compile(r"until (\S+): (.*)", re.DOTALL)
_OUTCOME = re.compile(r"(\w+): (.*)", re.DOTALL)
_CLOSE = re.compile(r"(\d+) votes; (\d+) funded")
_SPENT = re.compile(r"spent (\d+)")
_ROUND = re.compile(r"(.*); envelope (\d+)", re.DOTALL)


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


def audit_action(code: str) -> str:
    label = AUDIT_ACTIONS.get(code)
    return str(label) if label is not None else code


def audit_detail(action: str, detail: str) -> str:
    """An audit entry's detail in the reader's language where the code wrote it ("revision 3", a
    reason code); people's own words (titles, reasons) as they were written."""
    if action in ("draft.revise", "proposal.partly_merged") and (m := _REVISION.search(detail)):
        return _("revision %(n)s", n=m[1])
    if action == "draft.merge" and (m := _MERGE.fullmatch(detail)):
        return _("revision %(n)s; proposals %(ids)s", n=m[1], ids=m[2])
    if action == "moderation.block" and (m := _BLOCK.fullmatch(detail)):
        return _("until %(date)s: %(reason)s", date=m[1], reason=m[2])
    if action == "disposition" and (m := _OUTCOME.fullmatch(detail)) and m[1] in LABELS:
        return f"{status_label(m[1])}: {m[2]}"
    if action == "budget.close" and (m := _CLOSE.fullmatch(detail)):
        return _("votes: %(votes)s; projects funded: %(funded)s", votes=m[1], funded=m[2])
    if action == "budget.implementation" and (m := _SPENT.fullmatch(detail)):
        return _("spent: %(amount)s", amount=m[1])
    if action == "budget.create" and (m := _ROUND.fullmatch(detail)):
        return _("%(district)s; envelope: %(amount)s", district=m[1], amount=m[2])
    if action in ("report.create", "moderation.hide", "moderation.auto_hide", "user.create", "comment.assisted"):
        return str(LABELS[detail]) if detail in LABELS else detail
    return detail
