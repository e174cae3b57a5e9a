"""Residents per mahalla, as district staff enter them (the staff desk, or ``flask budget
residents SLUG FILE.csv``), and the anomaly report that compares votes with them, counted by the
database on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import (
    BudgetBallot,
    BudgetMahalla,
    BudgetPhone,
    BudgetProject,
    BudgetRound,
    BudgetVoter,
    User,
)
from app.services import budget, budget_anomalies


def _round(app, district: str = "Yunusobod") -> str:
    with app.app_context():
        now = utcnow()
        slug = budget.create_round(None, title="Budget 2027", district=district, envelope=10**9,
                                   voting_opens=now - timedelta(days=1), voting_closes=now + timedelta(days=9)).slug
        db.session.commit()
        return slug


def _numbers(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(BudgetMahalla.name, BudgetMahalla.residents)).all())


def test_staff_record_residents_on_the_desk_and_others_cannot(app, make_user, login_as):
    slug = _round(app)
    staff = login_as(app.test_client(), make_user(role="staff", agency="Yunusobod"))
    assert "Residents per mahalla" in staff.get(f"/staff/budget/{slug}").get_data(as_text=True)
    r = staff.post(f"/staff/budget/{slug}/mahallas", data={"mahalla": "Navroʻz", "residents": "2 400"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#mahallas")
    desk = staff.get(f"/staff/budget/{slug}").get_data(as_text=True)
    assert "<td>Navroʻz</td><td>2400</td>" in desk
    # the same mahalla however it is typed: the number is replaced, not doubled
    staff.post(f"/staff/budget/{slug}/mahallas", data={"mahalla": "navro'z ", "residents": "2500"})
    assert _numbers(app) == {"navro'z": 2500}
    for residents in ("-5", "many", "99999999999", ""):
        r = staff.post(f"/staff/budget/{slug}/mahallas", data={"mahalla": "Bahor", "residents": residents})
        assert r.status_code == 400, residents
    assert "whole number" in staff.post(f"/staff/budget/{slug}/mahallas",
                                        data={"mahalla": "Bahor", "residents": "x"}).get_data(as_text=True)
    other = login_as(app.test_client(), make_user(role="staff", agency="Chilonzor"))
    assert other.post(f"/staff/budget/{slug}/mahallas", data={"mahalla": "Bahor", "residents": "9"}).status_code == 403
    assert _numbers(app) == {"navro'z": 2500}


def test_the_residents_command_records_a_file_all_rows_or_none(app, runner, tmp_path):
    slug = _round(app)
    bad = tmp_path / "bad.csv"
    bad.write_text("mahalla,residents\nBahor,3100\nNavroʻz,lots\n,12\n")
    r = runner.invoke(args=["budget", "residents", slug, str(bad)])
    assert r.exit_code == 2 and "line 3" in r.output and "line 4" in r.output and "nothing was recorded" in r.output
    assert _numbers(app) == {}
    assert runner.invoke(args=["budget", "residents", slug, str(tmp_path / "missing.csv")]).exit_code == 2
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,people\nBahor,1\n")
    assert "mahalla,residents" in runner.invoke(args=["budget", "residents", slug, str(wrong)]).output
    good = tmp_path / "good.csv"
    good.write_text("\ufeffmahalla,residents\nBahor,3100\nNavroʻz,\"2,400\"\n", encoding="utf-8")
    r = runner.invoke(args=["budget", "residents", slug, str(good)])
    assert r.exit_code == 0 and "2" in r.output
    assert _numbers(app) == {"Bahor": 3100, "Navroʻz": 2400}
    assert runner.invoke(args=["budget", "residents", "no-such-round", str(good)]).exit_code != 0


@pytest.mark.both_backends
def test_the_anomaly_report_counts_in_the_database(app, runner, tmp_path):
    """35 ballots for one project in one minute from one address, by accounts made just before,
    in a mahalla of 20 residents entered by file."""
    slug = _round(app)
    residents = tmp_path / "residents.csv"
    residents.write_text("mahalla,residents\nBAHOR,20\n")
    assert runner.invoke(args=["budget", "residents", slug, str(residents)]).exit_code == 0
    minute = datetime(2027, 3, 5, 9, 41, tzinfo=UTC)
    with app.app_context():
        rid = db.session.scalar(select(BudgetRound.id).where(BudgetRound.slug == slug))
        school = BudgetProject(round_id=rid, title="School", mahalla="Bahor", cost=10, status="eligible")
        quiet = BudgetProject(round_id=rid, title="Lights", mahalla="Navroz", cost=10, status="eligible")
        db.session.add_all([school, quiet])
        db.session.flush()
        for n in range(36):
            user = User(email=f"v{n}@example.org", display_name=f"V{n}", password_hash="-",
                        created_at=minute - timedelta(seconds=10 if n < 35 else 3600))
            db.session.add(user)
            db.session.flush()
            db.session.add(BudgetPhone(user_id=user.id, number=f"+99890{n * 7:07d}", confirmed_at=minute))
            db.session.add(BudgetVoter(round_id=rid, user_id=user.id, address="203.0.113.9" if n < 35 else "198.51.100.1",
                                       network="203.0.113.0/24", cast_at=minute + timedelta(seconds=n)))
            db.session.add(BudgetBallot(round_id=rid, seq=n + 1, project_id=school.id if n < 35 else quiet.id,
                                        receipt_hash=f"{n:064d}", cast_at=minute + timedelta(seconds=n),
                                        chain_hash="0" * 64))
        db.session.commit()
        findings = {f.kind: f for f in budget_anomalies.report(db.session.get(BudgetRound, rid))}
        assert db.session.scalar(select(func.count()).select_from(BudgetBallot)) == 36
    assert findings["burst"].subject == "School · 2027-03-05 09:41 UTC" and findings["burst"].count == 35
    assert findings["address"].subject == "203.0.113.9" and findings["address"].count == 35
    assert "network" not in findings  # 36 is under the limit of 50
    assert findings["new_accounts"].count == 35
    assert findings["over_residents"].subject == "School · Bahor"
    assert (findings["over_residents"].count, findings["over_residents"].limit) == (35, 20)
    assert "phones" not in findings  # numbers 7 apart are not a run
