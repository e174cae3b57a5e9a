"""The audit log: every staff and account action, append-only."""
from __future__ import annotations

from app.extensions import db
from app.models import AuditLog, User


def audit(actor: User | None, action: str, target: str = "", detail: str = "") -> None:
    db.session.add(AuditLog(actor_id=actor.id if actor else None, action=action, target=target,
                            detail=detail))
