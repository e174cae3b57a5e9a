"""Which language and time zone a reader sees."""
from __future__ import annotations

import os
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, has_request_context, request
from flask_login import current_user

_ZONES = frozenset(available_timezones())

#: The interface languages, each named in itself (for the switcher) and its BCP 47 tag (for lang="").
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uz": "Oʻzbekcha", "uz_Cyrl": "Ўзбекча"}
BCP47 = {"uz_Cyrl": "uz-Cyrl"}


def valid_timezone(name: str | None) -> bool:
    return bool(name) and name in _ZONES


def html_lang(code) -> str:
    """The tag for ``<html lang>``: babel writes uz_Cyrl, HTML wants uz-Cyrl."""
    code = str(code)
    return BCP47.get(code, code.replace("_", "-"))


def best_language(header_values: list[str], languages) -> str | None:
    """The first wanted language we have, trying each tag from most to least specific:
    ``uz-Cyrl-UZ`` finds uz_Cyrl before uz (werkzeug's best_match would give uz)."""
    by_tag = {html_lang(code).lower(): code for code in languages}
    for value in header_values:
        parts = value.replace("_", "-").lower().split("-")
        for n in range(len(parts), 0, -1):
            found = by_tag.get("-".join(parts[:n]))
            if found:
                return found
    return None


def N_(message: str) -> str:
    """Mark a string for the catalogues where it is translated later (the CLI's help texts)."""
    return message


def _cli_locale(languages) -> str | None:
    """Outside a request (the CLI): MUHOKAMA_LANG (ru, uz, uz_Cyrl, en) when set, else the staff
    member's system language, e.g. LANG=ru_RU.UTF-8."""
    chosen = os.environ.get("MUHOKAMA_LANG", "").strip()
    if chosen:
        found = best_language([chosen], languages)
        if found:
            return found
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            value, _, modifier = value.partition("@")
            base = value.partition(".")[0]
            tags = [base.split("_")[0] + "-cyrl"] if modifier == "cyrillic" else []
            return best_language([*tags, base], languages)
    return None


def select_locale() -> str:
    """The account's setting, else the cookie the language links set, else the browser's wish."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return _cli_locale(languages) or default
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    wanted = [value for value, _quality in request.accept_languages]
    return best_language(wanted, languages) or default


def select_timezone() -> str:
    """The user's setting, else the browser's zone (a cookie set by a tiny optional script)."""
    if has_request_context() and current_user and current_user.is_authenticated \
            and valid_timezone(current_user.timezone):
        return current_user.timezone
    cookie = request.cookies.get("tz") if has_request_context() else None
    if valid_timezone(cookie):
        return cookie
    return current_app.config["DEFAULT_TIMEZONE"]


def zone() -> ZoneInfo:
    return ZoneInfo(select_timezone())
