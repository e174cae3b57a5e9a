"""The audit log: every staff, moderation and account action, append-only and hash-chained like the
revisions, so an entry altered or removed afterwards is found by ``verify_chain``."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import AuditLog, User

#: actions counted in the public moderation summary
HIDE_ACTIONS = ("moderation.hide", "moderation.auto_hide")


def entry_hash(prev: str, actor_id: int | None, action: str, target: str, detail: str,
               created_at: datetime) -> str:
    """The recipe migration 0008 also used for entries written before the chain existed."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = "\x1f".join([prev, str(actor_id or ""), action, target, detail, stamp])
    return hashlib.sha256(payload.encode()).hexdigest()


def audit(actor: User | None, action: str, target: str = "", detail: str = "") -> AuditLog:
    """Append an entry chained to the last one. The entry before it is read in the same transaction;
    on PostgreSQL two writers racing still each chain to a committed entry, which verify_chain shows."""
    db.session.flush()
    prev = db.session.scalar(select(AuditLog.entry_hash).order_by(AuditLog.id.desc()).limit(1)) or ""
    now = utcnow().replace(microsecond=0)
    actor_id = actor.id if actor else None
    entry = AuditLog(actor_id=actor_id, action=action, target=target, detail=detail, created_at=now,
                     prev_hash=prev, entry_hash=entry_hash(prev, actor_id, action, target, detail, now))
    db.session.add(entry)
    db.session.flush()
    return entry


def verify_chain() -> list[int]:
    """The ids of entries whose hash or link to the previous entry does not hold (empty: intact)."""
    broken, prev = [], ""
    for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id)):
        if e.prev_hash != prev or e.entry_hash != entry_hash(prev, e.actor_id, e.action, e.target, e.detail,
                                                             e.created_at):
            broken.append(e.id)
        prev = e.entry_hash
    return broken


def entries(page: int, per_page: int = 50):
    return db.paginate(select(AuditLog).order_by(AuditLog.id.desc()), page=page, per_page=per_page,
                       error_out=False)


def hidden_by_reason() -> list[tuple[str, int]]:
    """How many contributions moderators hid, per public reason (the public summary)."""
    return list(db.session.execute(select(AuditLog.detail, func.count()).where(AuditLog.action.in_(HIDE_ACTIONS))
                                   .group_by(AuditLog.detail).order_by(func.count().desc())).all())
