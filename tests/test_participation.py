"""Citizens comment on clauses, reply, state a stance, vote and edit, through the HTML forms."""
import re
from datetime import UTC

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Clause, ClauseVote, Comment, CommentVersion


def first_clause(app, slug, phrase):
    with app.app_context():
        from app.models import Draft
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = db.session.scalar(select(Clause).join(Clause.revision)
                                   .where(Clause.text.contains(phrase)).where(Clause.revision.has(draft_id=draft.id)))
        return clause.key, clause.eid


@pytest.fixture
def citizen(app, client, make_user, login_as):
    uid = make_user("citizen@example.org", name="Nodira")
    login_as(client, uid)
    return uid


@pytest.mark.both_backends
def test_comment_on_a_clause_shows_on_its_page_and_is_counted_on_the_draft(app, client, make_draft, citizen):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    r = client.post(f"/drafts/{slug}/comments", data={"body": "Please add *audio books*.", "clause_key": key,
                                                      "stance": "for"})
    assert r.status_code == 302 and f"/drafts/{slug}/clauses/{eid}" in r.headers["Location"]
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert "<em>audio books</em>" in page and "Nodira" in page and "1 comment" in page
    draft_page = client.get(f"/drafts/{slug}").get_data(as_text=True)
    section = draft_page[draft_page.index(f'id="{eid}"'):]
    assert "1 comment" in section[:section.index("</section>")]


def test_quote_is_stored_and_shown_and_a_wrong_quote_keeps_the_text(app, client, make_draft, citizen):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    r = client.post(f"/drafts/{slug}/comments", data={"body": "Why only reading?", "clause_key": key,
                                                      "quote": "free of charge"})
    assert r.status_code == 302
    assert '<blockquote class="quote">free of charge</blockquote>' in client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    r = client.post(f"/drafts/{slug}/comments", data={"body": "My long careful comment", "clause_key": key,
                                                      "quote": "words that are not there"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "My long careful comment" in html and "not found in the clause" in html


def test_replies_form_a_thread(app, client, make_draft, citizen, make_user, login_as):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    client.post(f"/drafts/{slug}/comments", data={"body": "First!", "clause_key": key})
    with app.app_context():
        parent_id = db.session.scalar(select(Comment.id))
    other = app.test_client()
    login_as(other, make_user("other@example.org", name="Bekzod"))
    r = other.post(f"/drafts/{slug}/comments", data={"body": "A reply", "parent_id": str(parent_id)})
    assert r.status_code == 302 and "#c" in r.headers["Location"]
    r = other.post(f"/drafts/{slug}/comments", data={"body": "A reply to the reply", "parent_id": str(parent_id + 1)})
    assert r.status_code == 302
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    # replies are nested inside their parent's article
    first = page.index("First!")
    assert first < page.index("A reply") < page.index("A reply to the reply")
    assert page.count('class="replies"') == 2
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.body == "A reply to the reply"))
        assert reply.root_id == parent_id and reply.clause_key == key


@pytest.mark.both_backends
def test_one_vote_per_person_per_clause_changeable_and_withdrawable(app, client, make_draft, citizen):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    assert client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "1"}).status_code == 302
    assert "1 for" in client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "-1"})
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert "0 for" in page and "1 against" in page and "You voted against." in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClauseVote)) == 1
    client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "0"})
    assert "0 against" in client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)


@pytest.mark.both_backends
def test_the_database_refuses_a_second_vote_row(app, make_draft, make_user):
    from sqlalchemy.exc import IntegrityError
    slug = make_draft()
    uid = make_user()
    with app.app_context():
        from app.models import Draft
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        rev_id = draft.revisions[0].id
        for _ in range(2):
            db.session.add(ClauseVote(user_id=uid, draft_id=draft.id, clause_key="k", revision_id=rev_id, value=1))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_editing_keeps_earlier_versions_and_shows_edited(app, client, make_draft, citizen):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    client.post(f"/drafts/{slug}/comments", data={"body": "Original words", "clause_key": key})
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
    assert "Original words" in client.get(f"/comments/{cid}/edit").get_data(as_text=True)
    r = client.post(f"/comments/{cid}/edit", data={"body": "Better words", "stance": "against"})
    assert r.status_code == 302
    page = client.get(f"/drafts/{slug}/comments/{cid}").get_data(as_text=True)
    assert "Better words" in page and "edited" in page and "Original words" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommentVersion)) == 1


def test_another_users_comment_cannot_be_edited_by_guessing_its_id(app, client, make_draft, citizen, make_user, login_as):
    slug = make_draft()
    key, _ = first_clause(app, slug, "free of charge")
    client.post(f"/drafts/{slug}/comments", data={"body": "Mine", "clause_key": key})
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
    intruder = login_as(app.test_client(), make_user("intruder@example.org"))
    assert intruder.get(f"/comments/{cid}/edit").status_code == 403
    r = intruder.post(f"/comments/{cid}/edit", data={"body": "Hacked"})
    assert r.status_code == 403 and "your own comments" in r.get_data(as_text=True)
    assert intruder.post("/comments/999999/edit", data={"body": "x"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Comment.body).where(Comment.id == cid)) == "Mine"


@pytest.mark.parametrize("case", ["closed", "unconfirmed", "anonymous"])
def test_taking_part_is_refused_clearly_outside_the_rules(app, client, make_draft, make_user, login_as, case):
    slug = make_draft(is_open=case != "closed")
    key, eid = first_clause(app, slug, "free of charge")
    if case != "anonymous":
        login_as(client, make_user(confirmed=case != "unconfirmed"))
    r = client.post(f"/drafts/{slug}/comments", data={"body": "Hello", "clause_key": key})
    v = client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "1"})
    if case == "anonymous":
        assert r.status_code == v.status_code == 302 and "/login" in r.headers["Location"]
    else:
        assert r.status_code == v.status_code == 403
        assert ("closed" if case == "closed" else "confirm your email") in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
        assert db.session.scalar(select(func.count()).select_from(ClauseVote)) == 0


@pytest.mark.both_backends
@pytest.mark.parametrize("body, must_not, must", [
    ("<script>alert(1)</script>Hi", "<script>", "Hi"),
    ("[click](javascript:alert(1))", "javascript:", "click"),
    ('<img src=x onerror="alert(1)">', "onerror", ""),
    ("'; DROP TABLE comment; --", "<script>", "DROP TABLE comment"),
    ("Nul\x00byte and \x07bell", "\x00", "Nulbyte and bell"),
])
def test_hostile_comment_bodies_are_stored_safely_and_rendered_harmless(app, client, make_draft, citizen,
                                                                      body, must_not, must):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    assert client.post(f"/drafts/{slug}/comments", data={"body": body, "clause_key": key}).status_code == 302
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    body_html = page[page.index('class="body"'):]
    assert must_not not in body_html[:body_html.index("</div>")]
    assert must in page


def test_oversized_comment_is_refused_with_413_and_kept_in_the_form(app, client, make_draft, citizen):
    slug = make_draft()
    key, _ = first_clause(app, slug, "free of charge")
    r = client.post(f"/drafts/{slug}/comments", data={"body": "x" * 5001, "clause_key": key})
    assert r.status_code == 413 and "at most 5000 characters" in r.get_data(as_text=True)
    assert "x" * 5001 in r.get_data(as_text=True)


@pytest.mark.parametrize("data, status", [
    ({"body": "hi", "clause_key": "no-such-clause"}, 404),
    ({"body": "hi", "parent_id": "abc"}, 400),
    ({"body": "hi", "parent_id": "424242"}, 404),
    ({"body": "hi", "stance": "maybe"}, 400),
    ({"body": "   "}, 400),
    ({}, 400),
])
def test_malformed_comment_posts_get_a_clear_status(app, client, make_draft, citizen, data, status):
    slug = make_draft()
    assert client.post(f"/drafts/{slug}/comments", data=data).status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize("value", ["2", "yes", "", "-5"])
def test_malformed_votes_are_refused(app, client, make_draft, citizen, value):
    slug = make_draft()
    _, eid = first_clause(app, slug, "free of charge")
    assert client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": value}).status_code == 400
    assert client.post(f"/drafts/{slug}/clauses/nope/vote", data={"value": "1"}).status_code == 404


def test_whole_draft_comments_and_pagination(app, client, make_draft, citizen):
    app.config["COMMENTS_PER_PAGE"] = 3
    slug = make_draft()
    for i in range(7):
        assert client.post(f"/drafts/{slug}/comments", data={"body": f"General point {i}"}).status_code == 302
    first = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "General point 0" in first and "General point 3" not in first and "Page 1 of 3" in first
    third = client.get(f"/drafts/{slug}/comments?page=3").get_data(as_text=True)
    assert "General point 6" in third and "General point 0" not in third
    assert client.get(f"/drafts/{slug}/comments?page=-1").status_code == 400
    assert re.search(r"Comments on the whole draft</a>|\(7\)", client.get(f"/drafts/{slug}").get_data(as_text=True))


def _redis_url() -> str:
    """A real Redis (shared by all workers in production), emptied first: its counters outlive runs."""
    import os

    import redis
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.RedisError as exc:
        reason = f"Redis not reachable at {url}: {exc.__class__.__name__}"
        if os.environ.get("MUHOKAMA_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_posting_too_fast_is_429_with_a_message(app_factory, storage):
    uri = "memory://" if storage == "memory" else _redis_url()
    app = app_factory(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="3/minute", RATELIMIT_STORAGE_URI=uri)
    from datetime import datetime, timedelta

    from conftest import SAMPLE_MD

    from app.services import accounts, revisions
    with app.app_context():
        now = datetime.now(UTC)
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="T", agency_name="A", lang="en",
                                      opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1), author=None)
        db.session.commit()
        slug = draft.slug
        accounts.create_user(email="fast@example.org", password="long enough pw", display_name="Fast",
                             confirmed=True)
        db.session.commit()
    client = app.test_client()
    from conftest import login
    assert login(client, "fast@example.org", "long enough pw").status_code == 302
    codes = [client.post(f"/drafts/{slug}/comments", data={"body": f"c{i}"}).status_code for i in range(4)]
    assert codes == [302, 302, 302, 429]
    r = client.post(f"/drafts/{slug}/comments", data={"body": "again"})
    assert "Too many requests" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
