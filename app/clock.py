"""The one clock: aware UTC datetimes, stored as such on every backend."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
