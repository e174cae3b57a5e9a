"""Security headers on every response: a strict Content Security Policy (the pages use one small
script file and no inline code), no framing, no MIME sniffing, and little referrer leakage. And
the input every route shares is bounded before any view sees it: ids in URLs fit a database
integer, and no NUL byte reaches PostgreSQL from the address."""
from __future__ import annotations

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

#: the largest value of a database integer column
MAX_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """``<int:...>`` that matches only ids a database can hold; a bigger number is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class CleanRequest(Request):
    """Query arguments without NUL bytes (PostgreSQL refuses them in text; none belong in a filter),
    as forms already drop control characters."""

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", ""))
                                   for k, v in super().args.items(multi=True)])


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.request_class = CleanRequest

    @app.before_request
    def _no_nul_names():
        """A slug or clause id with a NUL names nothing (and PostgreSQL would refuse to look it up).
        Tokens are checked by their signature, never looked up as text, so their views answer."""
        if any(isinstance(v, str) and "\x00" in v for k, v in (request.view_args or {}).items() if k != "token"):
            abort(404)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
