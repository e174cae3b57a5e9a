"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL where asked),
a client, a CLI runner and factories for users and drafts."""
from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_generate_tests(metafunc):
    """Tests marked `both_backends` run once on SQLite and once on PostgreSQL."""
    if "app" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("app", ["sqlite", "postgresql"], indirect=True)


def make_config(url: str, tmp_path: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WTF_CSRF_ENABLED": False,
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "BUDGET_PHOTO_DIR": str(tmp_path / "photos"),  # never the repository's instance/
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": "", "MAIL_PASSWORD": "", "MAIL_USE_TLS": False,
        "MAIL_SENDER": "Muhokama <noreply@example.org>",
        "BASE_URL": "http://localhost",
        "DEFAULT_TIMEZONE": "Asia/Tashkent",
        "SESSION_COOKIE_SECURE": False,
        "MIN_FILL_SECONDS": 0,  # tests send forms at once; tests/test_humans.py checks the wait
        "PAGE_CACHE_SECONDS": 0,  # tests that check freshness must not see a micro-cached page
        "SHARED_PAGE_SECONDS": 0,  # tests/test_shared_pages.py turns it on
        **extra,
    }


def _migrate(app) -> None:
    import flask_migrate

    from app.extensions import db
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per test session; each test gets a copy (migrating is slow)."""
    from app import create_app
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(create_app(make_config(f"sqlite:///{path}", path.parent)))
    return path


def _pg_available() -> str | None:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def pg_database(worker_id, tmp_path_factory):
    """A migrated PostgreSQL database of this test worker's own."""
    reason = _pg_available()
    if reason:
        if os.environ.get("MUHOKAMA_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg
    # one database per test process: parallel runs on one machine must not truncate each other's data
    name = f"muhokama_test_{worker_id}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    from app import create_app
    _migrate(create_app(make_config(url, tmp_path_factory.mktemp("pg"))))
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(app) -> None:
    from sqlalchemy import text

    from app.extensions import db
    with app.app_context():
        # search_document is PostgreSQL-only (migration 0002), so it is not in the models' metadata
        names = ", ".join([f'"{t.name}"' for t in db.metadata.sorted_tables] + ['"search_document"'])
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_factory(request, tmp_path, sqlite_template):
    """Build an app on a fresh database: ``app_factory(backend="sqlite", **config)``."""
    from app import create_app
    from app.extensions import db, limiter
    made = []

    def make(backend: str = "sqlite", **extra):
        if backend == "postgresql":
            url = request.getfixturevalue("pg_database")
        else:
            path = tmp_path / f"test{len(made)}.db"
            shutil.copy(sqlite_template, path)
            url = f"sqlite:///{path}"
        app = create_app(make_config(url, tmp_path, **extra))
        if backend == "postgresql":
            _truncate_pg(app)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if app.config["RATELIMIT_ENABLED"]:
            limiter.reset()  # memory counters would otherwise leak into the next test


@pytest.fixture
def app(request, app_factory):
    return app_factory(getattr(request, "param", "sqlite"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user: ``make_user("a@example.org", role="staff", agency="Ministry")``."""
    from app.extensions import db
    from app.services import accounts
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, *, password: str = "correct horse battery", role: str = "citizen",
             agency: str | None = None, confirmed: bool = True, name: str | None = None):
        n = next(counter)
        email = email or f"user{n}@example.org"
        with app.app_context():
            user = accounts.create_user(email=email, password=password, display_name=name or f"User {n}",
                                        role=role, agency_name=agency, confirmed=confirmed)
            db.session.commit()
            return user.id

    return make


SAMPLE_MD = """# Law on Public Libraries

## Chapter 1. General provisions

### Article 1. Purpose

(1) This Law sets the rules for public libraries.

(2) It applies to every library open to the public.

### Article 2. Definitions

In this Law, a library means a collection of books open to all.

## Chapter 2. Access

### Article 3. Free access

Everyone may read in a public library free of charge.
"""


@pytest.fixture
def make_draft(app):
    """Create and publish a draft from Markdown: ``make_draft(text=..., open=True)`` -> slug."""
    from app.extensions import db
    from app.services import revisions

    def make(text: str = SAMPLE_MD, *, title: str = "Law on Public Libraries", agency: str = "Ministry of Culture",
             is_open: bool = True, slug: str | None = None, lang: str = "en", published: bool = True):
        now = datetime.now(UTC)
        opens, closes = (now - timedelta(days=1), now + timedelta(days=30)) if is_open else \
            (now - timedelta(days=30), now - timedelta(days=1))
        with app.app_context():
            draft = revisions.import_draft(text.encode(), fmt="md", title=title, agency_name=agency, lang=lang,
                                          opens_at=opens, closes_at=closes, author=None, slug=slug,
                                          published=published)
            db.session.commit()
            return draft.slug

    return make


def login(client, email: str, password: str = "correct horse battery"):
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)


@pytest.fixture
def login_as(app):
    """Log a test client in as a user id without going through the login form."""
    from app.extensions import db
    from app.models import User

    def do(client, user_id: int):
        from flask_login.utils import _create_identifier
        with app.test_request_context(environ_base=client.environ_base):
            user = db.session.get(User, user_id)
            session_id = user.get_id()
            identifier = _create_identifier()  # "strong" session protection checks it
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
            session["_id"] = identifier
        return client

    return do
