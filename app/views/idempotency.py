"""Retried and double-clicked forms create one record: every creating form carries a key (a hidden
field made when the form is shown), and the key is stored in the same transaction as the work.
A second submission with the key gets the first one's answer; of two racing ones, the unique
constraint lets one commit and the other is rolled back and answered like a retry."""
from __future__ import annotations

import re
import secrets
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    abort,
    flash,
    g,
    has_request_context,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.links import safe_next
from app.models import IdempotencyKey
from app.pagecache import hole_mark, rendering_shared
from app.services.rules import RuleError

FIELD = "idempotency_key"
_VALID = re.compile(r"[A-Za-z0-9_-]{16,64}")
WAIT_FOR_FIRST = 5.0  #: seconds a racing duplicate waits for the first submission's answer


def new_key() -> str:
    """The key of a form being shown: the one it was submitted with when shown again after an error."""
    if has_request_context() and rendering_shared():
        return hole_mark("idem")  # a page shared by several readers: each gets a key of its own
    submitted = request.form.get(FIELD, "") if has_request_context() else ""
    return submitted if _VALID.fullmatch(submitted) else secrets.token_urlsafe(24)


def idempotent(view):
    """Answer a submission whose key was seen before with the first answer instead of doing it again."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.form.get(FIELD, "")
        if request.method != "POST" or not key or not current_user.is_authenticated:
            return view(*args, **kwargs)
        if not _VALID.fullmatch(key):
            abort(400, _("The form is not valid; please reload the page and send it again."))
        # No look for the key first: nearly every submission is a first one. A repeat does the work
        # again inside its transaction, and the key's unique index refuses it at the commit (or what
        # it would create exists already, or the rules refuse it now); it is then rolled back and
        # answered with what the first one did.
        g.idempotency_key = key
        try:
            response = make_response(view(*args, **kwargs))
        except (IntegrityError, HTTPException, RuleError):
            db.session.rollback()
            g.pop("idempotency_saved", None)
            earlier = _first_answer(key)
            if earlier is None:
                raise  # a first submission refused, or another constraint than the key's
            return earlier
        finally:
            g.pop("idempotency_key", None)
        if response.status_code >= 400:  # refused with the form shown again: unless it was a repeat
            db.session.rollback()
            earlier = _first_answer(key)
            if earlier is not None:
                return earlier
        stored_with = g.pop("idempotency_stored_location", None)  # the key row went in with this address
        if g.pop("idempotency_saved", None) and response.status_code in (301, 302, 303) \
                and stored_with != response.headers["Location"]:
            db.session.execute(update(IdempotencyKey).where(
                IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key)
                .values(location=response.headers["Location"]))
            db.session.commit()
        return response
    return wrapper


def answer(location: str) -> None:
    """The redirect this submission will answer with, stored with its key in the work's own
    transaction: a view that knows it before committing saves a second write and commit."""
    if has_request_context():
        g.idempotency_location = location


def _first_answer(key: str):
    """A redirect to where the first submission with ``key`` led, or None if there was none. A
    first submission still being answered (its work committed, its redirect not yet stored) is
    waited for a moment."""
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == current_user.id,
                                                             IdempotencyKey.key == key))
        if row is None:
            return None
        if row.location:
            flash(_("This form had been sent already; here is what it did."))
            return redirect(row.location)
        if time.monotonic() > deadline:
            # The work was committed but its answer was lost (the process that did it died before
            # answering): it is done, once; send the person back to the page they sent it from.
            flash(_("This form had been sent already; here is what it did."))
            return redirect(_page_sent_from())
        db.session.rollback()  # a fresh snapshot for the next look
        time.sleep(0.05)


def _page_sent_from() -> str:
    referrer = urlsplit(request.referrer or "")
    back = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else "")) \
        if referrer.netloc in ("", request.host) else None
    return back or url_for("reading.home")


@event.listens_for(Session, "before_commit", insert=True)  # before activity's, which must be last
def _record_key(session: Session) -> None:
    """Store the key with the work the submission did, in the same transaction."""
    if not has_request_context() or g.get("idempotency_saved") or not g.get("idempotency_key"):
        return
    g.idempotency_stored_location = g.get("idempotency_location")
    session.add(IdempotencyKey(user_id=current_user.id, key=g.idempotency_key, location=g.idempotency_stored_location))
    g.idempotency_saved = True
