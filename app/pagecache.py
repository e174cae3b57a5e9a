"""Micro-caching of public pages for anonymous readers.

Most readers are anonymous and read the same draft pages. Each worker keeps the rendered page for a
couple of seconds (PAGE_CACHE_SECONDS), so a burst of readers costs one render. Anonymous counts can
thus lag by at most that long; logged-in people, who may have just commented or voted, always get a
fresh page. The cache is per process and only ever holds public HTML, so workers need not agree.
"""
from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from functools import wraps
from threading import Lock
from typing import NamedTuple

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from app import i18n

#: per process (PAGE_CACHE_MAX_BYTES); bounds what odd query strings can make it hold. A draft read in
#: four languages by members and visitors is about 2,000 pages of 20 KB: when they do not fit, pages
#: are rendered again and again (at 32 MB the read mix's members got a fifth of their pages afresh)
_MAX_BYTES = 96 * 1024 * 1024


class Entry(NamedTuple):
    """A kept 200 response: its body, or what its keeper made of it (``prepared``), and the body's size."""
    expires: float
    body: bytes | None
    mimetype: str
    prepared: object
    size: int


_entries: OrderedDict[tuple, Entry] = OrderedDict()
_size = 0
_lock = Lock()


#: a hole in a shared page (views/shared_pages): private-use characters around a secret of the
#: process, so that no text from the data can pass for one (forms strip control characters, which
#: would also strip a mark made of them from a field's value)
_SECRET = secrets.token_hex(8)
_EDGE = "\ue000"
HOLE = re.compile(f"{_EDGE}{_SECRET}:([a-z]+){_EDGE}".encode())


def hole_mark(name: str) -> str:
    return f"{_EDGE}{_SECRET}:{name}{_EDGE}"


def rendering_shared() -> bool:
    """Whether this request is rendering a page to be shared: readers' own values become holes."""
    return bool(g.get("shared_render"))


def request_key() -> tuple:
    """What every cached page depends on: the database, the path with its query, language, time zone."""
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], request.full_path, str(get_locale()),
            i18n.select_timezone())


def recall(key: tuple) -> Entry | None:
    """The entry kept under ``key`` while it is fresh."""
    with _lock:
        hit = _entries.get(key)
    return hit if hit and hit.expires > time.monotonic() else None


def keep(key: tuple, body: bytes, mimetype: str, ttl: float, prepared=None) -> None:
    """``prepared``: what the keeper made of the body once (a page cut at its holes), kept instead
    of it; it counts as the body's size."""
    _store(key, Entry(time.monotonic() + ttl, None if prepared is not None else body, mimetype, prepared,
                      len(body)), current_app.config.get("PAGE_CACHE_MAX_BYTES"))


def public_page(view):
    """Serve ``view`` from the per-process cache when the reader is anonymous and has no pending
    messages; store only plain 200 HTML responses that set no cookie."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        ttl = current_app.config.get("PAGE_CACHE_SECONDS", 0)
        if ttl <= 0 or current_user.is_authenticated or "_flashes" in session:
            return view(*args, **kwargs)
        key = request_key()
        hit = recall(key)
        if hit:
            return current_app.response_class(hit.body, mimetype=hit.mimetype)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.headers.get("Set-Cookie") and not response.is_streamed:
            keep(key, response.get_data(), response.mimetype, ttl)
        return response
    return wrapper


def _store(key: tuple, entry: Entry, limit: int | None = None) -> None:
    global _size
    with _lock:
        old = _entries.pop(key, None)
        _size += entry.size - (old.size if old else 0)
        _entries[key] = entry
        while _size > (limit or _MAX_BYTES) and _entries:
            _size -= _entries.popitem(last=False)[1].size
