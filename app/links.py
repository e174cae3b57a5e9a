"""Links to the site's pages by endpoint name, also where there is no request (a command that
publishes a revision stores notification links too)."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, *, anchor: str | None = None, **values) -> str:
    """The path of a page, as ``url_for`` builds it; outside a request, under APPLICATION_ROOT."""
    anchor = anchor or values.pop("_anchor", None)
    if has_request_context():
        return url_for(endpoint, _anchor=anchor, **values)
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    path = current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)
    return f"{path}#{quote(anchor)}" if anchor else path


def diff_path(slug: str, a: int, b: int, **args) -> str:
    """The diff page from revision ``a`` to ``b`` (``from`` is a Python keyword, hence this helper)."""
    return path_for("history.diff", slug=slug, **{"from": a, "to": b}, **args)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site, so ``next=`` cannot send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a page under BASE_URL (feeds, share links, Open Graph): never built
    from the Host header a request claimed."""
    return current_app.config.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/") + path_for(endpoint, **values)
