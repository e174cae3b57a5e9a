"""Your data: a person downloads what the site holds about them (and only that), and deletes their
account: contributions stay under "deleted participant", the name and email are found nowhere."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from app import queries
from app.extensions import db
from app.models import AuditLog, Comment, Draft, Notification, Proposal, User
from app.services import comments, moderation, proposals, votes
from tests.conftest import login

NAME, EMAIL = "Zebuniso Qodirova", "zebuniso@example.org"


@pytest.fixture
def world(app, make_user, make_draft):
    """A (with a distinctive name) comments, proposes, votes, reports and replies to B; B replies to A."""
    slug = make_draft()
    a = make_user(EMAIL, name=NAME)
    b = make_user("bobur@example.org", name="Bobur")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = queries.current_revision(draft).clauses[1]
        alice, bob = db.session.get(User, a), db.session.get(User, b)
        mine = comments.add_comment(alice, draft, body="Libraries should open on Sundays.", clause_key=clause.key)
        comments.add_comment(alice, draft, body="The whole law is too vague.")
        theirs = comments.add_comment(bob, draft, body="Bobur thinks fees are too high.")
        comments.add_comment(bob, draft, body="I agree with you.", parent=mine, clause_key=clause.key)
        comments.add_comment(alice, draft, body="Thanks!", parent=theirs)  # Bob is told, with A's name
        proposal = proposals.propose(alice, draft, clause.key, action="replace", proposed_text="Open every day.",
                                     rationale="People work on weekdays.")
        votes.vote_clause(alice, draft, clause.key, 1)
        votes.vote_proposal(bob, proposal, 1)
        moderation.report(alice, theirs, reason="off_topic", note="Not about the clause.")
        db.session.commit()
        ids = {"slug": slug, "eid": clause.eid, "a": a, "b": b, "comment": mine.id, "proposal": proposal.id}
    return ids


def client_as(app, email, password="correct horse battery"):
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    return client


def test_a_person_downloads_their_own_data_and_nobody_elses(app, client, world):
    alice = client_as(app, EMAIL)
    assert alice.post(f"/drafts/{world['slug']}/follow", data={"follow": "1"}).status_code in (302, 303)
    response = alice.get("/account/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["account"]["email"] == EMAIL and data["account"]["display_name"] == NAME
    assert {c["body"] for c in data["comments"]} == {"Libraries should open on Sundays.",
                                                     "The whole law is too vague.", "Thanks!"}
    assert [p["proposed_text"] for p in data["proposals"]] == ["Open every day."]
    assert len(data["votes"]["clauses"]) == 1 and data["votes"]["proposals"] == []
    assert data["follows"]["drafts"] == [world["slug"]]
    assert [r["reason"] for r in data["reports"]] == ["off_topic"]
    assert "bobur" not in response.get_data(as_text=True).lower()
    # B gets B's data; there is no address naming anyone else's
    other = client_as(app, "bobur@example.org").get("/account/data.json").get_data(as_text=True)
    assert EMAIL not in other and NAME not in other and "Sundays" not in other and "Bobur thinks" in other
    assert client_as(app, "bobur@example.org").get(f"/account/data.json?user_id={world['a']}").get_json()[
        "account"]["email"] == "bobur@example.org"
    anonymous = client.get("/account/data.json")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_deleting_needs_the_password_and_the_tick(app, world):
    alice = client_as(app, EMAIL)
    wrong = alice.post("/account/delete", data={"password": "not my password", "confirm": "y"})
    assert wrong.status_code == 400 and "This is not your password." in wrong.get_data(as_text=True)
    unticked = alice.post("/account/delete", data={"password": "correct horse battery"})
    assert unticked.status_code == 400 and "Please tick the box" in unticked.get_data(as_text=True)
    huge = alice.post("/account/delete", data={"password": "x" * 100_000, "confirm": "y"})
    assert huge.status_code == 400
    with app.app_context():
        assert db.session.get(User, world["a"]).deleted_at is None
    assert alice.get("/account").status_code == 200


def test_staff_accounts_are_not_deleted_by_their_holders(app, make_user):
    make_user("clerk@example.org", role="staff", agency="Ministry of Culture")
    staff = client_as(app, "clerk@example.org")
    response = staff.post("/account/delete", data={"password": "correct horse battery", "confirm": "y"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "clerk@example.org")).deleted_at is None


def every_page(app, world) -> dict[str, str]:
    """The pages, API answers, feeds and exports where a person's name could appear."""
    slug = world["slug"]
    anonymous = app.test_client()
    paths = ["/", f"/drafts/{slug}", f"/drafts/{slug}/comments", f"/drafts/{slug}/clauses/{world['eid']}",
             f"/drafts/{slug}/comments/{world['comment']}", f"/drafts/{slug}/proposals",
             f"/drafts/{slug}/proposals/{world['proposal']}", f"/drafts/{slug}/dispositions",
             f"/drafts/{slug}/dispositions.csv", f"/drafts/{slug}/report", f"/drafts/{slug}/feed.atom",
             "/feeds/drafts.atom", f"/api/v1/drafts/{slug}/comments", f"/api/v1/drafts/{slug}/proposals",
             f"/api/v1/drafts/{slug}/dispositions", "/api/v1/search?q=sundays", "/search?q=sundays",
             "/search?q=vague", f"/drafts/{slug}/comments/{world['comment']}/similar", "/moderation/summary"]
    found = {p: anonymous.get(p).get_data(as_text=True) for p in paths}
    archive = zipfile.ZipFile(io.BytesIO(anonymous.get(f"/drafts/{slug}/export.zip").get_data()))
    found.update({f"export.zip:{n}": archive.read(n).decode("utf-8", "replace") for n in archive.namelist()})
    with app.app_context():
        admin_email = db.session.scalar(select(User.email).where(User.role == "admin"))
    admin = client_as(app, admin_email)
    for path in ("/moderation/audit", "/moderation", f"/moderation/people/{world['a']}",
                 f"/staff/drafts/{slug}/review?kind=comments"):
        found[f"admin {path}"] = admin.get(path).get_data(as_text=True)
    bob = client_as(app, "bobur@example.org")
    found["bob /notifications"] = bob.get("/notifications").get_data(as_text=True)
    return found


def test_a_deleted_account_leaves_its_contributions_and_no_trace_of_its_name(app, make_user, world):
    make_user("root@example.org", role="admin", name="Root")
    before = every_page(app, world)
    named = {where for where, text in before.items() if NAME in text}  # the check can find the name
    assert {f"/api/v1/drafts/{world['slug']}/comments", "/api/v1/search?q=sundays", "bob /notifications",
            f"/drafts/{world['slug']}/comments/{world['comment']}", f"export.zip:{world['slug']}/comments.json",
            f"admin /moderation/people/{world['a']}"} <= named, sorted(named)
    alice = client_as(app, EMAIL)
    with app.app_context():
        counts = (db.session.query(Comment).count(), db.session.query(Proposal).count())
    response = alice.post("/account/delete", data={"password": "correct horse battery", "confirm": "y"})
    assert response.status_code == 302
    assert alice.get("/account").status_code == 302  # that session ended
    assert login(app.test_client(), EMAIL).status_code != 302  # nor can anyone log in with it
    after = every_page(app, world)
    leaks = [where for where, text in after.items() if NAME in text or EMAIL in text or "Zebuniso" in text]
    assert leaks == []
    assert "Libraries should open on Sundays." in after[f"/drafts/{world['slug']}/comments/{world['comment']}"]
    assert "deleted participant" in after[f"/drafts/{world['slug']}/comments/{world['comment']}"]
    assert any("deleted participant" in text for where, text in after.items() if where.startswith("/api/"))
    with app.app_context():
        assert (db.session.query(Comment).count(), db.session.query(Proposal).count()) == counts
        user = db.session.get(User, world["a"])
        assert user.email != EMAIL and user.stored_name == "" and user.deleted_at is not None
        assert db.session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1)) == "user.delete"
        assert not db.session.scalar(select(Notification.id).where(Notification.message.contains(NAME)))
    # the address can be used for a new account
    registered = app.test_client().post("/register", data={"email": EMAIL, "display_name": "Someone new",
                                                          "password": "another good password"})
    assert "We have sent an email" in registered.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.display_name).where(User.email == EMAIL)) == "Someone new"
