"""The read side shared by pages, the API, search and exports: the one visibility rule, drafts a
reader may see, revisions and their clauses, comment threads and what became of them, votes, the
disposition register and provenance. Reads only; nothing here changes the database."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from flask import url_for
from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlalchemy.orm import joinedload, selectinload

import drafts
from app.extensions import db
from app.models import (
    RESPONDENT_TYPES,
    Attachment,
    Attribution,
    BudgetProject,
    BudgetRound,
    BudgetUpdate,
    Clause,
    Comment,
    Disposition,
    Draft,
    Position,
    Proposal,
    ProposalVote,
    Revision,
    User,
)
from drafts.lineage import Row, compare_by_key

# --- the one visibility rule ------------------------------------------------------------------

Moderated = Comment | Proposal | BudgetProject | BudgetUpdate | Position


def public(model: type[Moderated]) -> ColumnElement[bool]:
    """The SQL condition for contributions everyone may see. Every page, the API, search and the
    exports filter with this, so moderation changes one place."""
    if model is Comment:  # a literal, not a parameter: only then may SQLite use the partial index of the others
        return Comment.status == literal_column("'visible'")
    if model in (Proposal, BudgetProject, BudgetUpdate, Position):
        return model.hidden.is_(False)
    raise TypeError(f"no visibility rule for {model!r}")


def is_public(item: Moderated | None) -> bool:
    """The same rule for a loaded row."""
    if item is None:
        return False
    return item.status == "visible" if isinstance(item, Comment) else not item.hidden


# --- drafts and revisions -----------------------------------------------------------------------
PUBLISHED_DRAFTS = select(Draft).where(Draft.published.is_(True))  #: what all but staff and admins see


def drafts_for(user) -> select:
    """Published drafts, plus unpublished ones the user manages (all of them for an admin)."""
    role = user.role if user is not None and user.is_authenticated else None
    if role == "staff":
        return select(Draft).where(Draft.published.is_(True) | (Draft.agency_id == user.agency_id))
    return select(Draft) if role == "admin" else PUBLISHED_DRAFTS


def draft_for(user, slug: str) -> Draft | None:
    return db.session.scalar(drafts_for(user).where(Draft.slug == slug).options(joinedload(Draft.agency)))


def may_see(user, draft: Draft) -> bool:
    return draft.published or (user is not None and user.is_authenticated and user.can_manage(draft))


def published_draft(slug: str) -> Draft | None:
    """Open data shows published drafts only, whoever asks."""
    return db.session.scalar(select(Draft).where(Draft.slug == slug, Draft.published.is_(True)))


def current_revision(draft: Draft) -> Revision:
    return revision_by_number(draft, draft.current_revision_number)


def revision_by_number(draft: Draft, number: int) -> Revision | None:
    return db.session.scalar(select(Revision).where(Revision.draft_id == draft.id, Revision.number == number))


def revision_numbers(draft: Draft) -> list[int]:
    return list(db.session.scalars(select(Revision.number).where(Revision.draft_id == draft.id)
                                   .order_by(Revision.number)))


def revision_clauses(revision: Revision) -> list[drafts.Clause]:
    """A revision's clauses as the engine's values, read from the database (never from a cache)."""
    rows = db.session.scalars(select(Clause).where(Clause.revision_id == revision.id).order_by(Clause.position))
    return [drafts.Clause(key=c.key, eid=c.eid, label=c.label, heading=c.heading, text=c.text,
                          kind=c.kind, num=c.num) for c in rows]


def find_clause(revision: Revision | Draft, *, key: str | None = None, eid: str | None = None) -> Clause | None:
    """In a revision, or in a draft's current revision: one statement either way."""
    query = select(Clause).where(Clause.revision_id == revision.id) if isinstance(revision, Revision) else select(
        Clause).join(Revision).where(Revision.draft_id == revision.id, Revision.number == revision.current_revision_number)
    return db.session.scalar(query.where(Clause.key == key if key is not None else Clause.eid == eid))


def cached_clauses(revision: Revision) -> tuple[dict, ...]:
    """A revision never changes, so its clauses are read once per process. The chain hash is part
    of the key, so a recreated database never serves another's clauses."""
    return clauses_by_id(revision.id, revision.chain_hash)


@lru_cache(maxsize=256)
def clauses_by_id(revision_id: int, chain_hash: str) -> tuple[dict, ...]:
    rows = db.session.execute(select(Clause.key, Clause.eid, Clause.label, Clause.heading, Clause.text,
                                     Clause.kind, Clause.num)
                              .where(Clause.revision_id == revision_id).order_by(Clause.position))
    return tuple(dict(row._mapping) for row in rows)


def clause_label(draft: Draft, key: str) -> str:
    """The clause's label in the latest revision that has it (its key when none has)."""
    label = db.session.scalar(select(Clause.label).join(Revision).where(
        Revision.draft_id == draft.id, Clause.key == key).order_by(Revision.number.desc()).limit(1))
    return label or key


def clause_labels(draft: Draft, keys) -> dict[str, str]:
    return {key: clause_label(draft, key) for key in set(keys)}


class RevisionRef(NamedTuple):
    """What identifies a revision's content: hashable, so comparisons can be cached."""
    id: int
    chain_hash: str


def comparison(old: Revision, new: Revision) -> tuple[Row, ...]:
    """Two revisions compared by lineage key, computed once per process (revisions never change)."""
    return _comparison(RevisionRef(old.id, old.chain_hash), RevisionRef(new.id, new.chain_hash))


@lru_cache(maxsize=32)
def _comparison(old: RevisionRef, new: RevisionRef) -> tuple[Row, ...]:
    return tuple(compare_by_key(clauses_by_id(*old), clauses_by_id(*new)))


# --- comments ---------------------------------------------------------------------------------

@dataclass
class IdPage:
    """A page of rows picked by id in Python: what the pager and templates read of a pagination."""
    page: int
    per_page: int
    total: int
    items: list
    pages = property(lambda self: max(1, -(-self.total // self.per_page)))


def comment_threads(draft: Draft, clause_key: str | None, page: int, per_page: int, *,
                    proposal_id: int | None = None, collapsed: frozenset[int] = frozenset(),
                    respondent_type: str | None = None):
    """One page of top-level comments on a clause, the whole draft or a proposal (only those of one
    respondent type, if given), with all their replies, what later revisions did to their clause,
    and staff's decisions on them. ``collapsed`` comments (copies shown through a representative)
    are left out of the pages."""
    # hidden comments stay in threads as tombstones (reason and date, never the text)
    where = [Comment.draft_id == draft.id, Comment.parent_id.is_(None)]
    if respondent_type:
        where.append(Comment.respondent_type == respondent_type)
    if proposal_id is not None:
        where.append(Comment.proposal_id == proposal_id)
    else:
        where.append(Comment.proposal_id.is_(None))
        where.append(Comment.clause_key == clause_key if clause_key else Comment.clause_key.is_(None))
    order = (Comment.created_at, Comment.id)
    if collapsed:  # ids, not a NOT IN of thousands of parameters
        ids = [i for i in db.session.scalars(select(Comment.id).where(*where).order_by(*order)) if i not in collapsed]
        shown = ids[(page - 1) * per_page:page * per_page]
        rows = {c.id: c for c in db.session.scalars(
            select(Comment).where(Comment.id.in_(shown)).options(selectinload(Comment.author)))} if shown else {}
        pagination = IdPage(page, per_page, len(ids), [rows[i] for i in shown])
    else:
        query = select(Comment).where(*where).options(selectinload(Comment.author))  # authors in one query
        pagination = db.paginate(query.order_by(*order), page=page, per_page=per_page, error_out=False)
    roots = list(pagination.items)
    replies = db.session.scalars(select(Comment).options(selectinload(Comment.author)).where(
        Comment.root_id.in_([c.id for c in roots]))
        .order_by(Comment.created_at, Comment.id)).all() if roots else []
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        children.setdefault(reply.parent_id, []).append(reply)
    ids = [c.id for c in roots] + [c.id for c in replies]
    return pagination, roots, children, {"fates": comment_fates(draft, roots), "decisions": decisions_on(ids),
                                         "files": files_of(Comment, ids)}


def respondent_counts(model: type[Comment | Proposal], *where) -> dict[str, int]:
    """Public comments (or proposals) meeting ``where``, per respondent type; every type, 0 if none."""
    found = dict(db.session.execute(select(model.respondent_type, func.count()).where(public(model), *where)
                                    .group_by(model.respondent_type)).all())
    return {kind: found.get(kind, 0) for kind in RESPONDENT_TYPES}


def files_of(model: type[Comment | Proposal], ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The attachments of these comments (or proposals), by their id, in the order they came."""
    if not ids:
        return {}
    column = Attachment.comment_id if model is Comment else Attachment.proposal_id
    found: dict[int, list[Attachment]] = {}
    for row in db.session.scalars(select(Attachment).where(column.in_(ids)).order_by(Attachment.id)):
        found.setdefault(getattr(row, column.key), []).append(row)
    return found


def thread_of(comment: Comment) -> tuple[Comment, dict[int, list[Comment]], list[Comment]]:
    """The thread a comment belongs to (hidden ones as tombstones): its root, the replies by parent."""
    root_id = comment.root_id or comment.id
    thread = db.session.scalars(select(Comment).where(
        (Comment.root_id == root_id) | (Comment.id == root_id))
        .order_by(Comment.created_at, Comment.id)).all()
    children: dict[int, list[Comment]] = {}
    for reply in thread:
        if reply.parent_id:
            children.setdefault(reply.parent_id, []).append(reply)
    root = next((c for c in thread if c.id == root_id), comment)
    return root, children, list(thread)


def decisions_on(comment_ids: Sequence[int]) -> dict[int, Disposition]:
    return {d.comment_id: d for d in db.session.scalars(
        select(Disposition).where(Disposition.comment_id.in_(comment_ids)))} if comment_ids else {}


def clause_eid(revision_id: int, key: str) -> str | None:
    return db.session.scalar(select(Clause.eid).where(Clause.revision_id == revision_id, Clause.key == key))


@dataclass(frozen=True)
class Fate:
    """What a later revision did to the clause a comment was made on."""
    kind: str  #: carried | changed | changed_as_proposed | deleted
    since: int  #: the revision number the comment was made on
    quote: str | None = None  #: found | gone, for comments on a quoted phrase


def comment_fates(draft: Draft, comments: list[Comment]) -> dict[int, Fate]:
    head = current_revision(draft)
    old = [c for c in comments if c.clause_key and c.revision_id != head.id]
    if not old:
        return {}
    keys = {c.clause_key for c in old}
    rev_ids = {c.revision_id for c in old} | {head.id}
    texts = {(r, k): t for r, k, t in db.session.execute(select(Clause.revision_id, Clause.key, Clause.text).where(
        Clause.revision_id.in_(rev_ids), Clause.key.in_(keys)))}
    numbers = dict(db.session.execute(select(Revision.id, Revision.number).where(Revision.id.in_(rev_ids))).all())
    attributed = {(k, n) for k, n in db.session.execute(
        select(Attribution.clause_key, Revision.number).join(Revision, Revision.id == Attribution.revision_id)
        .where(Revision.draft_id == draft.id, Attribution.clause_key.in_(keys)))}
    fates: dict[int, Fate] = {}
    for c in old:
        before, now = texts.get((c.revision_id, c.clause_key)), texts.get((head.id, c.clause_key))
        since = numbers[c.revision_id]
        if now is None:
            fates[c.id] = Fate("deleted", since)
            continue
        if now == before:
            kind = "carried"
        elif any((c.clause_key, n) in attributed for n in range(since + 1, head.number + 1)):
            kind = "changed_as_proposed"
        else:
            kind = "changed"
        quote = None
        if c.quote_exact:
            found = drafts.find_quote(now, drafts.Quote(exact=c.quote_exact, prefix=c.quote_prefix or "",
                                                        suffix=c.quote_suffix or "", start=c.quote_start or 0))
            quote = "found" if found else "gone"
        fates[c.id] = Fate(kind, since, quote)
    return fates


# --- proposals and votes ----------------------------------------------------------------------

def proposal_votes(proposal_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    out = {pid: {"for": 0, "against": 0} for pid in proposal_ids}
    if proposal_ids:
        for pid, value, n in db.session.execute(
                select(ProposalVote.proposal_id, ProposalVote.value, func.count())
                .where(ProposalVote.proposal_id.in_(proposal_ids))
                .group_by(ProposalVote.proposal_id, ProposalVote.value)):
            out[pid]["for" if value > 0 else "against"] = n
    return out


def my_vote(model, user, **target) -> int | None:
    """The reader's own vote on a target (clause or proposal), or None."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(model.value).where(
        model.user_id == user.id, *(getattr(model, name) == value for name, value in target.items())))


def mergeable_proposals(draft: Draft) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.draft_id == draft.id, Proposal.status.in_(("accepted", "partly_accepted")),
        Proposal.merged_revision_id.is_(None)).order_by(Proposal.id)))


# --- the public record: register and provenance ------------------------------------------------

def register_rows(draft: Draft) -> list[dict]:
    """Every decision on this draft's visible comments and proposals, oldest first."""
    return list(iter_register_rows(draft))


def iter_register_rows(draft: Draft, batch: int = 1000) -> Iterator[dict]:
    """The same rows one at a time, read ``batch`` at a time (columns, not ORM objects), so the
    export of a draft with a million decisions runs in constant memory."""
    labels: dict[str, str] = {}
    query = (select(Disposition.outcome, Disposition.reason, Disposition.updated_at,
                    Comment.id, Comment.clause_key, Comment.body,
                    Proposal.id, Proposal.clause_key, Proposal.proposed_text, Proposal.rationale, User.display_name)
             .outerjoin(Comment, Comment.id == Disposition.comment_id)
             .outerjoin(Proposal, Proposal.id == Disposition.proposal_id)
             .join(User, User.id == func.coalesce(Comment.author_id, Proposal.author_id))
             .where(Disposition.draft_id == draft.id,
                    case((Comment.id.is_not(None), public(Comment)), else_=public(Proposal)))
             .order_by(Disposition.created_at, Disposition.id))
    for outcome, reason, decided_at, c_id, c_key, body, p_id, p_key, text, rationale, author in \
            db.session.execute(query.execution_options(yield_per=batch)):
        key = c_key if c_id is not None else p_key
        if key and key not in labels:  # one per clause: bounded by the draft, not by the decisions
            labels[key] = clause_label(draft, key)
        yield {"type": "comment" if c_id is not None else "proposal", "id": c_id if c_id is not None else p_id,
               "clause": labels.get(key, "") if key else "", "clause_key": key or "", "author": author,
               "input": body if c_id is not None else f"{text}\n\n{rationale}".strip(),
               "outcome": outcome, "reason": reason, "decided_at": decided_at}


def _attributions(*conditions):
    """Attribution rows whose proposal or comment is still public, with the proposal's status."""
    return db.session.execute(
        select(Attribution.clause_key, Attribution.proposal_id, Attribution.comment_id, Attribution.partly)
        .join(Revision, Revision.id == Attribution.revision_id)
        .outerjoin(Proposal, Proposal.id == Attribution.proposal_id)
        .outerjoin(Comment, Comment.id == Attribution.comment_id)
        .where(*conditions, Attribution.proposal_id.is_(None) | public(Proposal),
               Attribution.comment_id.is_(None) | public(Comment))
        .order_by(Revision.number, Attribution.id)).all()


def provenance(draft: Draft, a: int, b: int, external: bool = False) -> dict[str, list[dict]]:
    """Per clause key, the proposals and comments behind its changes in revisions (a, b]
    (or (b, a] for a backwards diff), each once."""
    lo, hi = min(a, b), max(a, b)
    out: dict[str, list[dict]] = {}
    seen: set[tuple[str, str, int]] = set()
    for key, proposal_id, comment_id, partly in _attributions(
            Revision.draft_id == draft.id, Revision.number > lo, Revision.number <= hi):
        kind, item_id = ("proposal", proposal_id) if proposal_id else ("comment", comment_id)
        if item_id is None or (key, kind, item_id) in seen:
            continue
        seen.add((key, kind, item_id))
        url = url_for("proposals.proposal", slug=draft.slug, proposal_id=item_id, _external=external) \
            if kind == "proposal" else \
            url_for("reading.comment", slug=draft.slug, comment_id=item_id, _external=external)
        out.setdefault(key, []).append({"type": kind, "id": item_id, "url": url, "partly": bool(partly)})
    return out


def input_summary(revision: Revision) -> dict[str, int]:
    """How many clauses of this revision changed because of public input, and from what."""
    rows = _attributions(Attribution.revision_id == revision.id)
    return {"changes": len({r.clause_key for r in rows}),
            "accepted": len({r.proposal_id for r in rows if r.proposal_id and not r.partly}),
            "partly": len({r.proposal_id for r in rows if r.proposal_id and r.partly}),
            "comments": len({r.comment_id for r in rows if r.comment_id})}


def budget_round(slug: str) -> BudgetRound | None:  # the initiative budget's reads from here on
    return db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug))


def budget_rounds() -> list[BudgetRound]:
    return list(db.session.scalars(select(BudgetRound).options(joinedload(BudgetRound.agency))))


def budget_projects(budget_round: BudgetRound) -> list[BudgetProject]:
    """A round's projects: on the ballot first, then awaiting vetting, then the rest; by title."""
    order = case({"eligible": 0, "submitted": 1, "disqualified": 2}, value=BudgetProject.status, else_=3)
    return list(db.session.scalars(select(BudgetProject).where(BudgetProject.round_id == budget_round.id)
                                   .order_by(order, BudgetProject.title, BudgetProject.id)))


def budget_updates(project: BudgetProject) -> list[BudgetUpdate]:
    return list(db.session.scalars(select(BudgetUpdate).options(joinedload(BudgetUpdate.author))
                                   .where(BudgetUpdate.project_id == project.id).order_by(BudgetUpdate.created_at)))
