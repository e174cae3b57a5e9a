"""Background jobs: an outbox table written in the same transaction as the change that causes the
work, drained by `flask worker` processes. Nothing here needs a request.

A worker claims the oldest due job in a short transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``,
so workers never wait on each other's rows; SQLite: the write lock taken at BEGIN serialises
claims), marking it "running" with a lease. The work (an SMTP conversation) runs outside any
transaction, so SQLite's write lock is never held while a mail server answers. Then the job is
marked done, or put back with exponential backoff, or marked failed after ``max_attempts``.
A claim is atomic, so two workers never run the same job; a worker that dies mid-job leaves a
lease that expires, and the job runs again (at least once: the email keeps its Message-ID).

Handlers are ``prepare(jobs) -> action``: ``prepare`` reads the database (inside a transaction),
``action()`` does the outside work after that transaction has ended.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Job

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
KEEP_DONE = timedelta(days=14)
MAX_BACKOFF = timedelta(hours=6)
#: the first key of PostgreSQL advisory locks on job batches (the second is the batch key's hash)
BATCH_LOCKS = 0x6A6F62  # "job"

Action = Callable[[], None]
Handler = Callable[[list[Job]], Action]
Periodic = Callable[[datetime], None]


class PermanentError(Exception):
    """Retrying cannot help (the address is refused, the payload is malformed): fail at once."""


def enqueue(kind: str, payload: dict, *, run_after: datetime | None = None, batch_key: str | None = None,
            max_attempts: int = 8) -> Job:
    """Add a job to the caller's transaction; it exists only if that transaction commits."""
    job = Job(kind=kind, payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
              run_after=run_after or utcnow(), batch_key=batch_key, max_attempts=max_attempts,
              status="pending", attempts=0, last_error="")
    db.session.add(job)
    return job


def payload(job: Job) -> dict:
    return json.loads(job.payload)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failure, at most MAX_BACKOFF, with
    jitter so workers retrying after an outage do not all come back at the same second."""
    base = min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return base * random.uniform(1.0, 1.1)


def _due(now: datetime):
    return or_(and_(Job.status == "pending", Job.run_after <= now),
               and_(Job.status == "running", Job.locked_until < now))  # a dead worker's lease ran out


def claim(kinds: Iterable[str], now: datetime | None = None) -> list[Job]:
    """Take the oldest due job (with the due jobs of its batch) for this worker; [] if none.

    A batch (one person's daily digest) goes whole to one worker. On PostgreSQL ``SKIP LOCKED``
    alone would let a second worker take the batch's next job while the first is still gathering
    it (two half digests): so whoever takes a batch job also takes the batch's advisory lock, without
    waiting; a worker that cannot lets go of its job (the holder then waits for it and takes it)
    and looks further. On SQLite the write lock taken at BEGIN makes the whole claim one step."""
    now = now or utcnow()
    kinds = list(kinds)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    busy: list[str] = []  #: batches another worker is gathering now
    while True:
        pick = select(Job.id, Job.kind, Job.batch_key).where(_due(now), Job.kind.in_(kinds))
        if busy:
            pick = pick.where(or_(Job.batch_key.is_(None), Job.batch_key.not_in(busy)))
        pick = pick.order_by(Job.run_after, Job.id).limit(1)
        first = db.session.execute(pick.with_for_update(skip_locked=True) if postgres else pick).first()
        if first is None:
            db.session.commit()
            return []
        if first.batch_key is None or not postgres or db.session.scalar(select(func.pg_try_advisory_xact_lock(
                BATCH_LOCKS, func.hashtext(first.batch_key)))):
            break
        db.session.rollback()  # release the row at once: the lock's holder is waiting for it
        busy.append(first.batch_key)
    ids = [first.id]
    if first.batch_key is not None:
        more = select(Job.id).where(_due(now), Job.kind == first.kind, Job.batch_key == first.batch_key,
                                    Job.id != first.id)
        # waiting (no SKIP LOCKED): a row of the batch is held only by a worker about to let go of it
        ids += db.session.scalars(more.with_for_update() if postgres else more).all()
    token = uuid.uuid4().hex
    db.session.execute(update(Job).where(Job.id.in_(ids), _due(now)).values(
        status="running", locked_by=token, locked_until=now + LEASE, attempts=Job.attempts + 1),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return list(db.session.scalars(select(Job).where(Job.locked_by == token, Job.status == "running")
                                   .order_by(Job.id)))


def _finish(jobs: list[Job], error: BaseException | None) -> None:
    now = utcnow()
    for job in jobs:
        mine = and_(Job.id == job.id, Job.locked_by == job.locked_by, Job.status == "running")
        if error is None:
            values = {"status": "done", "finished_at": now, "locked_until": None, "last_error": ""}
        elif isinstance(error, PermanentError) or job.attempts >= job.max_attempts:
            values = {"status": "failed", "finished_at": now, "locked_until": None, "last_error": str(error)[:2000]}
        else:
            values = {"status": "pending", "run_after": now + backoff(job.attempts), "locked_until": None,
                      "last_error": str(error)[:2000]}
        db.session.execute(update(Job).where(mine).values(**values), execution_options={"synchronize_session": False})
    db.session.commit()


def run(jobs: list[Job], handlers: dict[str, Handler]) -> bool:
    """Do claimed jobs; True when they succeeded. Errors are recorded on the jobs, never raised."""
    try:
        action = handlers[jobs[0].kind](jobs)
        db.session.commit()  # end the read transaction before talking to the outside world
        action()
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, to retry later
        db.session.rollback()
        log.warning("job %s (%s) failed on attempt %d: %s", [j.id for j in jobs], jobs[0].kind,
                    jobs[0].attempts, exc)
        _finish(jobs, exc)
        return False
    _finish(jobs, None)
    return True


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("pending", "running")))) or 0


def purge(now: datetime) -> None:
    """Forget finished jobs after a while: they hold email addresses."""
    db.session.execute(delete(Job).where(Job.status.in_(("done", "failed")), Job.finished_at < now - KEEP_DONE))
    db.session.commit()


def work(handlers: dict[str, Handler], periodic: Iterable[Periodic] = (), *, once: bool = False,
         poll_seconds: float = 2.0, tick_seconds: float = 60.0, stop: threading.Event | None = None,
         queues: Iterable[Callable[[], int | None]] = ()) -> int:
    """The worker loop: run periodic tasks (every ``tick_seconds``), then due jobs, then the other
    ``queues`` (each a call that does one batch and says how much it did, such as the search
    outbox); sleep when all are idle. ``once``: one round of periodic tasks, then drain what is due
    and return. Returns how many claims succeeded."""
    stop = stop or threading.Event()
    periodic = [*periodic, purge]
    done, last_tick = 0, None
    while not stop.is_set():
        now = utcnow()
        if last_tick is None or (now - last_tick).total_seconds() >= tick_seconds:
            for task in periodic:
                try:
                    task(now)
                except Exception:
                    db.session.rollback()
                    log.exception("periodic task %s failed", getattr(task, "__name__", task))
            last_tick = now
        jobs = claim(handlers)
        if jobs:
            done += run(jobs, handlers)
            continue
        if _any_work(queues):
            continue
        if once:
            break
        db.session.remove()  # do not hold a connection (or a snapshot) while idle
        stop.wait(poll_seconds)
    return done


def _any_work(queues: Iterable[Callable[[], int | None]]) -> bool:
    did = False
    for queue in queues:
        try:
            did = bool(queue()) or did
        except Exception:
            db.session.rollback()
            log.exception("queue %s failed; its rows stay queued", getattr(queue, "__name__", queue))
    return did
