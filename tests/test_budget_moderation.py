"""Moderation of the initiative budget: blocked people do not propose or comment; residents'
projects, comments and problem reports are reported, hidden with a public reason (a tombstone,
never deleted) and restored like draft comments."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import BudgetProject, BudgetRound, User
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
