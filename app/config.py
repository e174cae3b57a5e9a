"""Configuration from the environment, with safe defaults for a laptop."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):  # Heroku-style URLs name the dialect differently
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url or f"sqlite:///{ROOT / 'instance' / 'muhokama.db'}"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = ROOT / "instance" / "secret_key"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_env() -> dict:
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh"),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR", str(ROOT / "search_index")),
        # apply the search outbox right after a write request; "0" leaves it to `flask search process`
        "SEARCH_PROCESS_ON_REQUEST": os.environ.get("SEARCH_PROCESS_ON_REQUEST", "1") != "0",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") == "1",
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Muhokama <noreply@localhost>"),
        # links in emails start with this (never with the Host a request claimed)
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "PAGE_CACHE_SECONDS": int(os.environ.get("PAGE_CACHE_SECONDS", "2")),
        "SHARED_PAGE_SECONDS": int(os.environ.get("SHARED_PAGE_SECONDS", "300")),
        "PAGE_CACHE_MAX_BYTES": int(os.environ.get("PAGE_CACHE_MAX_MB", "96")) * 1024 * 1024,
        "DB_PING_AFTER_IDLE_SECONDS": float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "30")),
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Asia/Tashkent"),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        # text messages (phone codes of the initiative budget): "log" for development, "http" for a provider
        "SMS_BACKEND": os.environ.get("SMS_BACKEND", "log"),
        "SMS_HTTP_URL": os.environ.get("SMS_HTTP_URL", ""),
        "SMS_HTTP_TOKEN": os.environ.get("SMS_HTTP_TOKEN", ""),
        "SMS_RATE_LIMIT": os.environ.get("SMS_RATE_LIMIT", "3/hour;10/day"),
        # photos of initiative budget projects (re-encoded JPEGs named by their hash)
        "BUDGET_PHOTO_DIR": os.environ.get("BUDGET_PHOTO_DIR", str(ROOT / "instance" / "budget_photos")),
        "REPORT_THRESHOLD": int(os.environ.get("REPORT_THRESHOLD", "3")),
        # files that come with comments and proposals (named by their SHA-256; back it up with the database)
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR", str(ROOT / "instance" / "attachments")),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))),
        "ATTACHMENTS_PER_CONTRIBUTION": int(os.environ.get("ATTACHMENTS_PER_CONTRIBUTION", "3")),
        # seconds a public form must have been shown before it is sent (0 turns the check off)
        "MIN_FILL_SECONDS": float(os.environ.get("MIN_FILL_SECONDS", "3")),
        # under overload: a request that waited longer than this in the queue (the proxy's
        # X-Request-Start) gets 503 at once; 0 turns it off. Busy answers carry Retry-After.
        "MAX_QUEUE_SECONDS": float(os.environ.get("MAX_QUEUE_SECONDS", "0")),
        "RETRY_AFTER_SECONDS": int(os.environ.get("RETRY_AFTER_SECONDS", "5")),
        # the most a page view spends grouping a draft's copied comments (a process taking in a large
        # draft for the first time does it over several views, showing what it has meanwhile)
        "CLUSTER_BUDGET_SECONDS": float(os.environ.get("CLUSTER_BUDGET_SECONDS", "0.25")),
    }


DEFAULTS = {
    # PostgreSQL connections are checked before use only after sitting idle this long
    # (app/database.py: a ping in every request would be a round trip in every request)
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "DB_PING_AFTER_IDLE_SECONDS": 30.0,
    # Public forms take a comment or a proposal; staff forms (app/views/staff.py) take whole laws.
    # (posting a comment or proposal allows room for its attachments: app/views/common.py)
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
    # A whole code of law is a few MB (the Russian Tax Code, part 1: 2.4 MB), and its preview sends
    # the text back as a form field: these limits leave room for about four times that.
    "STAFF_MAX_CONTENT_LENGTH": 24 * 1024 * 1024,
    "STAFF_MAX_FORM_MEMORY_SIZE": 12 * 1024 * 1024,
    # A new draft bigger than this is imported by `flask worker`, and staff watch a status page.
    "BACKGROUND_IMPORT_BYTES": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # a citizen may take an hour to write a comment
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ("en", "ru", "uz", "uz_Cyrl"),
    "COMMENTS_PER_PAGE": 20,
    "REPORT_THRESHOLD": 3,
    "ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "ATTACHMENTS_PER_CONTRIBUTION": 3,
    "MIN_FILL_SECONDS": 3,  # a public form sent sooner after it was shown is a script's
    "CAPTCHA": None,  # a plug-in with widget() and verify(form, remote_addr); see app/views/humans.py  # open reports that hide a contribution pending review
    "PAGE_CACHE_SECONDS": 2,  # anonymous public pages; see app/pagecache.py
    "SHARED_PAGE_SECONDS": 300,  # draft and clause pages, shared by readers; see app/views/shared_pages.py
    "CLAUSES_PER_PAGE": 60,
    "API_PAGE_SIZE": 100,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    # Slow rural lines: every text response compressed, Brotli where the client takes it (browsers
    # ask for it over HTTPS), else gzip. Nothing is compressed as a stream: Flask-Compress would not
    # close a streamed file; the few small static files are read whole instead (app/security.py).
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_STREAMS": False,
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/plain", "text/csv", "text/javascript",
                           "application/javascript", "application/json", "application/xml",
                           "application/atom+xml", "application/rss+xml", "image/svg+xml"],
    "COMPRESS_MIN_SIZE": 500,
}
