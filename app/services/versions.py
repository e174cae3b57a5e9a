"""Parallel-language versions: staff say that a draft is another language's text of the same law
(the Russian text of an Uzbek draft), or that it no longer is. Versions form a group around the
first draft; each keeps its own revisions, diffs and comments."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Draft, User
from app.services.audit import audit
from app.services.rules import RuleError, authorize


def link_version(draft: Draft, other: Draft, *, actor: User | None) -> None:
    """Make ``draft`` a language version of ``other`` (and of ``other``'s versions). ``actor`` None
    is the command line; a person must manage both drafts.

    :raise RuleError: 400 for a draft linked to itself, to a group it cannot join (it has versions
        of its own) or to one that already has a text in its language; 403 without the rights.
    """
    if actor is not None:
        authorize(actor, draft)
        authorize(actor, other)
    if other.id == draft.id:
        raise RuleError(_("A draft cannot be a version of itself."), field="other")
    root = other.version_of_id or other.id
    if draft.version_of_id == root:
        return
    if db.session.scalar(select(Draft.id).where(Draft.version_of_id == draft.id).limit(1)):
        raise RuleError(_("Other drafts are versions of this one; link them from this draft instead."),
                        field="other")
    languages = db.session.scalars(select(Draft.language).where(
        (Draft.id == root) | (Draft.version_of_id == root), Draft.id != draft.id))
    if draft.language in set(languages):
        raise RuleError(_("That law already has a text in this draft's language (%(lang)s).",
                          lang=draft.language), field="other")
    draft.version_of_id = root
    db.session.flush()
    audit(actor, "draft.version_of", f"draft:{draft.slug}", other.slug)


def unlink_version(draft: Draft, *, actor: User | None) -> None:
    """Make ``draft`` a law of its own again; its comments and revisions stay where they are. When
    it heads a group, the next oldest version heads it instead."""
    if actor is not None:
        authorize(actor, draft)
    if draft.version_of_id is None:
        rest = list(db.session.scalars(select(Draft).where(Draft.version_of_id == draft.id).order_by(Draft.id)))
        if not rest:
            return
        for d in rest[1:]:
            d.version_of_id = rest[0].id
        rest[0].version_of_id = None
    draft.version_of_id = None
    db.session.flush()
    audit(actor, "draft.version_unlinked", f"draft:{draft.slug}")
