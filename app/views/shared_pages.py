"""Pages rendered once for every reader who would get the same page, signed-in citizens included.

A signed-in citizen's draft or clause page differs from their neighbour's in a few places only: their
name and unread count in the header, the form tokens (CSRF, idempotency key, the time the form was
shown), what their own comments offer them (edit, "this was not me") and, on a clause page, their
vote. The page is rendered once with those places left as holes (both versions, for a comment's
offers) and kept per process under everything else it depends on (path, language, time zone,
whether the reader is a confirmed member, their vote, and ``activity.page_stamp``: the draft's
data, its language versions, the deadline); each request fills the holes with its reader's own
values. Staff and moderators, and anyone with messages waiting, get a page of their own as before.
What the stamp does not cover (an agency renamed, say) shows at most SHARED_PAGE_SECONDS late.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app import pagecache
from app.activity import PageStamp
from app.pagecache import hole_mark, rendering_shared
from app.views import humans, idempotency


def hole(name: str, value) -> Markup:
    """``value`` (escaped), or the hole each request fills when the page is shared."""
    return Markup(hole_mark(name)) if rendering_shared() else escape(value)


def own_choice(author_id: int, mine: str, others: str) -> Markup:
    """Both versions of what a comment offers its reader (edit it, or report it): the request keeps
    the one for its reader, so the author of a comment can share the page of its clause."""
    return Markup(f"{hole_mark('own')}{author_id}{hole_mark('or')}{mine}{hole_mark('or')}{others}{hole_mark('end')}")


def unread_label(count: int | None) -> str:
    return f" ({count})" if count else ""


def shared_page(page_key: Callable[..., PageStamp | None]):
    """Serve the view from the shared cache when the reader may share it. ``page_key`` gets the
    view's arguments and returns what the page depends on besides path, language and time zone (the
    data's stamp, the member's vote) with the reader's unread count, or None when this reader's page
    must be their own."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            ttl = current_app.config.get("SHARED_PAGE_SECONDS", 0)
            member = current_user.is_authenticated
            if (ttl <= 0 or "_flashes" in session or current_app.config.get("CAPTCHA")
                    or (member and current_user.role != "citizen")):
                return view(*args, **kwargs)
            stamp = page_key(*args, **kwargs)
            if stamp is None:
                return view(*args, **kwargs)
            reader = ("member", current_user.is_confirmed) if member else ("anonymous",)
            key = (*pagecache.request_key(), "shared", reader, stamp.key)
            hit = pagecache.recall(key)
            if hit is not None:
                return current_app.response_class(_fill(hit.prepared, stamp.unread), mimetype=hit.mimetype)
            g.shared_render = True
            try:
                response = current_app.make_response(view(*args, **kwargs))
            finally:
                g.shared_render = False
            body = response.get_data()
            token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
            if token:
                body = body.replace(token.encode(), hole_mark("csrf").encode())
            page = _split(body)
            if response.status_code == 200 and not response.is_streamed:
                pagecache.keep(key, body, response.mimetype, ttl, prepared=page)
            response.set_data(_fill(page, stamp.unread))
            return response
        return wrapper
    return decorate


_OWN, _OR, _END = (re.escape(hole_mark(name).encode()) for name in ("own", "or", "end"))
#: a comment's two versions (groups 1-3: its author's id, the author's, everyone else's) or a hole (group 4)
_PART = re.compile(_OWN + rb"(\d+)" + _OR + rb"(.*?)" + _OR + rb"(.*?)" + _END + b"|" + pagecache.HOLE.pattern,
                   re.DOTALL)


def _split(body: bytes) -> tuple:
    """A kept page cut at its holes once, so that a request only joins the pieces: text (bytes), a
    hole's name (str), or a comment's two versions (its author's id, their pieces, everyone else's)."""
    parts, at = [], 0
    for m in _PART.finditer(body):
        parts.append(body[at:m.start()])
        if m.group(1) is not None:
            parts.append((int(m.group(1)), _split(m.group(2)), _split(m.group(3))))
        else:
            parts.append(m.group(4).decode())
        at = m.end()
    parts.append(body[at:])
    return tuple(parts)


def _fill(page: tuple, unread: int | None) -> bytes:
    """The page with this request's reader in its holes (a fresh key and form time per form);
    ``unread``: their unread count, read with the page's stamp."""
    reader = current_user.id if current_user.is_authenticated else None
    done: dict[str, bytes] = {}
    out: list[bytes] = []

    def value(name: str) -> bytes:
        if name == "idem":
            return idempotency.new_key().encode()
        if name == "started":
            return str(escape(humans.started_value())).encode()
        if name not in done:
            if name == "csrf":
                done[name] = generate_csrf().encode()
            elif name == "name":
                done[name] = str(escape(current_user.display_name)).encode()
            elif name == "unread":
                done[name] = str(escape(unread_label(unread))).encode()
            else:
                done[name] = hole_mark(name).encode()
        return done[name]

    def join(parts: tuple) -> None:
        for part in parts:
            if type(part) is bytes:
                out.append(part)
            elif type(part) is str:
                out.append(value(part))
            else:
                join(part[1] if part[0] == reader else part[2])
    join(page)
    return b"".join(out)
