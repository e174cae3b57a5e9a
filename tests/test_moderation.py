"""Moderation as people meet it: reports hide after N, moderators hide with a public reason and
restore, tombstones, blocks, disputes, the audit chain and the public summary. Nothing is deleted."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import AuditLog, Comment, Draft, Notification, Proposal, Report, User
from app.services import audit, comments, proposals

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def setup(app, make_user, make_draft, login_as):
    slug = make_draft()
    author = make_user(name="Aziza")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        cid = comments.add_comment(db.session.get(User, author), draft, body="Libraries should open on Sundays.").id
        db.session.commit()
    moderator = make_user(role="moderator", name="Mod")
    return {"slug": slug, "author": author, "comment": cid, "moderator": moderator}


def client_for(app, login_as, user_id):
    return login_as(app.test_client(), user_id)


def report(app, login_as, user_id, cid, reason="abuse"):
    return client_for(app, login_as, user_id).post(f"/report/comment/{cid}", data={"reason": reason, "note": "x"})


def test_the_third_report_hides_pending_review_and_tells_the_author(app, client, setup, make_user, login_as):
    cid, slug = setup["comment"], setup["slug"]
    assert report(app, login_as, make_user(), cid).status_code == 302
    reporter = make_user()
    assert report(app, login_as, reporter, cid).status_code == 302
    assert report(app, login_as, reporter, cid).status_code == 409  # once per person
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "open on Sundays" in page
    assert report(app, login_as, make_user(), cid, "spam").status_code == 302
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "open on Sundays" not in page and "Hidden pending review since" in page
    assert "open on Sundays" not in client.get(f"/drafts/{slug}/comments/{cid}").get_data(as_text=True)
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == setup["author"]))
        assert "hidden pending review" in note.message
        assert db.session.get(Comment, cid).pending_review
    assert client.get("/api/v1/search?q=sundays").get_json()["total"] == 0
    assert "open on Sundays" not in client.get(f"/api/v1/drafts/{slug}/comments").get_data(as_text=True)


def test_the_report_threshold_is_configurable(app, setup, make_user, login_as):
    app.config["REPORT_THRESHOLD"] = 1
    assert report(app, login_as, make_user(), setup["comment"]).status_code == 302
    with app.app_context():
        assert db.session.get(Comment, setup["comment"]).status == "hidden"


def test_people_cannot_report_their_own_and_anonymous_people_cannot_report(app, client, setup, login_as):
    assert client.post(f"/report/comment/{setup['comment']}", data={"reason": "spam"}).status_code == 302  # to login
    assert report(app, login_as, setup["author"], setup["comment"]).status_code == 403
    assert report(app, login_as, setup["moderator"], setup["comment"], reason="nonsense").status_code == 400


def test_a_moderator_hides_with_a_public_reason_and_restores(app, client, setup, make_user, login_as):
    cid, slug = setup["comment"], setup["slug"]
    mod = client_for(app, login_as, setup["moderator"])
    report(app, login_as, make_user(), cid, "off_topic")
    home = mod.get("/").get_data(as_text=True)
    assert 'href="/moderation"' in home
    queue = mod.get("/moderation").get_data(as_text=True)
    assert "open on Sundays" in queue and "Not about this draft: 1" in queue
    response = mod.post(f"/moderation/comment/{cid}/hide", data={"reason": "off_topic",
                                                                 "explanation": "About opening hours of shops."})
    assert response.status_code == 302
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "open on Sundays" not in page
    assert "Hidden by a moderator on" in page and "About opening hours of shops." in page
    summary = client.get("/moderation/summary").get_data(as_text=True)
    assert "Hidden now by a moderator: 1" in summary and "Not about this draft: 1" in summary
    assert mod.post(f"/moderation/comment/{cid}/restore").status_code == 302
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "open on Sundays" in page and "Hidden by a moderator" not in page
    with app.app_context():
        actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
        assert actions[-2:] == ["moderation.hide", "moderation.restore"]
        assert db.session.scalar(select(func.count()).select_from(Report).where(Report.resolved_at.is_(None))) == 0


def test_citizens_and_staff_cannot_moderate(app, setup, make_user, login_as):
    citizen = client_for(app, login_as, make_user())
    staff = client_for(app, login_as, make_user(role="staff", agency="Ministry of Culture"))
    for who in (citizen, staff):
        assert who.get("/moderation").status_code == 403
        assert who.post(f"/moderation/comment/{setup['comment']}/hide",
                        data={"reason": "spam", "explanation": "x"}).status_code == 403
        assert 'href="/moderation"' not in who.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Comment, setup["comment"]).status == "visible"


def test_a_blocked_person_reads_but_cannot_take_part_until_unblocked(app, setup, login_as):
    slug, author = setup["slug"], setup["author"]
    mod = client_for(app, login_as, setup["moderator"])
    ends = (utcnow() + timedelta(days=7)).date().isoformat()
    assert mod.post(f"/moderation/people/{author}", data={"reason": "Repeated insults", "ends_on": "2001-01-01"}
                    ).status_code == 400
    assert mod.post(f"/moderation/people/{author}", data={"reason": "Repeated insults", "ends_on": ends}
                    ).status_code == 302
    assert "Repeated insults" in mod.get("/moderation").get_data(as_text=True)
    person = client_for(app, login_as, author)
    assert person.get(f"/drafts/{slug}").status_code == 200
    refused = person.post(f"/drafts/{slug}/comments", data={"body": "again"})
    assert refused.status_code == 403 and "Repeated insults" in refused.get_data(as_text=True)
    assert mod.post(f"/moderation/people/{author}/unblock").status_code == 302
    assert person.post(f"/drafts/{slug}/comments", data={"body": "sorry"}).status_code == 302


def test_the_author_disputes_a_contribution_made_under_their_address(app, client, setup, login_as):
    cid, slug = setup["comment"], setup["slug"]
    person = client_for(app, login_as, setup["author"])
    assert "This was not me" in person.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "I did not write this" in person.get(f"/report/comment/{cid}").get_data(as_text=True)
    assert person.post(f"/dispute/comment/{cid}").status_code == 302
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "open on Sundays" in page and "says they did not write this" in page
    assert "says they did not write this" in client_for(app, login_as, setup["moderator"]).get(
        "/moderation").get_data(as_text=True)
    assert client_for(app, login_as, setup["moderator"]).post(f"/dispute/comment/{cid}").status_code == 403


def test_the_audit_log_is_hash_chained_and_for_admins_only(app, setup, make_user, login_as):
    mod = client_for(app, login_as, setup["moderator"])
    mod.post(f"/moderation/comment/{setup['comment']}/hide", data={"reason": "spam", "explanation": "Advert."})
    admin = client_for(app, login_as, make_user(role="admin"))
    page = admin.get("/moderation/audit").get_data(as_text=True)
    assert "moderation.hide" in page and "The hash chain holds" in page
    assert mod.get("/moderation/audit").status_code == 403
    with app.app_context():
        assert audit.verify_chain() == []
        victim = db.session.scalar(select(AuditLog.id).where(AuditLog.action == "moderation.hide"))
        db.session.execute(text("UPDATE audit_log SET detail = 'abuse' WHERE id = :i"), {"i": victim})
        db.session.commit()
        assert audit.verify_chain() == [victim]
    assert "The hash chain is broken" in admin.get("/moderation/audit").get_data(as_text=True)


def test_proposals_are_reported_hidden_and_leave_a_tombstone(app, client, setup, make_user, login_as):
    slug = setup["slug"]
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        key = queries.current_revision(draft).clauses[1].key
        pid = proposals.propose(db.session.get(User, setup["author"]), draft, key, action="replace",
                                proposed_text="Libraries open daily.", rationale="Because.").id
        db.session.commit()
    assert client_for(app, login_as, make_user()).post(f"/report/proposal/{pid}",
                                                       data={"reason": "spam"}).status_code == 302
    mod = client_for(app, login_as, setup["moderator"])
    assert "Libraries open daily." in mod.get("/moderation").get_data(as_text=True)
    mod.post(f"/moderation/proposal/{pid}/hide", data={"reason": "spam", "explanation": "Duplicate."})
    page = client.get(f"/drafts/{slug}/proposals/{pid}")
    assert page.status_code == 200 and "Duplicate." in page.get_data(as_text=True)
    assert "Libraries open daily." not in page.get_data(as_text=True)


def test_no_route_deletes_a_contribution(app, client, setup, make_user, login_as):
    """Every moderation path leaves the rows; and no application code deletes comments or proposals."""
    def counts():
        with app.app_context():
            return [db.session.scalar(select(func.count()).select_from(m)) for m in (Comment, Proposal)]
    seen = [counts()]
    cid = setup["comment"]
    mod = client_for(app, login_as, setup["moderator"])
    for reporter in (make_user(), make_user(), make_user()):
        report(app, login_as, reporter, cid)
        seen.append(counts())
    for action, data in (("restore", {}), ("hide", {"reason": "spam", "explanation": "x"}), ("restore", {})):
        mod.post(f"/moderation/comment/{cid}/{action}", data=data)
        seen.append(counts())
    mod.post(f"/moderation/people/{setup['author']}", data={"reason": "x", "ends_on": "2999-01-01"})
    client_for(app, login_as, setup["author"]).post(f"/dispute/comment/{cid}")
    client_for(app, login_as, setup["author"]).post("/logout")
    seen.append(counts())
    assert all(a <= b for earlier, later in zip(seen, seen[1:]) for a, b in zip(earlier, later)), seen
    deleting = re.compile(r"(session\.delete\((comment|proposal)|delete\((Comment|Proposal)\b|"
                          r"DELETE FROM (comment|proposal)\b)", re.IGNORECASE)
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "app").rglob("*.py") if deleting.search(p.read_text())]
    assert offenders == []


def test_a_comment_hidden_in_the_database_leaves_search_counts(app, client, setup):
    assert client.get("/api/v1/search?q=sundays").get_json()["total"] == 1
    with app.app_context():  # behind the application's back: no outbox row is written
        db.session.execute(text("UPDATE comment SET status = 'hidden' WHERE id = :i"), {"i": setup["comment"]})
        db.session.commit()
    result = client.get("/api/v1/search?q=sundays").get_json()
    assert result["total"] == 0 and result["counts"]["kind"]["comment"] == 0


def test_one_comment_hidden_and_another_restored_in_the_database_shows_in_search_at_once(app, client, setup):
    """Search keeps the hidden comments per process under a stamp: as many hidden as before, but
    others, must still be seen as a change."""
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == setup["slug"]))
        other = comments.add_comment(db.session.get(User, setup["author"]), draft,
                                     body="Museums should open on Sundays too.").id
        db.session.commit()
    assert client.get("/api/v1/search?q=sundays").get_json()["total"] == 2  # both indexed
    swap = text("UPDATE comment SET status = CASE WHEN id = :a THEN 'hidden' ELSE 'visible' END WHERE id IN (:a, :b)")
    with app.app_context():
        db.session.execute(swap, {"a": other, "b": setup["comment"]})
        db.session.commit()
    found = client.get("/api/v1/search?q=sundays").get_json()
    assert found["total"] == 1 and [h["id"] for h in found["groups"]["comment"]] == [setup["comment"]]
    with app.app_context():  # as many hidden as before, another one
        db.session.execute(swap, {"a": setup["comment"], "b": other})
        db.session.commit()
    found = client.get("/api/v1/search?q=sundays").get_json()
    assert found["total"] == 1 and [h["id"] for h in found["groups"]["comment"]] == [other]


def test_users_create_makes_a_moderator(app, runner):
    r = runner.invoke(args=["users", "create", "mod@example.org", "--role", "moderator", "--password-stdin"],
                      input="long enough password\n")
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.scalar(select(User.role)) == "moderator"
