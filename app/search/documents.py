"""Database rows -> search documents, and search hits -> what a page shows.

Each searchable kind is one ``DocKind`` in ``KINDS``: how to load its rows as documents (for the
index), how to list them all (for a rebuild) and how to show hits (from the database, which also
re-checks visibility). Adding proposals means writing one ``DocKind`` and registering it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import and_, func, select

from app import queries
from app.extensions import db
from app.models import (
    BudgetProject,
    BudgetRound,
    Clause,
    Comment,
    Draft,
    Revision,
    User,
)
from app.search.analysis import detect_language

BATCH = 500


@dataclass
class SearchDoc:
    """What an engine indexes. Only ``title``/``body``/``context`` are searched; the rest filters."""
    kind: str
    object_id: int
    draft_id: int
    lang: str
    date: datetime
    title: str = ""
    body: str = ""
    #: words that place the document, e.g. "Article 12" for a comment on it, so "comments on article
    #: 12" finds them (not the draft title: every comment would then match the draft's words)
    context: str = ""
    #: revision number, for clauses (the current revision is decided at query time)
    revision: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass
class Shown:
    """A hit ready for a page: where it links and the text its snippet is cut from."""
    kind: str
    object_id: int
    draft_slug: str
    draft_title: str
    title: str
    text: str
    url: str
    lang: str
    date: datetime
    clause_eid: str | None = None
    comment_id: int | None = None
    revision: int | None = None
    author: str | None = None


@dataclass(frozen=True)
class DocKind:
    name: str
    load: Callable[[list[int]], list[SearchDoc]]
    batches: Callable[[], Iterator[list[int]]]
    show: Callable[[list[int]], dict[int, Shown]]


def _batches(column) -> Callable[[], Iterator[list[int]]]:
    def gen() -> Iterator[list[int]]:
        last = 0
        while True:
            ids = list(db.session.scalars(select(column).where(column > last).order_by(column).limit(BATCH)))
            if not ids:
                return
            yield ids
            last = ids[-1]
    return gen


# --- drafts -----------------------------------------------------------------------------------

def _load_drafts(ids: list[int]) -> list[SearchDoc]:
    rows = db.session.scalars(select(Draft).where(Draft.id.in_(ids)))
    return [SearchDoc("draft", d.id, d.id, detect_language(f"{d.title} {d.summary}", d.language, own=True),
                      d.created_at, title=d.title, body=d.summary, context=d.agency.name) for d in rows]


def _show_drafts(ids: list[int]) -> dict[int, Shown]:
    rows = db.session.scalars(select(Draft).where(Draft.id.in_(ids), Draft.published.is_(True)))
    return {d.id: Shown("draft", d.id, d.slug, d.title, d.title, d.summary or d.title,
                        url_for("reading.draft", slug=d.slug), d.language, d.created_at) for d in rows}


# --- clauses ----------------------------------------------------------------------------------

_CLAUSE_COLUMNS = (Clause.id, Clause.label, Clause.heading, Clause.text, Clause.eid, Revision.number,
                   Revision.created_at, Draft.id.label("draft_id"), Draft.language, Draft.title.label("dt"),
                   Draft.slug, Draft.current_revision_number, Draft.published)


def _clause_rows(where):
    return db.session.execute(select(*_CLAUSE_COLUMNS).join(Revision, Revision.id == Clause.revision_id)
                              .join(Draft, Draft.id == Revision.draft_id).where(where))


def _title(label: str, heading: str) -> str:
    return label if not heading or heading in label else f"{label} {heading}" if label else heading


def _load_clauses(ids: list[int]) -> list[SearchDoc]:
    return [SearchDoc("clause", r.id, r.draft_id, detect_language(r.text or r.heading, r.language, own=True), r.created_at,
                      title=_title(r.label, r.heading), body=r.text, revision=r.number)
            for r in _clause_rows(Clause.id.in_(ids))
            if (r.text or "").strip() or r.heading.strip() != r.dt.strip()]  # the title line is the draft's


def _show_clauses(ids: list[int]) -> dict[int, Shown]:
    shown = {}
    for r in _clause_rows(and_(Clause.id.in_(ids), Draft.published.is_(True))):
        current = r.number == r.current_revision_number
        url = (url_for("reading.clause", slug=r.slug, eid=r.eid) if current
               else url_for("reading.clause", slug=r.slug, eid=r.eid, number=r.number))
        title = _title(r.label, r.heading)
        shown[r.id] = Shown("clause", r.id, r.slug, r.dt, title, r.text or r.heading, url, r.language,
                            r.created_at, clause_eid=r.eid, revision=r.number)
    return shown


def numbered_clauses(num: str, kinds: tuple[str, ...], draft_ids: set[int], limit: int = 5) -> list[int]:
    """Clauses of the current revisions of ``draft_ids`` whose own number is ``num``, the kinds
    named first (``Article 4`` before point 4 of Article 2), then articles and sections, then the
    shallowest; only the best of those tiers, at most ``limit``."""
    if not draft_ids:
        return []
    numbered = (select(Clause.id, Clause.eid, Clause.position, Revision.draft_id)
                .join(Revision, Revision.id == Clause.revision_id).join(Draft, Draft.id == Revision.draft_id)
                .where(Revision.number == Draft.current_revision_number, Draft.id.in_(sorted(draft_ids)),
                       func.lower(Clause.num) == num.lower()))
    named = Clause.kind.in_(kinds) if kinds else Clause.kind.not_in(("paragraph", "point"))
    # the named tier alone when it has any (point "2" stands in every article: a thousand rows)
    rows = db.session.execute(numbered.where(named)).all() or db.session.execute(numbered.where(~named)).all()
    rows.sort(key=lambda r: (r.eid.count("__"), r.draft_id, r.position))
    return [r.id for r in rows[:limit]]


def revision_clause_ids(revision_ids: list[int]) -> list[int]:
    """The clauses of whole revisions: a new revision is queued as one outbox row, not thousands."""
    return list(db.session.scalars(select(Clause.id).where(Clause.revision_id.in_(revision_ids))))


# --- comments ---------------------------------------------------------------------------------

def _comment_rows(where):
    return db.session.execute(
        select(Comment.id, Comment.body, Comment.created_at, Comment.status, Comment.root_id, Comment.draft_id,
               Draft.language, Draft.title.label("dt"), Draft.slug, Clause.label, Clause.eid, Revision.number,
               User.display_name)
        .join(Draft, Draft.id == Comment.draft_id)
        .join(Revision, Revision.id == Comment.revision_id)
        .join(User, User.id == Comment.author_id)
        .outerjoin(Clause, and_(Clause.revision_id == Comment.revision_id, Clause.key == Comment.clause_key))
        .where(where))


def comment_doc(comment: Comment, draft_language: str, clause_label: str | None) -> SearchDoc:
    """A visible comment's document (``comment`` a row or the object itself)."""
    return SearchDoc("comment", comment.id, comment.draft_id, detect_language(comment.body, draft_language),
                     comment.created_at, body=comment.body, context=clause_label or "")


def _load_comments(ids: list[int]) -> list[SearchDoc]:
    """Visible comments only: a hidden comment's id comes back missing, which deletes it."""
    return [comment_doc(r, r.language, r.label)
            for r in _comment_rows(and_(Comment.id.in_(ids), queries.public(Comment)))]


def _show_comments(ids: list[int]) -> dict[int, Shown]:
    shown = {}
    for r in _comment_rows(and_(Comment.id.in_(ids), queries.public(Comment), Draft.published.is_(True))):
        url = url_for("reading.comment", slug=r.slug, comment_id=r.id, _anchor=f"c{r.id}")
        title = r.label or ""
        shown[r.id] = Shown("comment", r.id, r.slug, r.dt, title, r.body, url, r.language, r.created_at,
                            clause_eid=r.eid, comment_id=r.id, revision=r.number, author=r.display_name)
    return shown


# --- initiative budget projects (no draft: ``draft_id`` 0; rounds are all public) ---------------

def _project_rows(where):
    return db.session.execute(
        select(BudgetProject.id, BudgetProject.title, BudgetProject.description, BudgetProject.mahalla,
               BudgetProject.created_at, BudgetRound.slug, BudgetRound.title.label("rt"), BudgetRound.district)
        .join(BudgetRound, BudgetRound.id == BudgetProject.round_id).where(where, queries.public(BudgetProject)))


def _load_projects(ids: list[int]) -> list[SearchDoc]:
    """Public projects only: a hidden one's id comes back missing, which deletes it."""
    return [SearchDoc("project", r.id, 0, detect_language(f"{r.title} {r.description}"), r.created_at,
                      title=r.title, body=r.description, context=f"{r.mahalla} {r.district}")
            for r in _project_rows(BudgetProject.id.in_(ids))]


def _show_projects(ids: list[int]) -> dict[int, Shown]:
    return {r.id: Shown("project", r.id, r.slug, r.rt, r.title, r.description or r.title,
                        url_for("budget.project", slug=r.slug, project_id=r.id), "", r.created_at)
            for r in _project_rows(BudgetProject.id.in_(ids))}


KINDS: dict[str, DocKind] = {
    "draft": DocKind("draft", _load_drafts, _batches(Draft.id), _show_drafts),
    "clause": DocKind("clause", _load_clauses, _batches(Clause.id), _show_clauses),
    "comment": DocKind("comment", _load_comments, _batches(Comment.id), _show_comments),
    "project": DocKind("project", _load_projects, _batches(BudgetProject.id), _show_projects),
}
#: outbox kinds that stand for many documents, and how to expand them
EXPANDS: dict[str, tuple[str, Callable[[list[int]], list[int]]]] = {
    "revision": ("clause", revision_clause_ids),
}


def load(kind: str, ids: list[int]) -> tuple[list[SearchDoc], list[str]]:
    """Documents for the rows that exist and may be searched, and keys to delete for the rest."""
    if kind in EXPANDS:
        kind, expand = EXPANDS[kind]
        ids = expand(ids)
    docs = KINDS[kind].load(ids) if ids else []
    found = {d.object_id for d in docs}
    return docs, [f"{kind}:{i}" for i in ids if i not in found]
