"""One comment's way into the database. With the PostgreSQL engine the index is a table of the same
database, so a change is indexed in the transaction that makes it (no outbox row written and
deleted, no second transaction), and whatever cannot be still goes through the outbox. And the
draft's stamp, the one row every comment on a draft writes, is written last, so its lock is held
for the commit alone."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text

from app.extensions import db
from app.models import Comment, Draft, SearchOutbox, User


@pytest.fixture
def app(app_factory):
    return app_factory("postgresql", SEARCH_BACKEND="postgresql")


def find(client, q: str) -> list[int]:
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200
    return [hit["id"] for hit in response.get_json()["hits"]]


def pending() -> list[tuple[str, int]]:
    """Comments waiting in the outbox (a new draft's revision waits there too: it is thousands of clauses)."""
    return [tuple(row) for row in db.session.execute(select(SearchOutbox.kind, SearchOutbox.object_id)
                                                     .where(SearchOutbox.kind == "comment"))]


def documents() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(
        "SELECT kind, object_id, draft_id, lang, date, tsv::text FROM search_document ORDER BY kind, object_id"))]


def first_comment_id(slug: str) -> int:
    return db.session.scalar(select(Comment.id).join(Draft).where(Draft.slug == slug).order_by(Comment.id))


def test_a_posted_comment_is_found_at_once_and_indexed_as_a_rebuild_would(app, client, runner, make_draft,
                                                                          make_user, login_as):
    slug = make_draft()
    login_as(client, make_user())
    for body in ("Rural libraries need mobile book buses.", "Публичные библиотеки должны работать по субботам."):
        response = client.post(f"/drafts/{slug}/comments", data={"body": body, "clause_key": "", "stance": ""})
        assert response.status_code == 302
    assert len(find(client, "buses")) == 1 and len(find(client, "субботам")) == 1
    with app.app_context():
        assert pending() == []
        indexed = documents()
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    with app.app_context():
        assert documents() == indexed  # the document handed over is the one read back from the rows


def test_a_comment_hidden_by_a_moderator_leaves_search_with_the_same_commit(app, client, make_draft, make_user,
                                                                             login_as):
    from app.services import moderation
    slug = make_draft()
    login_as(client, make_user())
    client.post(f"/drafts/{slug}/comments", data={"body": "Libraries should sell lottery tickets.", "stance": ""})
    moderator_id = make_user(role="moderator")
    assert len(find(client, "lottery")) == 1
    with app.app_context():
        comment = db.session.get(Comment, first_comment_id(slug))
        moderation.hide(db.session.get(User, moderator_id), comment, reason="spam", explanation="Advertising.")
        db.session.commit()
        assert pending() == []
    assert find(client, "lottery") == []


def test_a_document_a_worker_is_writing_waits_in_the_outbox_instead_of_blocking(app, client, make_draft,
                                                                                 make_user, login_as):
    from app.services import comments
    slug = make_draft()
    user_id = make_user()
    login_as(client, user_id)
    client.post(f"/drafts/{slug}/comments", data={"body": "Open on Sundays.", "stance": ""})
    with app.app_context():
        comment_id = first_comment_id(slug)
        worker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with worker.connect() as conn:  # another process holds this document's lock (app.search.pg_backend)
            conn.execute(text("SELECT pg_advisory_xact_lock(7303, :id)"), {"id": comment_id})
            comments.edit_comment(db.session.get(User, user_id), db.session.get(Comment, comment_id),
                                  body="Open on Sundays and on holidays.", stance=None)
            db.session.commit()  # did not wait for the lock
            assert pending() == [("comment", comment_id)]
            conn.rollback()
        worker.dispose()
    assert find(client, "holidays") == [comment_id]  # a search applies what waits first
    with app.app_context():
        assert pending() == []


def test_a_savepoint_rolled_back_keeps_what_was_queued_before_it(app, client, make_draft, make_user):
    from app.services import comments
    slug = make_draft()
    user_id = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        comments.add_comment(db.session.get(User, user_id), draft, body="Longer opening hours for readers.")
        savepoint = db.session.begin_nested()  # e.g. a vote that lost a race and was rolled back
        savepoint.rollback()
        db.session.commit()
        assert pending() == []
    assert len(find(client, "readers")) == 1


def test_changes_made_while_requests_do_not_index_go_to_the_outbox(app_factory):
    app = app_factory("postgresql", SEARCH_BACKEND="postgresql", SEARCH_PROCESS_ON_REQUEST=False)
    from app.services import comments
    from tests.test_search_outbox import _law_and_citizen
    _, user_id = _law_and_citizen(app, "Books are free.")
    with app.app_context():
        comment = comments.add_comment(db.session.get(User, user_id), db.session.scalar(select(Draft)),
                                       body="A worker indexes this one.")
        db.session.commit()
        assert pending() == [("comment", comment.id)]
        assert db.session.scalar(text("SELECT count(*) FROM search_document WHERE kind = 'comment'")) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_drafts_stamp_is_the_last_write_before_the_commit(app_factory, backend):
    """Every comment, vote and decision on a draft writes its row: written in the middle of the
    work, its lock made concurrent comments on one draft wait for each other's whole request."""
    app = app_factory(backend, **({"SEARCH_BACKEND": "postgresql"} if backend == "postgresql" else {}))
    from tests.test_search_outbox import _law_and_citizen
    slug, user_id = _law_and_citizen(app, "Books are free.")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = db_user_token(app, user_id)
        session["_fresh"] = True
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    log = lambda conn, cursor, statement, *args: seen.append(" ".join(statement.split()))
    committed = lambda conn: seen.append("COMMIT")
    event.listen(engine, "before_cursor_execute", log)
    event.listen(engine, "commit", committed)
    try:
        for stance in ("for", ""):
            seen.clear()
            response = client.post(f"/drafts/{slug}/comments",
                                   data={"body": "Open on Sundays.", "clause_key": "art_1", "stance": stance})
            assert response.status_code == 302
            commit = seen.index("COMMIT")
            assert seen[commit - 1].startswith("UPDATE draft SET updated_at"), seen
            assert not any(s.startswith("UPDATE draft") for s in seen[:commit - 1]), seen
    finally:
        event.remove(engine, "before_cursor_execute", log)
        event.remove(engine, "commit", committed)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 2


def db_user_token(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).get_id()
