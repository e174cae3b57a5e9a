"""Which language and time zone a reader sees."""
from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, has_request_context, request
from flask_login import current_user

_ZONES = frozenset(available_timezones())


def valid_timezone(name: str | None) -> bool:
    return bool(name) and name in _ZONES


def select_locale() -> str:
    """The reader's choice (cookie), else their browser's; commands (no request) speak the default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The user's setting, else the browser's zone (a cookie set by a tiny optional script)."""
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and valid_timezone(current_user.timezone):
        return current_user.timezone
    cookie = request.cookies.get("tz")
    if valid_timezone(cookie):
        return cookie
    return current_app.config["DEFAULT_TIMEZONE"]


def zone() -> ZoneInfo:
    return ZoneInfo(select_timezone())
