"""Requests racing each other get clear answers (never a 500) and leave the data right, on SQLite
and on PostgreSQL."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import SAMPLE_MD
from sqlalchemy import func, select

from app.extensions import db
from app.models import ClauseVote, Draft, Revision


def _clients(app, uid, login_as, n):
    return [login_as(app.test_client(), uid) for _ in range(n)]


@pytest.mark.both_backends
def test_parallel_votes_of_one_person_on_one_clause_keep_one_vote(app, make_draft, make_user, login_as):
    slug = make_draft()
    uid = make_user()
    with app.app_context():
        from app import queries
        draft = db.session.scalar(select(Draft))
        eid = next(c.eid for c in queries.revision_clauses(queries.current_revision(draft)) if c.text)
    clients = _clients(app, uid, login_as, 10)
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda c: c.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "1"}).status_code,
                                clients))
    assert set(answers) == {302}, answers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClauseVote)) == 1


@pytest.mark.both_backends
def test_parallel_publishes_from_one_base_make_one_revision(app, make_draft, make_user, login_as):
    slug = make_draft(agency="Ministry of Culture")
    uid = make_user(role="staff", agency="Ministry of Culture")
    clients = _clients(app, uid, login_as, 6)

    def publish(pair):
        n, client = pair
        return client.post(f"/staff/drafts/{slug}/revise", data={
            "note": f"Version {n}", "base": "1", "fmt": "md", "publish": "1",
            "text": SAMPLE_MD.replace("free of charge", f"free of charge ({n})")}).status_code

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(publish, enumerate(clients)))
    assert answers.count(302) >= 1 and set(answers) <= {302, 409}, answers
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Revision.number)))
        draft = db.session.scalar(select(Draft))
        assert numbers == list(range(1, len(numbers) + 1)) and draft.current_revision_number == numbers[-1]
        # every publish that was answered 302 made exactly one revision; the others none
        assert len(numbers) == 1 + answers.count(302)


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_a_vote_that_clashes_with_a_concurrent_insert_updates_it(app, make_draft, make_user):
    """Deterministic form of the race: another transaction has inserted this person's vote but not
    committed; ours finds no vote, inserts, waits on the unique index, then clashes. It must keep
    one vote with our value, not fail the request's transaction."""
    import threading
    import time

    from sqlalchemy import create_engine, insert, text

    from app import queries
    from app.clock import utcnow
    from app.models import User
    from app.services import votes
    make_draft()
    uid = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        revision = queries.current_revision(draft)
        key = next(c.key for c in queries.revision_clauses(revision) if c.text)
        draft_id, revision_id = draft.id, revision.id
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    first = other.connect()
    first_tx = first.begin()
    first.execute(insert(ClauseVote).values(user_id=uid, draft_id=draft_id, clause_key=key, revision_id=revision_id,
                                            value=-1, created_at=utcnow(), updated_at=utcnow()))
    outcome = {}

    def ours():
        with app.app_context():
            try:
                votes.vote_clause(db.session.get(User, uid), db.session.get(Draft, draft_id), key, 1)
                db.session.commit()
                outcome["ok"] = True
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                outcome["error"] = repr(exc)

    thread = threading.Thread(target=ours)
    thread.start()
    with other.connect() as watcher:  # wait until our insert is blocked behind the uncommitted one
        for _ in range(500):
            waiting = watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND datname = current_database()")).scalar()
            if waiting:
                break
            time.sleep(0.01)
    first_tx.commit()
    first.close()
    thread.join(30)
    other.dispose()
    assert outcome == {"ok": True}
    with app.app_context():
        assert db.session.scalars(select(ClauseVote.value)).all() == [1]
