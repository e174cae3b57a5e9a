"""Receipt numbers: every comment and proposal has one ("C000123-4", "P000045-9"), shown when it is
posted, on its page and in the confirmation email, and it finds the item again. Made from the id
with a check digit (Luhn), so a mistyped number is told apart from one that does not exist."""
from __future__ import annotations

import re

from app.links import path_for
from app.models import Comment, Draft, Proposal
from app.services import emails

_FORMAT = re.compile(r"^\s*([CP])\s*-?\s*(\d{1,9})\s*-?\s*(\d)\s*$", re.IGNORECASE)


def _check_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def number(kind: str, item_id: int) -> str:
    """``kind``: "comment" or "proposal"."""
    digits = f"{item_id:06d}"
    return f"{'C' if kind == 'comment' else 'P'}{digits}-{_check_digit(digits)}"


def parse(text: str) -> tuple[str, int] | None:
    """("comment" or "proposal", id) for a well-formed number (any case, with or without dashes), else None."""
    match = _FORMAT.match(text or "")
    if not match or _check_digit(match.group(2).zfill(6)) != int(match.group(3)):
        return None
    return ("comment" if match.group(1).upper() == "C" else "proposal"), int(match.group(2))


def confirm(author_id: int, draft: Draft, item: Comment | Proposal) -> str:
    """Queue the "we received it" email with the receipt number; returns the number."""
    kind = "comment" if isinstance(item, Comment) else "proposal"
    receipt = number(kind, item.id)
    link = path_for("alerts.receipt", number=receipt)
    emails.queue_notice(author_id, "received", draft, link, receipt=receipt, what=kind)
    return receipt
