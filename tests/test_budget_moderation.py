"""Moderation of the initiative budget: blocked people do not propose or comment; residents'
projects, comments and problem reports are reported, hidden with a public reason (a tombstone,
never deleted) and restored like draft comments."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    AuditLog,
    BudgetProject,
    BudgetRound,
    BudgetUpdate,
    BudgetVoter,
    Notification,
    Report,
    User,
)
from app.services import budget, moderation


def _round(app, *, opens_in: int = 30) -> str:
    """A round taking proposals (voting opens in ``opens_in`` days)."""
    with app.app_context():
        now = utcnow()
        made = budget.create_round(None, title="Budget 2026", district="Yunusobod", envelope=900_000_000,
                                   voting_opens=now + timedelta(days=opens_in),
                                   voting_closes=now + timedelta(days=opens_in + 10))
        db.session.commit()
        return made.slug


def _block(app, make_user, user_id):
    with app.app_context():
        moderator = db.session.get(User, make_user(role="moderator"))
        moderation.block(moderator, db.session.get(User, user_id), reason="Spam links",
                         ends_at=utcnow() + timedelta(days=3))
        db.session.commit()


def test_a_blocked_person_cannot_propose_a_project_and_sees_why(app, make_user, login_as):
    slug, resident = _round(app), make_user()
    _block(app, make_user, resident)
    client = login_as(app.test_client(), resident)
    r = client.post(f"/budget/{slug}/propose", data={"title": "Bus stop", "mahalla": "Navroz", "cost": "1000",
                                                     "category": "roads"})
    assert r.status_code == 403 and "Spam links" in r.get_data(as_text=True)
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        assert not db.session.scalars(select(BudgetProject).where(BudgetProject.round_id == rid)).all()


def _project(app, slug, author_id, **fields) -> int:
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        project = BudgetProject(round_id=rid, author_id=author_id, title="Skate park by the canal", cost=50_000_000,
                                mahalla="Navroz", description="Ramps for the children of the mahalla.", **fields)
        db.session.add(project)
        db.session.commit()
        return project.id


def _report(app, login_as, reporter, kind, item_id, reason="spam"):
    return login_as(app.test_client(), reporter).post(f"/report/{kind}/{item_id}", data={"reason": reason,
                                                                                            "note": "ads"})


def test_reports_hide_a_residents_project_pending_review_and_a_moderator_decides(app, client, make_user, login_as):
    slug, author = _round(app), make_user(name="Aziza")
    pid = _project(app, slug, author)
    page = client.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    assert "Ramps for the children" in page
    assert login_as(app.test_client(), make_user()).get(f"/report/project/{pid}").status_code == 200
    for _ in range(3):
        assert _report(app, login_as, make_user(), "project", pid).status_code == 302
    round_page = client.get(f"/budget/{slug}").get_data(as_text=True)
    assert "Skate park" not in round_page and "Hidden pending review since" in round_page
    page = client.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    assert "Ramps for the children" not in page and "Hidden pending review since" in page
    listed = client.get(f"/api/v1/budget/rounds/{slug}").get_json()["projects"]
    assert listed == [{**listed[0], "title": "", "mahalla": "", "hidden": True}]
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == author))
        assert "hidden pending review" in note.message and note.link.endswith(f"/projects/{pid}")

    moderator = login_as(app.test_client(), make_user(role="moderator"))
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "Skate park by the canal" in queue and "Budget 2026" in queue
    r = moderator.post(f"/moderation/project/{pid}/hide", data={"reason": "spam",
                                                                "explanation": "An advertisement for a shop."})
    assert r.status_code == 302
    page = client.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    assert "An advertisement for a shop." in page and "Ramps for the children" not in page
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    desk = staff.get(f"/staff/budget/{slug}").get_data(as_text=True)  # staff still vet it, seeing why it is hidden
    assert "Skate park by the canal" in desk and "An advertisement for a shop." in desk
    assert client.get(f"/api/v1/budget/rounds/{slug}").get_json()["projects"][0]["hidden_reason"] == \
        "An advertisement for a shop."
    assert moderator.post(f"/moderation/project/{pid}/restore", data={}).status_code == 302
    assert "Ramps for the children" in client.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    with app.app_context():  # never deleted; every step audited
        assert db.session.get(BudgetProject, pid).description == "Ramps for the children of the mahalla."
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target == f"project:{pid}")).all()
        assert {"report.create", "moderation.auto_hide", "moderation.hide", "moderation.restore"} <= set(actions)


def test_a_comment_on_a_funded_project_is_hidden_with_a_tombstone_and_restored(app, client, make_user, login_as):
    slug, resident = _round(app), make_user(name="Bobur")
    pid = _project(app, slug, None, status="eligible", funded=True)
    writer = login_as(app.test_client(), resident)
    r = writer.post(f"/budget/{slug}/projects/{pid}/updates", data={"body": "Buy cheap bricks at example.com",
                                                                     "problem": "y"})
    assert r.status_code == 302
    with app.app_context():
        uid = db.session.scalar(select(BudgetUpdate.id).where(BudgetUpdate.project_id == pid))
    assert _report(app, login_as, resident, "update", uid).status_code == 403  # not one's own
    moderator = login_as(app.test_client(), make_user(role="moderator"))
    assert moderator.post(f"/moderation/update/{uid}/hide", data={"reason": "spam", "explanation": ""}) \
        .status_code == 400  # a hidden comment always says why
    assert moderator.post(f"/moderation/update/{uid}/hide",
                          data={"reason": "spam", "explanation": "Advertising."}).status_code == 302
    page = client.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    assert "cheap bricks" not in page and "Advertising." in page and f'id="u{uid}"' in page
    assert _report(app, login_as, make_user(), "update", uid).status_code == 409  # hidden already
    assert moderator.post(f"/moderation/update/{uid}/restore", data={}).status_code == 302
    assert "cheap bricks" in client.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    with app.app_context():
        assert "moderation" in db.session.scalars(select(Notification.kind)
                                                  .where(Notification.user_id == resident)).all()


def test_reports_alone_do_not_take_a_project_off_the_ballot_but_a_moderator_can(app, make_user, login_as):
    slug = _round(app, opens_in=-1)  # voting runs
    pid = _project(app, slug, make_user(), status="eligible")
    for _ in range(4):
        _report(app, login_as, make_user(), "project", pid, reason="abuse")
    voter = login_as(app.test_client(), make_user())
    assert 'name="project_id"' in voter.get(f"/budget/{slug}").get_data(as_text=True)
    moderator = login_as(app.test_client(), make_user(role="moderator"))
    assert "Skate park" in moderator.get("/moderation").get_data(as_text=True)
    moderator.post(f"/moderation/project/{pid}/hide", data={"reason": "abuse", "explanation": "Threats."})
    assert 'name="project_id"' not in voter.get(f"/budget/{slug}").get_data(as_text=True)
    assert voter.post(f"/budget/{slug}/vote", data={"project_id": str(pid)}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetVoter)) == 0


def test_a_blocked_person_cannot_comment_on_a_funded_project(app, make_user, login_as):
    slug, resident = _round(app), make_user()
    pid = _project(app, slug, None, status="eligible", funded=True)
    _block(app, make_user, resident)
    r = login_as(app.test_client(), resident).post(f"/budget/{slug}/projects/{pid}/updates", data={"body": "Hi"})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetUpdate)) == 0


def test_reporting_budget_content_refuses_bad_input(app, make_user, login_as):
    slug = _round(app)
    pid = _project(app, slug, make_user())
    assert _report(app, login_as, make_user(), "project", pid, reason="<script>").status_code == 400
    assert _report(app, login_as, make_user(), "project", 99_999).status_code == 404
    assert _report(app, login_as, make_user(), "update", 99_999).status_code == 404
    assert app.test_client().post(f"/report/project/{pid}", data={"reason": "spam"}).status_code == 302  # login
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
