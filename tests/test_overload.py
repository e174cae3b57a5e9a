"""Under overload every request is served or refused with 503 and Retry-After, and a refused
write leaves nothing behind: a retry with the same idempotency key then stores it once."""
from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login


def _comments(app) -> int:
    from app.extensions import db
    from app.models import Comment
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def _world(app) -> tuple[str, int]:
    """An open draft and a confirmed citizen in ``app``'s own database."""
    from app.extensions import db
    from app.services import accounts, revisions
    from tests.conftest import SAMPLE_MD
    now = datetime.now(UTC)
    with app.app_context():
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Law on Public Libraries",
                                       agency_name="Ministry of Culture", lang="en",
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9), author=None)
        user = accounts.create_user(email="a@example.org", password="correct horse battery", display_name="A",
                                    confirmed=True)
        db.session.commit()
        return draft.slug, user.id


def _form(key: str) -> dict:
    return {"body": "Libraries should open on Sundays.", "stance": "", "idempotency_key": key}


@pytest.mark.parametrize("stamp, refused", [
    (lambda: f"t={time.time() - 30:.3f}", True),             # seconds, as nginx's ${msec}
    (lambda: f"t={int((time.time() - 30) * 1000)}", True),    # milliseconds
    (lambda: f"t={int((time.time() - 30) * 1e6)}", True),     # microseconds
    (lambda: f"t={time.time() - 1:.3f}", False),
    (lambda: "t=yesterday", False),
    (lambda: "t=1e999", False),
    (lambda: "30", False),
])
def test_a_request_that_queued_too_long_is_refused_at_once_with_retry_after(
        app_factory, stamp, refused):
    app = app_factory(MAX_QUEUE_SECONDS=10)
    client = app.test_client()
    slug, _ = _world(app)
    assert login(client, "a@example.org").status_code == 302
    page = client.get(f"/drafts/{slug}", headers={"X-Request-Start": stamp()})
    post = client.post(f"/drafts/{slug}/comments", data=_form("k1-abcdefghijklmnopqrstu"), headers={"X-Request-Start": stamp()})
    if refused:
        assert page.status_code == post.status_code == 503
        assert int(page.headers["Retry-After"]) > 0 and int(post.headers["Retry-After"]) > 0
        assert "very busy" in page.get_data(as_text=True)
        assert _comments(app) == 0
    else:
        assert page.status_code == 200 and post.status_code == 302, post.get_data(as_text=True)[-1500:]
        assert _comments(app) == 1


def test_a_write_that_waits_too_long_for_the_database_gets_503_and_its_retry_is_stored_once(
        app_factory):
    from app.extensions import db
    app = app_factory(SQLITE_BUSY_TIMEOUT_MS=200)
    client = app.test_client()
    slug, _ = _world(app)
    with app.app_context():
        path = db.engine.url.database
        db.engine.dispose()
    assert login(client, "a@example.org").status_code == 302
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        busy = client.post(f"/drafts/{slug}/comments", data=_form("same-key-abcdefghijklmnopq"))
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) > 0
        assert "Nothing you sent was saved" in busy.get_data(as_text=True)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _comments(app) == 0
    retry = client.post(f"/drafts/{slug}/comments", data=_form("same-key-abcdefghijklmnopq"))
    again = client.post(f"/drafts/{slug}/comments", data=_form("same-key-abcdefghijklmnopq"))
    assert retry.status_code == again.status_code == 302
    assert _comments(app) == 1


def test_the_api_answers_busy_as_json(app_factory):
    app = app_factory(MAX_QUEUE_SECONDS=5)
    r = app.test_client().get("/api/v1/drafts", headers={"X-Request-Start": f"t={time.time() - 60:.3f}"})
    assert r.status_code == 503 and r.get_json()["error"]["status"] == 503 and r.headers["Retry-After"]
