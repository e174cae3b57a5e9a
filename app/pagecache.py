"""Micro-caching of public pages for anonymous readers.

Most readers are anonymous and read the same draft pages. Each worker keeps the rendered page for a
couple of seconds (PAGE_CACHE_SECONDS), so a burst of readers costs one render. Anonymous counts can
thus lag by at most that long; logged-in people, who may have just commented or voted, always get a
fresh page. The cache is per process and only ever holds public HTML, so workers need not agree.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from app import i18n

_MAX_BYTES = 32 * 1024 * 1024  #: per process; bounds what odd query strings can make it hold
_entries: OrderedDict[tuple, tuple[float, bytes, int, str]] = OrderedDict()
_size = 0
_lock = Lock()


def _key() -> tuple:
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], request.full_path, str(get_locale()),
            i18n.select_timezone())


def public_page(view):
    """Serve ``view`` from the per-process cache when the reader is anonymous and has no pending
    messages; store only plain 200 HTML responses that set no cookie."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        ttl = current_app.config.get("PAGE_CACHE_SECONDS", 0)
        if ttl <= 0 or current_user.is_authenticated or "_flashes" in session:
            return view(*args, **kwargs)
        key = _key()
        now = time.monotonic()
        with _lock:
            hit = _entries.get(key)
        if hit and hit[0] > now:
            body, status, mimetype = hit[1], hit[2], hit[3]
            return current_app.response_class(body, status=status, mimetype=mimetype)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.headers.get("Set-Cookie") and not response.is_streamed:
            _store(key, (now + ttl, response.get_data(), 200, response.mimetype))
        return response
    return wrapper


def _store(key: tuple, entry: tuple[float, bytes, int, str]) -> None:
    global _size
    with _lock:
        old = _entries.pop(key, None)
        _size += len(entry[1]) - (len(old[1]) if old else 0)
        _entries[key] = entry
        while _size > _MAX_BYTES and _entries:
            _size -= len(_entries.popitem(last=False)[1][1])
