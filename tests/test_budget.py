"""The initiative budget as residents and staff meet it: the commands of the contract, the round
page and its vote forms, the API, results arithmetic, proposals and vetting, complaints."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, BudgetBallot, BudgetProject, BudgetRound, BudgetVoter
from app.services.budget_results import Entry, allocate, funded_total

NOW = datetime.now(UTC)
CSV = "title,cost,mahalla,description\nSchool roof,400000000,Navroz,Leaks\nWater pipe,300000000,Bahor,\n" \
      "Street lights,250000000,Ipak yoli,LEDs\n"


def day(offset: int) -> str:
    return (NOW + timedelta(days=offset)).strftime("%Y-%m-%dT%H:%M")


def create(runner, *extra, opens=-1, closes=5, envelope="700000000") -> str:
    r = runner.invoke(args=["budget", "create-round", "--title", "Budget 2026", "--district", "Yunusobod",
                            "--envelope", envelope, "--voting-opens", day(opens), "--voting-closes", day(closes),
                            *extra])
    assert r.exit_code == 0, r.output
    return r.output.strip()


def imported(runner, tmp_path, slug, text=CSV):
    path = tmp_path / "projects.csv"
    path.write_text(text)
    return runner.invoke(args=["budget", "import-projects", slug, str(path)])


@pytest.fixture
def voting_round(app, runner, tmp_path):
    """A round in its voting phase with three eligible projects (imported before voting)."""
    slug = create(runner, opens=3, closes=8)
    assert imported(runner, tmp_path, slug).exit_code == 0
    assert runner.invoke(args=["budget", "phase", slug, "voting"]).exit_code == 0
    return slug


def project_ids(app, slug) -> dict[str, int]:
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        return dict(db.session.execute(select(BudgetProject.title, BudgetProject.id)
                                       .where(BudgetProject.round_id == rid)).all())


def vote(client, slug, project_id):
    return client.post(f"/budget/{slug}/vote", data={"project_id": str(project_id)})


# -- the arithmetic ------------------------------------------------------------------------------

def test_projects_are_funded_in_rank_order_and_one_that_no_longer_fits_is_skipped():
    steps = allocate(1000, [Entry(1, "a", 50, 600), Entry(2, "b", 40, 500), Entry(3, "c", 30, 300),
                            Entry(4, "d", 10, 200)])
    assert [(s.entry.id, s.funded, s.remaining_after) for s in steps] == [
        (1, True, 400), (2, False, 400), (3, True, 100), (4, False, 100)]
    assert funded_total(steps) == 900


def test_ties_go_to_the_cheaper_project_then_the_earlier_one_and_are_shown():
    steps = allocate(500, [Entry(7, "late", 10, 300), Entry(3, "dear", 10, 400), Entry(5, "cheap", 10, 200),
                           Entry(6, "same", 10, 300)])
    assert [s.entry.id for s in steps] == [5, 6, 7, 3]
    assert [s.funded for s in steps] == [True, True, False, False]
    assert {e.id for e in steps[0].tied_with} == {3, 6, 7}


def test_an_envelope_that_funds_nothing_and_exact_fits():
    assert [s.funded for s in allocate(0, [Entry(1, "a", 3, 1)])] == [False]
    assert [s.funded for s in allocate(10, [Entry(1, "a", 3, 4), Entry(2, "b", 2, 6)])] == [True, True]


# -- the commands --------------------------------------------------------------------------------

def test_create_round_prints_the_slug_and_the_district_staff_run_it(app, runner):
    slug = create(runner, "--requires", "phone")
    assert slug == "budget-2026"
    with app.app_context():
        r = db.session.scalar(select(BudgetRound))
        assert (r.district, r.agency.name, r.envelope, r.requires, r.status()) == (
            "Yunusobod", "Yunusobod", 700_000_000, "phone", "voting")


@pytest.mark.parametrize("args, message", [
    (["--envelope", "-5"], "positive amount"),
    (["--envelope", "lots"], "positive amount"),
    (["--voting-opens", "tomorrow"], "not a date"),
    (["--voting-closes", "2020-01-01"], "close after it opens"),
])
def test_create_round_refuses_bad_input(app, runner, args, message):
    base = {"--title": "T", "--district": "D", "--envelope": "100", "--voting-opens": day(1),
            "--voting-closes": day(5)}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    r = runner.invoke(args=["budget", "create-round", *[x for kv in base.items() for x in kv]])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetRound)) == 0


def test_import_reports_bad_rows_and_imports_nothing(app, runner, tmp_path):
    slug = create(runner, opens=3, closes=8)
    r = imported(runner, tmp_path, slug, CSV + "No cost,,Bahor,x\nToo dear,abc,Bahor,y\n")
    assert r.exit_code == 2 and "line 5" in r.output and "line 6" in r.output and "nothing was imported" in r.output
    assert imported(runner, tmp_path, slug, "name,price\nx,1\n").exit_code == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetProject)) == 0
    r = imported(runner, tmp_path, slug)
    assert r.exit_code == 0 and "3" in r.output
    with app.app_context():
        assert {p.status for p in db.session.scalars(select(BudgetProject))} == {"eligible"}


def test_import_is_refused_once_someone_voted(app, runner, tmp_path, login_as, make_user):
    slug = create(runner)  # voting opened yesterday, nobody voted yet: paper projects still join
    assert imported(runner, tmp_path, slug, "title,cost,mahalla,description\nSchool roof,4,Navroz,\n").exit_code == 0
    assert vote(login_as(app.test_client(), make_user()), slug, project_ids(app, slug)["School roof"]).status_code == 302
    r = imported(runner, tmp_path, slug)
    assert r.exit_code == 2 and "before voting starts" in r.output


def test_phase_moves_forward_only_and_is_audited(app, runner):
    slug = create(runner, opens=30, closes=40)
    assert runner.invoke(args=["budget", "phase", slug, "vetting"]).exit_code == 0
    r = runner.invoke(args=["budget", "phase", slug, "proposals"])
    assert r.exit_code == 2 and "already" in r.output
    assert runner.invoke(args=["budget", "phase", slug, "vetting"]).exit_code == 0  # asked twice: no change
    assert runner.invoke(args=["budget", "close", slug]).exit_code == 2  # nobody could vote yet
    assert runner.invoke(args=["budget", "phase", slug, "closed"]).exit_code == 2
    with app.app_context():
        assert db.session.scalar(select(BudgetRound)).status() == "vetting"
        assert db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "budget.phase")) == \
            "proposals -> vetting"


# -- a whole round on the web --------------------------------------------------------------------

def test_a_round_from_ballot_to_published_results(app, client, runner, login_as, make_user, voting_round):
    ids = project_ids(app, voting_round)
    page = client.get(f"/budget/{voting_round}").get_data(as_text=True)
    assert "School roof" in page and "Log in to vote" in page
    assert page.count("Vote for this project") == 3  # the forms are there for everyone; voting asks to log in
    voters = [make_user() for _ in range(5)]
    choices = ["Water pipe", "Water pipe", "School roof", "Street lights", "Water pipe"]
    receipts = []
    for uid, title in zip(voters, choices):
        c = login_as(app.test_client(), uid)
        assert c.get(f"/budget/{voting_round}").get_data(as_text=True).count("Vote for this project") == 3
        r = vote(c, voting_round, ids[title])
        assert r.status_code == 302
        flashed = c.get(r.location).get_data(as_text=True)
        receipts.append(re.search(r"receipt code is ([0-9A-F]{12})", flashed).group(1))
        assert "You have voted in this round" in flashed and "Vote for this project" not in flashed
    # totals are public while voting runs
    live = client.get(f"/api/v1/budget/rounds/{voting_round}").get_json()
    assert {p["title"]: p["votes"] for p in live["projects"]} == {"Water pipe": 3, "School roof": 1,
                                                                    "Street lights": 1}
    assert live["status"] == "voting" and not any(p["funded"] for p in live["projects"])
    # a receipt shows its holder the ballot, counted, and for what
    check = client.get(f"/budget/{voting_round}/receipt", query_string={"receipt": receipts[2]})
    assert check.status_code == 200 and "School roof" in check.get_data(as_text=True)
    assert client.get(f"/budget/{voting_round}/receipt", query_string={"receipt": "NOPE"}).status_code == 404

    r = runner.invoke(args=["budget", "close", voting_round])
    assert r.exit_code == 0, r.output
    body = client.get(f"/api/v1/budget/rounds/{voting_round}").get_json()
    assert body["status"] == "closed" and body["envelope"] == 700_000_000 and body["district"] == "Yunusobod"
    result = {p["title"]: (p["votes"], p["funded"]) for p in body["projects"]}
    # 700M: Water pipe (3 votes, 300M) funded -> 400M left; School roof and Street lights tie at 1:
    # the cheaper Street lights (250M) goes first and is funded -> 150M; School roof (400M) is skipped
    assert result == {"Water pipe": (3, True), "Street lights": (1, True), "School roof": (1, False)}
    assert set(body["projects"][0]) >= {"id", "title", "cost", "votes", "funded"}
    listing = client.get("/api/v1/budget/rounds").get_json()["items"]
    assert [r["slug"] for r in listing] == [voting_round]
    page = client.get(f"/budget/{voting_round}").get_data(as_text=True)
    assert "skipped" in page and "tied with" in page and "Vote for this project" not in page
    assert runner.invoke(args=["budget", "verify", voting_round]).exit_code == 0
    # who voted for what is never public
    assert "user" not in str(body) and all(str(u) not in page for u in receipts)
    late = login_as(app.test_client(), make_user())
    assert vote(late, voting_round, ids["School roof"]).status_code == 403


def test_a_second_vote_is_refused_and_the_first_stands(app, login_as, make_user, voting_round):
    ids = project_ids(app, voting_round)
    c = login_as(app.test_client(), make_user())
    assert vote(c, voting_round, ids["Water pipe"]).status_code == 302
    r = vote(c, voting_round, ids["School roof"])
    assert r.status_code == 409 and "already voted" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetBallot)) == 1


@pytest.mark.parametrize("project_id, status", [("999", 404), ("x", 404), ("", 400)])
def test_voting_for_nothing_answers_clearly(app, login_as, make_user, voting_round, project_id, status):
    c = login_as(app.test_client(), make_user())
    assert vote(c, voting_round, project_id).status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetVoter)) == 0


def test_anonymous_and_unconfirmed_people_cannot_vote(app, client, login_as, make_user, voting_round):
    ids = project_ids(app, voting_round)
    assert vote(client, voting_round, ids["Water pipe"]).status_code == 302  # to the login page
    c = login_as(app.test_client(), make_user(confirmed=False))
    r = vote(c, voting_round, ids["Water pipe"])
    assert r.status_code == 403 and "confirm your email" in r.get_data(as_text=True)


def test_staff_verification_rounds_need_a_confirmed_residence(app, runner, tmp_path, login_as, make_user):
    slug = create(runner, "--requires", "staff", opens=3, closes=8)
    assert imported(runner, tmp_path, slug).exit_code == 0
    runner.invoke(args=["budget", "phase", slug, "voting"])
    ids = project_ids(app, slug)
    resident = make_user("resident@example.org")
    c = login_as(app.test_client(), resident)
    assert vote(c, slug, ids["Water pipe"]).status_code == 403
    other = login_as(app.test_client(), make_user(role="staff", agency="Chilonzor"))
    assert other.post(f"/staff/budget/{slug}/residents", data={"email": "resident@example.org"}).status_code == 403
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    assert staff.post(f"/staff/budget/{slug}/residents", data={"email": "resident@example.org",
                                                              "mahalla": "Bahor"}).status_code == 302
    assert vote(c, slug, ids["Water pipe"]).status_code == 302


def test_phone_verification_by_sms_code(app, login_as, make_user, runner, tmp_path):
    from app.services import sms
    slug = create(runner, "--requires", "phone", opens=3, closes=8)
    imported(runner, tmp_path, slug)
    runner.invoke(args=["budget", "phase", slug, "voting"])
    ids = project_ids(app, slug)
    c = login_as(app.test_client(), make_user())
    assert vote(c, slug, ids["Water pipe"]).status_code == 403
    assert c.post("/budget/phone", data={"phone": "not a number"}).status_code == 400
    assert c.post("/budget/phone", data={"phone": "90 123 45 67"}).status_code == 302
    number, text = sms.SENT[-1]
    code = re.search(r"[0-9]{6}", text).group(0)
    assert number == "+998901234567"
    assert c.post("/budget/phone/confirm", data={"code": "000000" if code != "000000" else "111111"}).status_code == 400
    assert c.post("/budget/phone/confirm", data={"code": code}).status_code == 302
    # the number now belongs to this person; nobody else can confirm it
    other = login_as(app.test_client(), make_user())
    assert other.post("/budget/phone", data={"phone": "+998 90 123-45-67"}).status_code == 400
    assert vote(c, slug, ids["Water pipe"]).status_code == 302


def test_sms_codes_are_rate_limited_per_number(app_factory):
    from conftest import login
    app = app_factory(RATELIMIT_ENABLED=True, SMS_RATE_LIMIT="2/hour")
    from app.services import accounts
    with app.app_context():
        for n in range(2):
            accounts.create_user(email=f"p{n}@example.org", password="long enough password", display_name="P",
                                 confirmed=True)
        db.session.commit()
    first = app.test_client()
    login(first, "p0@example.org", "long enough password")
    assert [first.post("/budget/phone", data={"phone": "+998901111111"}).status_code for _ in range(2)] == [302, 302]
    # another person at another address asking for the same number: the number's limit holds
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    login(other, "p1@example.org", "long enough password")
    r = other.post("/budget/phone", data={"phone": "+998 90 111 11 11"})
    assert r.status_code == 429 and "Too many requests" in r.get_data(as_text=True)
    assert other.post("/budget/phone", data={"phone": "+998902222222"}).status_code == 302


def test_residents_propose_and_staff_vet_with_a_public_reason(app, runner, login_as, make_user):
    slug = create(runner, "--max-cost", "500000000", opens=40, closes=50)
    c = login_as(app.test_client(), make_user())
    form = {"title": "Bus shelter", "mahalla": "Bahor", "category": "roads", "cost": "600 000 000",
            "description": "Near the school"}
    r = c.post(f"/budget/{slug}/propose", data=form)
    assert r.status_code == 400 and "maximum" in r.get_data(as_text=True) and "Bus shelter" in r.get_data(as_text=True)
    r = c.post(f"/budget/{slug}/propose", data={**form, "cost": "45 000 000"})
    assert r.status_code == 302
    pid = project_ids(app, slug)["Bus shelter"]
    outsider = login_as(app.test_client(), make_user(role="staff", agency="Chilonzor"))
    decision = {"decision": "eligible", "reason": "Public land.", "approved_cost": "50000000"}
    assert outsider.post(f"/staff/budget/{slug}/projects/{pid}/vet", data=decision).status_code == 403
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    assert staff.get(f"/staff/budget/{slug}").status_code == 200
    assert staff.post(f"/staff/budget/{slug}/projects/{pid}/vet", data=decision).status_code == 302
    page = c.get(f"/budget/{slug}/projects/{pid}").get_data(as_text=True)
    assert "Public land." in page and "50,000,000" in page
    assert staff.post(f"/staff/budget/{slug}/phase", data={"phase": "voting"}).status_code == 302
    assert c.post(f"/budget/{slug}/propose", data=form).status_code == 403


def test_disqualification_recomputes_published_results(app, runner, login_as, make_user, voting_round):
    ids = project_ids(app, voting_round)
    for title in ["Water pipe", "Water pipe", "School roof"]:
        assert vote(login_as(app.test_client(), make_user()), voting_round, ids[title]).status_code == 302
    complainant = login_as(app.test_client(), make_user())
    assert complainant.post(f"/budget/{voting_round}/complaint", data={
        "project_id": str(ids["Water pipe"]), "body": "Teachers were told to vote."}).status_code == 302
    runner.invoke(args=["budget", "close", voting_round])
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    assert "Teachers were told to vote." in staff.get(f"/staff/budget/{voting_round}").get_data(as_text=True)
    assert staff.post(f"/staff/budget/{voting_round}/projects/{ids['Water pipe']}/disqualify",
                      data={"reason": "Coerced voting proven."}).status_code == 302
    body = complainant.get(f"/api/v1/budget/rounds/{voting_round}").get_json()
    result = {p["title"]: (p["status"], p["funded"]) for p in body["projects"]}
    assert result == {"Water pipe": ("disqualified", False), "School roof": ("eligible", True),
                      "Street lights": ("eligible", True)}
    assert "Coerced voting proven." in complainant.get(f"/budget/{voting_round}").get_data(as_text=True)
    assert runner.invoke(args=["budget", "verify", voting_round]).exit_code == 0


def test_implementation_is_published_and_residents_report_problems(app, runner, login_as, make_user,
                                                                    voting_round):
    ids = project_ids(app, voting_round)
    vote(login_as(app.test_client(), make_user()), voting_round, ids["Water pipe"])
    runner.invoke(args=["budget", "close", voting_round])
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    assert staff.post(f"/staff/budget/{voting_round}/projects/{ids['Water pipe']}/implementation", data={
        "contractor": "Suv LLC", "contract_amount": "290000000", "spent": "100000000",
        "stage": "Trench dug."}).status_code == 302
    resident = login_as(app.test_client(), make_user())
    assert resident.post(f"/budget/{voting_round}/projects/{ids['Water pipe']}/updates",
                         data={"body": "The trench is left open.", "problem": "y"}).status_code == 302
    page = resident.get(f"/budget/{voting_round}/projects/{ids['Water pipe']}").get_data(as_text=True)
    assert "Suv LLC" in page and "Trench dug." in page and "The trench is left open." in page
    round_page = resident.get(f"/budget/{voting_round}").get_data(as_text=True)
    assert "290,000,000" in round_page and "100,000,000" in round_page and "District total" in round_page
    assert staff.post(f"/staff/budget/{voting_round}/projects/{ids['Water pipe']}/implementation",
                      data={"spent": "-4"}).status_code == 400


@pytest.mark.parametrize("lang, words", [("ru", "Инициативный бюджет"), ("uz", "Tashabbusli budjet")])
def test_the_round_page_speaks_every_language(app, client, voting_round, lang, words):
    client.set_cookie("lang", lang)
    page = client.get(f"/budget/{voting_round}").get_data(as_text=True)
    assert words in page


def test_the_demo_loads_a_whole_round(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        rounds = {r.slug: r for r in db.session.scalars(select(BudgetRound))}
        done = next(r for r in rounds.values() if r.status() == "closed")
        slug = done.slug
    assert runner.invoke(args=["budget", "verify", slug]).exit_code == 0
    body = app.test_client().get(f"/api/v1/budget/rounds/{slug}").get_json()
    assert sum(p["funded"] for p in body["projects"]) >= 2 and any(p["spent"] for p in body["projects"])


def test_district_staff_open_a_round_on_the_web(app, client, login_as, make_user):
    assert login_as(app.test_client(), make_user()).get("/staff/budget/new").status_code == 403
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    page = staff.get("/staff/budget/new")
    assert page.status_code == 200 and "Yunusobod" in page.get_data(as_text=True)
    form = {"title": "Season 2027", "district": "Chilonzor", "envelope": "2 000 000 000", "max_cost": "",
            "requires": "phone", "proposals_open": "2027-01-01T09:00", "vetting_opens": "2027-01-21T09:00",
            "voting_opens": "2027-02-04T09:00", "voting_closes": "2027-01-30T09:00"}
    r = staff.post("/staff/budget/new", data=form)
    assert r.status_code == 400 and "close after it opens" in r.get_data(as_text=True)
    r = staff.post("/staff/budget/new", data={**form, "voting_closes": "2027-02-14T09:00"})
    assert r.status_code == 302 and r.location.endswith("/staff/budget/season-2027")
    with app.app_context():
        made = db.session.scalar(select(BudgetRound))
        # staff open rounds of their own district whatever the form says; times are Tashkent's (UTC+5)
        assert (made.district, made.requires, made.envelope) == ("Yunusobod", "phone", 2_000_000_000)
        assert made.voting_opens_at == datetime(2027, 2, 4, 4, 0, tzinfo=UTC)


def test_a_proposal_sent_twice_is_stored_once(app, runner, login_as, make_user):
    slug = create(runner, opens=40, closes=50)
    c = login_as(app.test_client(), make_user())
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', c.get(f"/budget/{slug}/propose")
                    .get_data(as_text=True)).group(1)
    form = {"title": "Bus shelter", "mahalla": "Bahor", "category": "roads", "cost": "45000000",
            "idempotency_key": key}
    first, second = (c.post(f"/budget/{slug}/propose", data=form) for _ in range(2))
    assert first.status_code == second.status_code == 302 and first.location == second.location
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BudgetProject)) == 1
