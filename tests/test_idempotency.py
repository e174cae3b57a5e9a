"""A retried or double-clicked form creates one record and answers with the same result."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, Draft, Proposal, Revision


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def law(app, make_draft, make_user, login_as):
    slug = make_draft()
    client = login_as(app.test_client(), make_user())
    with app.app_context():
        from app import queries
        draft = db.session.scalar(select(Draft))
        clause = next(c for c in queries.revision_clauses(queries.current_revision(draft)) if c.text)
    return {"slug": slug, "client": client, "key": clause.key, "eid": clause.eid}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_comment_sent_twice_is_stored_once_and_both_answers_lead_to_it(app, law):
    client, slug = law["client"], law["slug"]
    page = client.get(f"/drafts/{slug}/clauses/{law['eid']}").get_data(as_text=True)
    data = {"body": "Open on Sundays too.", "clause_key": law["key"], "idempotency_key": _key(page)}
    first = client.post(f"/drafts/{slug}/comments", data=data)
    again = client.post(f"/drafts/{slug}/comments", data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, Comment) == 1
    assert "had been sent already" in client.get(again.headers["Location"]).get_data(as_text=True)
    # a new form (a new key) is a new comment
    page = client.get(f"/drafts/{slug}/clauses/{law['eid']}").get_data(as_text=True)
    assert client.post(f"/drafts/{slug}/comments", data={**data, "idempotency_key": _key(page)}).status_code == 302
    assert count(app, Comment) == 2


def test_a_key_belongs_to_one_person(app, law, make_user, login_as):
    data = {"body": "Same words.", "clause_key": law["key"], "idempotency_key": "k" * 32}
    other = login_as(app.test_client(), make_user("other@example.org"))
    for client in (law["client"], other):
        assert client.post(f"/drafts/{law['slug']}/comments", data=data).status_code == 302
    assert count(app, Comment) == 2


@pytest.mark.parametrize("bad", ["short", "x" * 65, "a b c d e f g h i j k l", "<script>alert(1)</script>xx"])
def test_a_malformed_key_is_refused(app, law, bad):
    r = law["client"].post(f"/drafts/{law['slug']}/comments",
                           data={"body": "Hi", "clause_key": law["key"], "idempotency_key": bad})
    assert r.status_code == 400 and "reload the page" in r.get_data(as_text=True)
    assert count(app, Comment) == 0


def test_a_form_shown_again_after_an_error_keeps_its_key(app, law):
    client, slug = law["client"], law["slug"]
    page = client.get(f"/drafts/{slug}/clauses/{law['eid']}/propose").get_data(as_text=True)
    key = _key(page)
    preview = client.post(f"/drafts/{slug}/clauses/{law['eid']}/propose",
                          data={"action": "replace", "proposed_text": "", "rationale": "", "idempotency_key": key})
    assert preview.status_code == 400 and _key(preview.get_data(as_text=True)) == key
    data = {"action": "replace", "proposed_text": "Entirely new words here.", "rationale": "Clearer.",
            "send": "1", "idempotency_key": key}
    answers = {client.post(f"/drafts/{slug}/clauses/{law['eid']}/propose", data=data).headers["Location"]
               for _ in range(3)}
    assert len(answers) == 1 and count(app, Proposal) == 1


@pytest.mark.both_backends
def test_racing_double_submissions_make_one_comment(app, law, login_as):
    uid_client = law["client"]
    with uid_client.session_transaction() as session:
        session_id = session["_user_id"]
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        with client.session_transaction() as session:
            session["_user_id"] = session_id
    data = {"body": "Clicked many times.", "clause_key": law["key"], "idempotency_key": "r" * 40}
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda c: c.post(f"/drafts/{law['slug']}/comments", data=data), clients))
    assert {a.status_code for a in answers} == {302}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert count(app, Comment) == 1


def test_publishing_a_revision_twice_publishes_it_once(app, make_draft, make_user, login_as):
    from conftest import SAMPLE_MD
    slug = make_draft(agency="Ministry of Culture")
    client = login_as(app.test_client(), make_user(role="staff", agency="Ministry of Culture"))
    data = {"note": "Second", "base": "1", "fmt": "md", "publish": "1", "idempotency_key": "p" * 24,
            "text": SAMPLE_MD.replace("free of charge", "free of charge, always")}
    first = client.post(f"/staff/drafts/{slug}/revise", data=data)
    again = client.post(f"/staff/drafts/{slug}/revise", data=data)
    assert first.status_code == again.status_code == 302 and first.headers["Location"] == again.headers["Location"]
    assert count(app, Revision) == 2


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_the_loser_of_a_race_is_rolled_back_and_gets_the_winners_answer(app, law):
    """Deterministic form of the race: the winner's key row is inserted but not committed; ours does
    the work, blocks on the key's unique index, then clashes: it must undo its work and answer
    with the winner's result."""
    import threading
    import time

    from sqlalchemy import create_engine, insert, text

    from app.clock import utcnow
    from app.models import IdempotencyKey
    with law["client"].session_transaction() as session:
        uid = int(session["_user_id"].split(":")[0])
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    winner = other.connect()
    winner_tx = winner.begin()
    winner.execute(insert(IdempotencyKey).values(user_id=uid, key="w" * 30, location="/winner", created_at=utcnow()))
    answer = {}

    def ours():
        answer["r"] = law["client"].post(f"/drafts/{law['slug']}/comments", data={
            "body": "Racing.", "clause_key": law["key"], "idempotency_key": "w" * 30})

    thread = threading.Thread(target=ours)
    thread.start()
    with other.connect() as watcher:
        for _ in range(500):
            if watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND datname = current_database()")).scalar():
                break
            time.sleep(0.01)
    winner_tx.commit()
    winner.close()
    thread.join(30)
    other.dispose()
    assert answer["r"].status_code == 302 and answer["r"].headers["Location"] == "/winner"
    assert count(app, Comment) == 0


def test_a_retry_after_the_first_answer_was_lost_goes_back_to_the_form_page(app, law, monkeypatch):
    """The first submission's work committed but its process died before answering (kill -9): a
    retry must not do the work again, nor be refused; it is sent back to the page of the form."""
    from app.clock import utcnow
    from app.models import IdempotencyKey
    from app.views import idempotency
    monkeypatch.setattr(idempotency, "WAIT_FOR_FIRST", 0.2)
    with law["client"].session_transaction() as session:
        uid = int(session["_user_id"].split(":")[0])
    with app.app_context():
        db.session.add(IdempotencyKey(user_id=uid, key="l" * 30, location=None, created_at=utcnow()))
        db.session.commit()
    page = f"/drafts/{law['slug']}/clauses/{law['eid']}"
    r = law["client"].post(f"/drafts/{law['slug']}/comments", headers={"Referer": f"http://localhost{page}"},
                           data={"body": "Lost answer.", "clause_key": law["key"], "idempotency_key": "l" * 30})
    assert r.status_code == 302 and r.headers["Location"] == page
    assert count(app, Comment) == 0


@pytest.mark.parametrize("since", ["closed", "reply_target_hidden", "the_same_again"])
def test_a_repeat_gets_the_first_answer_even_when_it_would_be_refused_now(app, law, make_user, since):
    """Nothing looks the key up before the work: a repeat does it again in its transaction and is
    rolled back. So whatever refuses it now (the consultation closed since, the comment it replied to
    hidden since), the person is led to what their first submission did."""
    from datetime import timedelta

    from app.clock import utcnow
    from app.services import comments
    from app.models import User
    client, slug = law["client"], law["slug"]
    with app.app_context():
        parent = comments.add_comment(db.session.get(User, make_user()), db.session.scalar(select(Draft)),
                                      body="Libraries should open at eight.", clause_key=law["key"])
        db.session.commit()
        parent_id = parent.id
    data = {"body": "Agreed, and on Sundays.", "parent_id": str(parent_id), "idempotency_key": "r" * 32}
    first = client.post(f"/drafts/{slug}/comments", data=data)
    assert first.status_code == 302
    with app.app_context():
        if since == "closed":
            db.session.scalar(select(Draft)).closes_at = utcnow() - timedelta(minutes=1)
        elif since == "reply_target_hidden":
            db.session.get(Comment, parent_id).status = "hidden"
        db.session.commit()
    again = client.post(f"/drafts/{slug}/comments", data=data)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "had been sent already" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count(app, Comment) == 2  # the parent and one reply
    # a first submission refused the same way is still refused
    fresh = client.post(f"/drafts/{slug}/comments", data={**data, "idempotency_key": "s" * 32})
    assert fresh.status_code == (302 if since == "the_same_again" else 403 if since == "closed" else 404)
