"""One vote per resident per round under concurrent submissions (SQLite and PostgreSQL), and the
ballot log: recounted by `flask budget verify`, which names the first ballot that was tampered with."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import BudgetBallot, BudgetProject, BudgetRound, BudgetVoter, User
from app.services import budget, budget_ballots

pytestmark = pytest.mark.both_backends


def setup_round(app, n_voters: int) -> tuple[str, list[int], list[int]]:
    from app.services import accounts
    now = datetime.now(UTC)
    with app.app_context():
        r = budget.create_round(None, title="Concurrent round", district="Yunusobod", envelope=10**9,
                                voting_opens=now - timedelta(days=1), voting_closes=now + timedelta(days=5),
                                vetting_opens=now - timedelta(days=2), proposals_open=now - timedelta(days=3))
        projects = [BudgetProject(round_id=r.id, title=f"P{i}", mahalla="M", cost=10**8, status="eligible")
                    for i in range(3)]
        db.session.add_all(projects)
        users = [accounts.create_user(email=f"v{i}@example.org", password="long enough password",
                                      display_name=f"V{i}", confirmed=True) for i in range(n_voters)]
        db.session.commit()
        return r.slug, [p.id for p in projects], [u.id for u in users]


def run_together(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released at the same moment."""
    barrier, results = threading.Barrier(n), [None] * n

    def go(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def login_client(app, login_as, user_id):
    return login_as(app.test_client(), user_id)


def test_one_person_submitting_many_times_at_once_gets_one_vote(app, login_as):
    slug, projects, users = setup_round(app, 1)
    clients = [login_client(app, login_as, users[0]) for _ in range(6)]
    statuses = run_together(6, lambda i: clients[i].post(f"/budget/{slug}/vote",
                                                         data={"project_id": str(projects[i % 3])}).status_code)
    assert sorted(statuses) == [302] + [409] * 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetVoter)) == 1
        assert db.session.scalar(select(func.count()).select_from(BudgetBallot)) == 1


def test_many_people_at_once_each_get_one_vote_and_the_chain_holds(app, login_as, runner):
    slug, projects, users = setup_round(app, 8)
    clients = [login_client(app, login_as, u) for u in users for _ in range(2)]  # each person twice

    def work(i):
        return clients[i].post(f"/budget/{slug}/vote", data={"project_id": str(projects[i % 3])}).status_code

    statuses = run_together(len(clients), work)
    assert statuses.count(302) == 8 and statuses.count(409) == 8
    with app.app_context():
        seqs = list(db.session.scalars(select(BudgetBallot.seq).order_by(BudgetBallot.seq)))
        assert seqs == list(range(1, 9))
    r = runner.invoke(args=["budget", "verify", slug])
    assert r.exit_code == 0 and "8 ballots" in r.output


def test_the_database_itself_refuses_a_second_voter_row(app):
    slug, _, users = setup_round(app, 1)
    from sqlalchemy.exc import IntegrityError
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        db.session.add(BudgetVoter(round_id=rid, user_id=users[0]))
        db.session.commit()
        db.session.add(BudgetVoter(round_id=rid, user_id=users[0]))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def cast_all(app, slug, projects, users, choices) -> None:
    with app.app_context():
        r = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug))
        for uid, choice in zip(users, choices):
            budget_ballots.cast(db.session.get(User, uid), r, db.session.get(BudgetProject, projects[choice]))
        db.session.commit()


@pytest.mark.parametrize("tamper, seq", [
    ("UPDATE budget_ballot SET project_id = {other} WHERE seq = 3", 3),  # a changed choice
    ("DELETE FROM budget_ballot WHERE seq = 2", 3),  # a removed ballot: the next one does not follow
    ("DELETE FROM budget_ballot WHERE seq = 5", 5),  # the last removed: 5 voters, 4 ballots
    ("UPDATE budget_ballot SET chain_hash = '{zeros}' WHERE seq = 4", 4),  # a rewritten hash
])
def test_verify_recounts_and_names_the_first_ballot_that_does_not_check_out(app, runner, tamper, seq):
    slug, projects, users = setup_round(app, 5)
    cast_all(app, slug, projects, users, [0, 1, 0, 2, 0])
    ok = runner.invoke(args=["budget", "verify", slug])
    assert ok.exit_code == 0 and "5 ballots" in ok.output
    with app.app_context():
        for statement in tamper.split("; "):
            db.session.execute(text(statement.format(other=projects[1], zeros="0" * 64)))
        db.session.commit()
    r = runner.invoke(args=["budget", "verify", slug])
    assert r.exit_code == 1 and f"ballot {seq}:" in r.output, r.output


def test_verify_catches_published_results_that_differ_from_the_log(app, runner):
    slug, projects, users = setup_round(app, 3)
    cast_all(app, slug, projects, users, [0, 0, 1])
    assert runner.invoke(args=["budget", "close", slug]).exit_code == 0
    assert runner.invoke(args=["budget", "verify", slug]).exit_code == 0
    with app.app_context():
        db.session.execute(text(f"UPDATE budget_project SET final_votes = 9 WHERE id = {projects[1]}"))
        db.session.commit()
    r = runner.invoke(args=["budget", "verify", slug])
    assert r.exit_code == 1 and "published results" in r.output
    assert runner.invoke(args=["budget", "verify", "no-such-round"]).exit_code == 2
