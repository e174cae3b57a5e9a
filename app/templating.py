"""Template filters and helpers: sanitised Markdown, dates in the reader's zone."""
from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlencode

import markdown as markdown_lib
import nh3
from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    gettext,
    ngettext,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from app import i18n, queries
from app.clock import utcnow
from app.labels import audit_action, audit_detail, notification_text, status_label
from app.links import diff_path, public_url
from app.pagecache import rendering_shared
from app.services import notifications, receipts
from app.views.idempotency import new_key

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li",
                "a", "h3", "h4", "hr"}


def render_markdown(text: str) -> Markup:
    """Markdown to HTML, then sanitised: Markdown passes raw HTML and javascript: links through."""
    return Markup(_render_markdown(text or ""))


@lru_cache(maxsize=4096)
def _render_markdown(text: str) -> str:
    """Pure and costly (a new Markdown parser each call), so a comment is rendered once per process."""
    html = markdown_lib.markdown(text, output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer ugc")


def time_left(when: datetime, now: datetime | None = None) -> str:
    now = now or utcnow()
    seconds = (when - now).total_seconds()
    if seconds <= 0:
        return gettext("closed")
    days, rest = divmod(int(seconds), 86400)
    hours = rest // 3600
    if days >= 1:
        return ngettext("%(num)d day left", "%(num)d days left", days)
    if hours >= 1:
        return ngettext("%(num)d hour left", "%(num)d hours left", hours)
    return gettext("less than an hour left")


def format_moment(value: datetime | None, fmt: str = "medium") -> str:
    """A date and time in the reader's language and zone, to the minute: seconds only distract."""
    if not value:
        return ""
    if fmt != "medium":
        return format_datetime(value, fmt)
    pattern = get_locale().datetime_formats.get("medium", "{1} {0}")
    return str(pattern).replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))


def page_url(page: int) -> str:
    """The current URL with another ?page=."""
    args = {name: value[:2000] for name, value in request.args.items() if len(name) <= 20}  # echo little
    args["page"] = str(page)
    return f"{request.path}?{urlencode(args)}"


def money(amount: int | None) -> str:
    """An amount of so'm, grouped as the reader's language writes numbers."""
    return "" if amount is None else gettext("%(amount)s so'm", amount=format_decimal(amount))


def file_size(size: int) -> str:
    """A file's size in KB or MB, as the reader's language writes numbers."""
    if size < 1024 * 1024:
        return gettext("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return gettext("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))


def language_name(code: str) -> str:
    """A draft's language (any ISO 639 code) named in the reader's language: CLDR's names."""
    return Locale.parse(str(get_locale())).languages.get(code, code)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["label"] = status_label
    app.jinja_env.filters["html_lang"] = i18n.html_lang
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["audit_action"] = audit_action
    app.jinja_env.globals["audit_detail"] = audit_detail
    app.jinja_env.filters["dt"] = format_moment
    # in-app notifications are stored in English with their parameters, shown in the reader's language
    app.jinja_env.globals["notification_text"] = notification_text
    app.jinja_env.filters["iso"] = lambda value: value.astimezone(UTC).isoformat() if value else ""
    app.jinja_env.globals["time_left"] = time_left
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["is_public"] = queries.is_public
    app.jinja_env.globals["diff_url"] = diff_path
    app.jinja_env.globals["idempotency_key"] = new_key
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.globals["receipt_number"] = receipts.number
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        return {"languages": current_app.config["LANGUAGES"], "language_names": i18n.LANGUAGE_NAMES}

    @app.context_processor
    def _unread_count():
        if not has_request_context() or not current_user.is_authenticated or rendering_shared():
            return {}  # a shared page leaves the count as a hole, filled per reader
        return {"unread_notifications": unread_count()}


def unread_count() -> int | None:
    """The logged-in reader's unread count for the header."""
    try:
        return notifications.unread_count(current_user.id)
    except SQLAlchemyError:  # an error page after a database failure still renders
        return None
