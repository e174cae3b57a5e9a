"""Check that a draft's published history was not rewritten: each revision's content hash is
recomputed from the clauses stored now, and each chain hash from the parent's recomputed chain.
Read straight from the database (never from a cache), so an edit behind the app's back shows.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

import drafts
from app import queries
from app.extensions import db
from app.models import Draft, Revision
from app.services.revisions import public_record, record_hash


@dataclass(frozen=True)
class RevisionCheck:
    number: int
    content_hash: str  #: as stored
    chain_hash: str  #: as stored
    content_ok: bool
    chain_ok: bool

    @property
    def ok(self) -> bool:
        return self.content_ok and self.chain_ok

    @property
    def problem(self) -> str:
        """One line saying what is wrong, in English (the CLI's words; the page translates its own)."""
        if not self.content_ok:
            return "its clauses do not match its content hash"
        if not self.chain_ok:
            return ("its chain hash does not follow from its parent's and its own record (number, note, time) "
                    "and the draft's title, summary, agency and language")
        return ""


def check_draft(draft: Draft) -> list[RevisionCheck]:
    """Every revision of ``draft`` in order, checked against the recomputed hashes."""
    checks = []
    expected_chain: str | None = None
    expected_number = 1
    revisions = db.session.scalars(select(Revision).where(Revision.draft_id == draft.id)
                                   .order_by(Revision.number))
    metadata = public_record(draft)
    for revision in revisions:
        content = drafts.clauses_content_hash(queries.revision_clauses(revision))
        chain = drafts.chain_hash(expected_chain, record_hash(
            content, revision.number, revision.change_note, revision.created_at,
            metadata if revision.record_format >= 2 else None))  # format 1: published before metadata was chained
        checks.append(RevisionCheck(revision.number, revision.content_hash, revision.chain_hash,
                                    content_ok=content == revision.content_hash,
                                    # a gap in the numbering means a revision was removed from the chain
                                    chain_ok=chain == revision.chain_hash and revision.number == expected_number))
        expected_chain, expected_number = chain, revision.number + 1
    return checks


def first_broken(checks: list[RevisionCheck]) -> RevisionCheck | None:
    return next((c for c in checks if not c.ok), None)
