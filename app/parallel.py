"""The read side of parallel-language versions (the Uzbek and the Russian text of one law): which
versions a reader may see, the same-numbered clause of each (``drafts.parallel``), and the public
comments made on that clause in the other languages. Each version is a draft of its own, with its
own revisions, diffs and comment threads; this only lines them up."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import queries
from app.extensions import db
from app.models import Comment, Draft
from drafts.parallel import counterparts

#: comments from other versions shown under a clause; the rest are one link away
OTHER_COMMENTS_SHOWN = 20


def group_id(draft: Draft) -> int:
    return draft.version_of_id or draft.id


def versions(draft: Draft, user=None, *, published_only: bool = False) -> list[Draft]:
    """Every version of the law ``draft`` belongs to that the reader may see (``draft`` itself
    included), oldest first; just ``[draft]`` when it has no other version."""
    root = group_id(draft)
    query = queries.drafts_for(user).where((Draft.id == root) | (Draft.version_of_id == root))
    if published_only:
        query = query.where(Draft.published.is_(True))
    found = list(db.session.scalars(query.order_by(Draft.id)))
    return found if any(d.id == draft.id for d in found) else [draft]


@dataclass(frozen=True)
class Counterpart:
    """The same-numbered clause of another version (None: that text has no such clause)."""
    draft: Draft
    clause: dict | None


def clause_counterparts(draft: Draft, clause_eid: str, clauses, others: list[Draft]) -> list[Counterpart]:
    """For a clause of ``draft`` (one of ``clauses``, the cached rows of the revision shown), its
    counterpart in the current text of each other version."""
    out = []
    for other in others:
        if other.id == draft.id:
            continue
        theirs = queries.cached_clauses(queries.current_revision(other))
        out.append(Counterpart(other, counterparts(clauses, theirs).get(clause_eid)))
    return out


def comments_elsewhere(found: list[Counterpart]) -> tuple[list[tuple[Draft, Comment]], int]:
    """The latest public comments (replies too) on the counterpart clauses, newest first, with the
    draft each was made on, and how many there are in all. Hidden ones are never shown here: their
    tombstones belong to the thread where they were made."""
    by_draft = {c.draft.id: c for c in found if c.clause is not None}
    if not by_draft:
        return [], 0
    condition = None
    for draft_id, c in by_draft.items():
        one = (Comment.draft_id == draft_id) & (Comment.clause_key == c.clause["key"])
        condition = one if condition is None else condition | one
    query = select(Comment).where(condition, queries.public(Comment), Comment.proposal_id.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(joinedload(Comment.author))
                              .order_by(Comment.created_at.desc(), Comment.id.desc())
                              .limit(OTHER_COMMENTS_SHOWN)).all()
    return [(by_draft[c.draft_id].draft, c) for c in rows], total or 0
