"""The search outbox: index changes are rows written in the same transaction as the change, then
applied to the index after the commit. A crash in between leaves the rows for the next request or
for ``flask search process``; nothing is lost and nothing needs the index to be up.

With the PostgreSQL engine (the index is a table of the same database) and requests allowed to
index, a change to a comment, draft or project is indexed in its own transaction instead, just before
it commits: one transaction instead of two and no outbox row written and deleted. It takes the same
per-object lock a worker does; when a worker holds it, that object goes to the outbox after all.

Services call ``enqueue``. As a safety net, edits to a comment's body or status, to a draft's
public fields and to a budget project's words or visibility queue themselves at flush time, so a
moderation service cannot forget to.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from contextlib import nullcontext
from datetime import datetime

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import delete, event, func, inspect, select, tuple_

from app.database import read_without_write_lock
from app.extensions import db
from app.models import BudgetProject, Comment, Draft, SearchOutbox
from app.search import documents, get_backend

log = logging.getLogger(__name__)
#: model -> (its kind in the index, the columns whose change the index must see)
_WATCHED = {Comment: ("comment", ("body", "status")),
            Draft: ("draft", ("title", "summary", "published", "agency_id", "language")),
            BudgetProject: ("project", ("title", "description", "mahalla", "hidden"))}
_KEY = "search_outbox_queued"
_IN_TRANSACTION = "search_in_transaction"  #: (kind, id, op) to index before this transaction commits
_ROWS = "search_outbox_rows"  #: set when this transaction wrote outbox rows
_GIVEN = "search_docs_given"  #: (kind, id) -> the document a service handed over with its change
_CREATED = "search_created"  #: (kind, id) inserted by this transaction: no other can index them yet
#: kinds whose document is one row of bounded size; a revision (thousands of clauses) always queues
_DIRECT_KINDS = frozenset({"comment", "draft", "project"})
_DIRECT_MAX = 50  #: more changes than this in one transaction (an import) go through the outbox


def enqueue(kind: str, object_id: int, op: str = "upsert", doc: documents.SearchDoc | None = None) -> None:
    """Queue a change for the index, inside the caller's transaction (flushed with it). ``doc``: the
    document as it will commit, when the caller has it at hand (saves reading it back); a later
    change to the object in the same transaction drops it."""
    session = db.session()
    _queue(session, kind, object_id, op)
    if doc is not None and (kind, object_id, op) in session.info.get(_IN_TRANSACTION, ()):
        session.info.setdefault(_GIVEN, {})[(kind, object_id)] = doc


def _queue(session, kind: str, object_id: int, op: str) -> None:
    queued = session.info.setdefault(_KEY, set())
    session.info.get(_GIVEN, {}).pop((kind, object_id), None)  # changed since: read it back
    if (kind, object_id, op) in queued:
        return
    queued.add((kind, object_id, op))
    if kind in _DIRECT_KINDS and _in_transaction():
        session.info.setdefault(_IN_TRANSACTION, set()).add((kind, object_id, op))
    else:
        _add_row(session, kind, object_id, op)


def _add_row(session, kind: str, object_id: int, op: str) -> None:
    session.add(SearchOutbox(kind=kind, object_id=object_id, op=op))
    session.info[_ROWS] = True  # the request applies them once it has committed


def _in_transaction() -> bool:
    """Whether changes are indexed in the transaction that makes them (see the module's docstring)."""
    return has_app_context() and current_app.config.get("SEARCH_PROCESS_ON_REQUEST", True) \
        and get_backend().indexes_in_database


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def oldest_pending() -> datetime | None:
    return db.session.scalar(select(func.min(SearchOutbox.created_at)))


def pending_keys(limit: int = 5000) -> set[str]:
    """Documents whose database state is newer than the index. Searches leave them out until they
    are applied, so a comment hidden a moment ago is gone from results and counts at once."""
    rows = db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id)
                              .order_by(SearchOutbox.id).limit(limit))
    return {f"{kind}:{object_id}" for kind, object_id in rows if kind in documents.KINDS}


def process(backend, *, blocking: bool, limit: int = 1000) -> int | None:
    """Apply up to ``limit`` pending rows; returns how many, or None when another process holds
    the index (non-blocking callers then leave the rows for later)."""
    done: list[tuple[int, datetime]] = []
    # With the Whoosh index on SQLite, only deleting the applied rows needs the database's write
    # lock: holding it while the index is written would queue every other writer behind that.
    # Through PostgreSQL the rows stay locked (FOR UPDATE SKIP LOCKED) until the index is written.
    sqlite_whoosh = db.session.get_bind().dialect.name == "sqlite"  # the PostgreSQL backend needs PostgreSQL
    with backend.writing(blocking=blocking) as batch, \
            (read_without_write_lock(db.session) if sqlite_whoosh else nullcontext()):
        if batch is None:
            return None
        rows = db.session.execute(select(SearchOutbox.id, SearchOutbox.created_at, SearchOutbox.kind,
                                         SearchOutbox.object_id, SearchOutbox.op)
                                  .order_by(SearchOutbox.id).limit(limit).with_for_update(skip_locked=True)).all()
        claimed = []
        for row_id, created_at, kind, object_id, op in rows:
            if not batch.claim(kind, object_id):
                continue  # another worker is indexing this very object; its row waits
            done.append((row_id, created_at))
            claimed.append((kind, object_id, op))
        _apply(batch, claimed)
    if done:
        # Only the rows that were read: a newer job for the same object stays for the next round.
        db.session.execute(delete(SearchOutbox).where(tuple_(SearchOutbox.id, SearchOutbox.created_at).in_(done)))
    db.session.commit()
    return len(done)


def drain(backend, *, blocking: bool = True) -> int:
    """Process until the outbox is empty (``flask search process``)."""
    total = 0
    while True:
        n = process(backend, blocking=blocking)
        if not n:
            return total
        total += n


def try_process_now() -> None:
    """After a committed request: apply pending rows if the index is free; never wait, never fail."""
    try:
        process(get_backend(), blocking=False)
    except Exception:
        db.session.rollback()
        log.exception("search outbox processing failed; rows stay queued")


def after_request(response):
    """Registered by the search blueprint: runs after the view committed its transaction."""
    if g.pop("search_outbox_dirty", False) and current_app.config.get("SEARCH_PROCESS_ON_REQUEST", True):
        try_process_now()
    return response


@event.listens_for(db.session, "before_flush")
def _watch(session, _context, _instances) -> None:
    for obj in session.dirty:
        kind, names = _WATCHED.get(type(obj), (None, ()))
        if not names:
            continue
        state = inspect(obj)
        if any(state.attrs[n].history.has_changes() for n in names):
            _queue(session, kind, obj.id, "upsert")


@event.listens_for(db.session, "after_flush")
def _note_created(session, _context) -> None:
    created = [(_WATCHED[type(obj)][0], obj.id) for obj in session.new if type(obj) in _WATCHED]
    if created:
        session.info.setdefault(_CREATED, set()).update(created)


@event.listens_for(db.session, "before_commit", insert=True)  # before activity's, which must be last
def _index_before_commit(session) -> None:
    """Index this transaction's changes in it (PostgreSQL engine); what cannot be goes to the outbox."""
    if not session.info.get(_IN_TRANSACTION) or session.in_nested_transaction():
        return  # a savepoint's release: its changes are indexed when the whole transaction commits
    session.flush()  # changes still pending are watched as they flush
    changes = sorted(session.info.pop(_IN_TRANSACTION))
    if len(changes) > _DIRECT_MAX:
        for change in changes:
            _add_row(session, *change)
        return
    given, created = session.info.pop(_GIVEN, {}), session.info.pop(_CREATED, set())
    with get_backend().writing(blocking=False) as batch:
        claimed = []
        for kind, object_id, op in changes:
            if (kind, object_id) in created or batch.claim(kind, object_id):
                claimed.append((kind, object_id, op))
            else:  # a worker is writing this document: it waits its turn
                _add_row(session, kind, object_id, op)
        _apply(batch, claimed, given)


def _apply(batch, changes: list[tuple[str, int, str]], given: dict | None = None) -> None:
    """Write claimed changes to the index: deletes, the documents ``given`` with their change, and
    the rest read from the database (what may no longer be searched is deleted)."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    docs: list[documents.SearchDoc] = []
    deletes: list[str] = []
    for kind, object_id, op in changes:
        if op == "delete":
            deletes.append(f"{kind}:{object_id}")
        elif given and (kind, object_id) in given:
            docs.append(given[(kind, object_id)])
        else:
            by_kind[kind].add(object_id)
    for kind, ids in by_kind.items():
        loaded, gone = documents.load(kind, sorted(ids))
        docs.extend(loaded)
        deletes.extend(gone)
    batch.upsert(docs)
    batch.delete(deletes)


@event.listens_for(db.session, "after_commit")
def _committed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction goes on
    session.info.pop(_KEY, None)
    if session.info.pop(_ROWS, None) and has_request_context():
        g.search_outbox_dirty = True


@event.listens_for(db.session, "after_rollback")
def _rolled_back(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: what was queued before it still commits
    session.info.pop(_KEY, None)
    session.info.pop(_ROWS, None)


@event.listens_for(db.session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:  # not a savepoint's: what it queued still commits with the rest
        for key in (_IN_TRANSACTION, _GIVEN, _CREATED):
            session.info.pop(key, None)


def all_docs():
    """Every searchable document, read from the database in batches."""
    for kind in documents.KINDS.values():
        for ids in kind.batches():
            yield from kind.load(ids)
            db.session.expunge_all()  # a rebuild reads every row once; don't keep them all


def rebuild_index() -> int:
    """Rebuild the index from the database (it is derived data); returns the documents indexed."""
    last = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
    n = get_backend().rebuild(all_docs())
    # Rows queued before the rebuild began are in it now; later ones stay for `process`.
    db.session.execute(delete(SearchOutbox).where(SearchOutbox.id <= last))
    db.session.commit()
    return n
