"""The index follows the database through the outbox: nothing is lost to a crash, to two workers
writing at once, or to a worker holding the Whoosh lock; and the CLI can always rebuild."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import SearchOutbox
from tests.conftest import REPO


@pytest.fixture(params=["whoosh", "postgresql"])
def app(request, app_factory):
    """Requests do not apply the outbox here, as if every worker died right after its commit."""
    if request.param == "whoosh":
        return app_factory("sqlite", SEARCH_PROCESS_ON_REQUEST=False)
    app = app_factory("postgresql", SEARCH_BACKEND="postgresql", SEARCH_PROCESS_ON_REQUEST=False)
    with app.app_context():
        db.session.execute(text("TRUNCATE search_document"))
        db.session.commit()
    return app


def find(client, q: str) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()


def post_comment(client, slug: str, body: str):
    response = client.post(f"/drafts/{slug}/comments", data={"body": body, "stance": ""})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SearchOutbox))


def test_changes_committed_but_never_indexed_come_in_with_process(app, client, runner, make_draft, make_user,
                                                                   login_as):
    slug = make_draft(title="Law on Public Libraries")
    login_as(client, make_user())
    post_comment(client, slug, "Rural libraries need mobile book buses.")
    assert pending(app) > 0
    assert find(client, "buses")["total"] == 0  # committed, not yet indexed: not shown, not counted
    result = runner.invoke(args=["search", "process"])
    assert result.exit_code == 0 and "Applied" in result.output
    assert [h["kind"] for h in find(client, "buses")["hits"]] == ["comment"]
    assert pending(app) == 0


def test_rebuild_recreates_the_index_and_status_reports_it(app, client, runner, make_draft, make_user, login_as):
    slug = make_draft(title="Law on Public Libraries")
    login_as(client, make_user())
    post_comment(client, slug, "Rural libraries need mobile book buses.")
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert find(client, "buses")["total"] == 1 and pending(app) == 0
    status = runner.invoke(args=["search", "status"]).output
    assert "comments: 1 in the index, 1 in the database" in status
    assert "outbox: 0 pending" in status
    runner.invoke(args=["search", "rebuild"])  # twice gives the same index, not twice the documents
    assert find(client, "libraries")["counts"]["kind"]["comment"] == 1


def _law_and_citizen(app, article: str) -> tuple[str, int]:
    """A published open draft and a confirmed citizen, made without the parametrized fixtures."""
    from datetime import datetime, timedelta

    from app.services import accounts, revisions
    now = datetime.now(UTC)
    with app.app_context():
        draft = revisions.import_draft(f"# Law\n\n### Article 1. Topic\n\n{article}\n".encode(), fmt="md",
                                      title="Law", agency_name="Ministry", lang="en",
                                      opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9),
                                      author=None)
        user = accounts.create_user(email="citizen@example.org", password="correct horse battery",
                                    display_name="Citizen", confirmed=True)
        db.session.commit()
        return draft.slug, user.id


def _log_in(app, client, user_id: int) -> None:
    from app.models import User
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = session_id


def test_a_request_does_not_wait_for_another_workers_index_lock(app_factory):
    """While another process holds the Whoosh writer lock, posting still answers at once and the
    change waits in the outbox; the next request applies it."""
    from app.search import get_backend
    app = app_factory("sqlite")  # this app applies the outbox after each request
    client = app.test_client()
    slug, user_id = _law_and_citizen(app, "Books are free.")
    _log_in(app, client, user_id)
    with app.app_context():
        held = get_backend(app).writing(blocking=True)
        held.__enter__()  # "another worker" is writing
    try:
        post_comment(client, slug, "Audiobooks too, please.")
        assert pending(app) >= 1
        assert find(client, "audiobooks")["total"] == 0
    finally:
        with app.app_context():
            held.__exit__(None, None, None)
    assert find(client, "audiobooks")["total"] == 1
    assert pending(app) == 0


WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from tests.conftest import make_config
    from app import create_app
    from app.services import accounts, comments, revisions
    from app.extensions import db
    from app.models import Draft, User
    from app.search import get_backend, outbox
    app = create_app(make_config({url!r}, Path({tmp!r})))
    with app.app_context():
        user = db.session.get(User, {uid})
        draft = db.session.get(Draft, 1)
        for i in range({n}):
            comments.add_comment(user, draft, body=f"worker{name} note{{i}} zebra")
            db.session.commit()
            outbox.process(get_backend(), blocking=False)  # as after a request: skip when busy
        outbox.drain(get_backend(), blocking=True)
        get_backend().close()
        db.engine.dispose()
""")


def test_two_processes_writing_the_whoosh_index_lose_nothing(app_factory, tmp_path):
    app = app_factory("sqlite")
    client = app.test_client()
    _, user_id = _law_and_citizen(app, "Zoos are open.")
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    n = 25
    procs = [subprocess.Popen([sys.executable, "-c", WORKER.format(repo=str(REPO), url=url, tmp=str(tmp_path),
                                                                   uid=user_id, n=n, name=name)],
                              stderr=subprocess.PIPE, text=True)
             for name in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
    result = find(client, "zebra")
    assert result["counts"]["kind"]["comment"] == 2 * n
    for name in ("a", "b"):
        assert find(client, f"worker{name}")["total"] == n
    assert pending(app) == 0


class _Interleaved:
    """A backend whose first index write lets "another worker" finish the same outbox row and a
    new job arrive, between reading the rows and deleting them: the race that lost comments."""

    def __init__(self, backend, meanwhile):
        self.backend, self.meanwhile = backend, meanwhile

    def writing(self, blocking: bool):
        outer = self

        class Batch:
            def __init__(self, batch):
                self.batch = batch

            def __getattr__(self, name):
                return getattr(self.batch, name)

            def upsert(self, docs):
                self.batch.upsert(docs)
                if outer.meanwhile:
                    outer.meanwhile.pop()()

        class Writing:
            def __enter__(self):
                self.inner = outer.backend.writing(blocking=blocking)
                batch = self.inner.__enter__()
                return None if batch is None else Batch(batch)

            def __exit__(self, *exc):
                return self.inner.__exit__(*exc)

        return Writing()


def test_a_job_queued_while_the_index_is_written_is_never_deleted_unread(app_factory):
    """The worker deletes exactly the rows it read. Before, ids were reused on SQLite: another
    worker finished row N, a new job got id N again, and this worker deleted it unread."""
    from sqlalchemy import create_engine, delete, insert

    from app.clock import utcnow
    from app.models import Comment, Draft, User
    from app.search import get_backend, outbox
    from app.services import comments
    app = app_factory("sqlite", SEARCH_PROCESS_ON_REQUEST=False)
    slug, user_id = _law_and_citizen(app, "Books are free.")
    with app.app_context():
        user, draft = db.session.get(User, user_id), db.session.scalar(select(Draft))
        first = comments.add_comment(user, draft, body="first quokka")
        later = comments.add_comment(user, draft, body="later wombat")
        db.session.commit()
        first_id, later_id = first.id, later.id
        db.session.execute(delete(SearchOutbox).where(SearchOutbox.kind == "comment",
                                                      SearchOutbox.object_id == later_id))
        db.session.commit()
        outbox.drain(get_backend(), blocking=True)  # the index has the first comment only
        outbox.enqueue("comment", first_id)  # an edit of the first comment, say
        db.session.commit()
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

        def another_worker():
            with other.begin() as conn:
                conn.execute(delete(SearchOutbox))  # it indexed the same row and removed it
                conn.execute(insert(SearchOutbox).values(kind="comment", object_id=later_id, op="upsert",
                                                         created_at=utcnow()))
        outbox.process(_Interleaved(get_backend(), [another_worker]), blocking=True)
        other.dispose()
        assert db.session.scalars(select(SearchOutbox.object_id)).all() == [later_id]
        outbox.drain(get_backend(), blocking=True)
        assert db.session.get(Comment, later_id) is not None
    assert find(app.test_client(), "wombat")["total"] == 1


def test_official_answers_are_found_by_search(app):
    from app.models import Draft, User
    from app.search import get_backend, outbox
    from app.services import accounts, comments, decisions
    slug, user_id = _law_and_citizen(app, "Books are free.")
    with app.app_context():
        staff = accounts.create_user(email="clerk@example.org", password="correct horse battery",
                                     display_name="Clerk", role="staff", agency_name="Ministry", confirmed=True)
        draft = db.session.scalar(select(Draft))
        question = comments.add_comment(db.session.get(User, user_id), draft, body="When do libraries open?")
        decisions.official_answer(staff, question, "From the first of March, every weekday.")
        db.session.commit()
        outbox.drain(get_backend(), blocking=True)
    hits = find(app.test_client(), "weekday")["hits"]
    assert [h["author"] for h in hits] == ["Clerk"]
