"""A resident who proposed a project is told, in the app and by email (real SMTP, aiosmtpd) in
their own language, when it is vetted (with the reason and the adjusted cost), when voting opens
and when the results are published; the worker announces voting opened by the date once."""
from __future__ import annotations

from datetime import timedelta

from smtp_sink import smtp  # noqa: F401 - fixture
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import BudgetProject, BudgetRound, Notification, User
from app.services import budget, emails


def run_worker(app) -> int:
    from app.cli import WORKER_HANDLERS, WORKER_PERIODIC
    from app.services import jobs
    with app.app_context():
        return jobs.work(WORKER_HANDLERS, WORKER_PERIODIC, once=True)


def _round(app, *, opens_in: timedelta) -> str:
    with app.app_context():
        now = utcnow()
        made = budget.create_round(None, title="Yunusobod 2027", district="Yunusobod", envelope=500_000_000,
                                   voting_opens=now + opens_in, voting_closes=now + opens_in + timedelta(days=10))
        db.session.commit()
        return made.slug


def _speaks(app, user_id: int, language: str) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.language = language
        emails.save_settings(user, language=language)
        db.session.commit()


def _notes(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user_id)
                                       .order_by(Notification.id)))


def _propose(client, slug, title, cost):
    r = client.post(f"/budget/{slug}/propose", data={"title": title, "mahalla": "Navroʻz", "cost": cost,
                                                     "category": "schools", "description": "Please."})
    assert r.status_code == 302, r.get_data(as_text=True)
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_a_proposer_is_told_of_vetting_voting_and_results_in_their_language(app, smtp, make_user,  # noqa: F811
                                                                              login_as):
    app.config.update(smtp.config)
    slug = _round(app, opens_in=timedelta(days=30))
    aziza, bobur = make_user("aziza@example.org"), make_user("bobur@example.org")
    _speaks(app, aziza, "ru")
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    roof = _propose(login_as(app.test_client(), aziza), slug, "School roof", "420 000 000")
    garage = _propose(login_as(app.test_client(), bobur), slug, "Private garage", "40000000")
    assert staff.post(f"/staff/budget/{slug}/projects/{roof}/vet", data={
        "decision": "eligible", "approved_cost": "380000000", "reason": "Checked by the engineer."}).status_code == 302
    assert staff.post(f"/staff/budget/{slug}/projects/{garage}/vet", data={
        "decision": "ineligible", "reason": "A private building."}).status_code == 302
    run_worker(app)

    vetted = smtp.wait_for("aziza@example.org")
    assert "School roof" in vetted.subject and "бюллетен" in vetted.subject  # Russian, as she chose
    text = vetted.message.get_body(("plain",)).get_content()
    assert "420 000 000" in text.replace("\u00a0", " ") and "380 000 000" in text.replace("\u00a0", " ")
    assert "Checked by the engineer." in text and f"/budget/{slug}/projects/{roof}" in text
    refused = smtp.wait_for("bobur@example.org")
    assert refused.subject == "Your project “Private garage” is not eligible for Yunusobod 2027."
    assert "A private building." in refused.message.get_body(("plain",)).get_content()
    assert "бюллетен" in _notes(app, aziza)[0] and "380" in _notes(app, aziza)[0]
    assert _notes(app, bobur) == ["Your project “Private garage” is not eligible for Yunusobod 2027. "
                                  "The reason given: A private building."]

    assert staff.post(f"/staff/budget/{slug}/phase", data={"phase": "voting"}).status_code == 302
    run_worker(app)  # the worker's own check for rounds opened by date finds it announced
    opened = smtp.wait_for("aziza@example.org", 2)
    assert "Yunusobod 2027" in opened.subject
    assert len(smtp.to("bobur@example.org")) == 1  # his project is not on the ballot

    for _ in range(3):
        assert login_as(app.test_client(), make_user()).post(f"/budget/{slug}/vote",
                                                             data={"project_id": str(roof)}).status_code == 302
    assert staff.post(f"/staff/budget/{slug}/close", data={}).status_code == 302
    run_worker(app)
    result = smtp.wait_for("aziza@example.org", 3)
    assert "School roof" in result.subject and "3" in result.message.get_body(("plain",)).get_content()
    assert len(smtp.to("aziza@example.org")) == 3 and len(smtp.to("bobur@example.org")) == 1
    assert len(_notes(app, aziza)) == 3
    page = login_as(app.test_client(), bobur).get("/notifications").get_data(as_text=True)
    assert "A private building." in page and f'href="/budget/{slug}/projects/{garage}"' in page


def test_voting_opened_by_the_date_is_announced_once_and_paper_projects_tell_nobody(app, smtp,  # noqa: F811
                                                                                     make_user):
    app.config.update(smtp.config)
    slug = _round(app, opens_in=-timedelta(hours=1))
    aziza, clerk = make_user("aziza@example.org"), make_user(role="staff", agency="Yunusobod")
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        db.session.add(BudgetProject(round_id=rid, author_id=aziza, title="Water pipe", cost=10, mahalla="Bahor",
                                     status="eligible", channel="online"))
        db.session.add(BudgetProject(round_id=rid, author_id=clerk, title="Paper one", cost=10, mahalla="Bahor",
                                     status="eligible", channel="paper"))
        db.session.commit()
    run_worker(app)
    run_worker(app)
    [opened] = smtp.to("aziza@example.org")
    assert opened.subject == "Voting has opened in Yunusobod 2027."
    assert "Water pipe" in opened.message.get_body(("plain",)).get_content()
    assert _notes(app, clerk) == []


def test_a_disqualification_after_the_results_tells_who_lost_and_who_gained_funding(app, smtp, make_user,  # noqa: F811
                                                                                    login_as):
    app.config.update(smtp.config)
    slug = _round(app, opens_in=-timedelta(hours=1))
    first, second = make_user("first@example.org"), make_user("second@example.org")
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        a = BudgetProject(round_id=rid, author_id=first, title="Clinic ramp", cost=300_000_000, mahalla="Bahor",
                          status="eligible")
        b = BudgetProject(round_id=rid, author_id=second, title="Bus shelter", cost=300_000_000, mahalla="Bahor",
                          status="eligible")
        db.session.add_all([a, b])
        db.session.commit()
        ids = a.id, b.id
    for pid in [ids[0]] * 3 + [ids[1]] * 2:
        login_as(app.test_client(), make_user()).post(f"/budget/{slug}/vote", data={"project_id": str(pid)})
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    staff.post(f"/staff/budget/{slug}/close", data={})
    run_worker(app)
    # no worker ran while voting: a round closed before the announcement is not announced late
    assert smtp.wait_for("second@example.org").subject == "Your project “Bus shelter” is not funded."
    assert smtp.wait_for("first@example.org").subject == "Your project “Clinic ramp” is funded."
    r = staff.post(f"/staff/budget/{slug}/projects/{ids[0]}/disqualify", data={"reason": "Coerced voting proven."})
    assert r.status_code == 302
    run_worker(app)
    lost = smtp.wait_for("first@example.org", 2)
    assert lost.subject == "Your project “Clinic ramp” is not funded."
    assert "Coerced voting proven." in lost.message.get_body(("plain",)).get_content()
    assert smtp.wait_for("second@example.org", 2).subject == "Your project “Bus shelter” is funded."
