"""Organisation positions: an organisation publishes its position once and people sign on to it:
the page counts every signatory and names those who chose to be named; one sign-on per person,
held by the database; signing needs an account, and blocks and closed consultations hold."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.models import Draft, Position, PositionSignature, User
from app.services import moderation, positions


@pytest.fixture
def position(app, make_user, make_draft, login_as):
    slug = make_draft()
    author = make_user(name="Amina")
    client = login_as(app.test_client(), author)
    response = client.post(f"/drafts/{slug}/positions/new", data={
        "respondent_type": "ngo", "organisation": "Library Friends", "title": "Open on Sundays",
        "body": "Our 2,000 members ask that libraries open on Sundays."})
    assert response.status_code == 302
    with app.app_context():
        pid = db.session.scalar(select(Position.id))
    return slug, pid


def sign(app, login_as, user_id, slug, pid, show=False):
    data = {"show_name": "y"} if show else {}
    return login_as(app.test_client(), user_id).post(f"/drafts/{slug}/positions/{pid}/sign", data=data)


def test_people_sign_once_and_the_page_counts_them(app, client, make_user, login_as, position):
    slug, pid = position
    page = client.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "Library Friends" in page and "0 signatories" in page and "to sign this position" in page
    shown, hidden = make_user(name="Dilnoza"), make_user(name="Sergey")
    assert sign(app, login_as, shown, slug, pid, show=True).status_code == 302
    assert sign(app, login_as, hidden, slug, pid).status_code == 302
    again = sign(app, login_as, hidden, slug, pid, show=True)
    assert again.status_code == 409 and "already signed" in again.get_data(as_text=True)
    page = client.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "2 signatories" in page and "Dilnoza" in page and "Sergey" not in page
    assert "and 1 more who did not show their name" in page
    listing = client.get(f"/drafts/{slug}/positions").get_data(as_text=True)
    assert "Open on Sundays" in listing and "2 signatories" in listing
    assert f"/drafts/{slug}/positions" in client.get(f"/drafts/{slug}").get_data(as_text=True)
    mine = login_as(app.test_client(), shown).get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "You signed this position." in mine


def test_the_database_holds_one_sign_on_per_person(app, make_user, position):
    _slug, pid = position
    who = make_user()
    with app.app_context():
        db.session.add(PositionSignature(position_id=pid, user_id=who))
        db.session.commit()
        db.session.add(PositionSignature(position_id=pid, user_id=who))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(PositionSignature)) == 1


def test_signing_needs_an_account_a_confirmed_unblocked_person_and_an_open_consultation(
        app, client, make_user, login_as, position):
    slug, pid = position
    anonymous = client.post(f"/drafts/{slug}/positions/{pid}/sign", data={})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    unconfirmed = make_user(confirmed=False)
    assert sign(app, login_as, unconfirmed, slug, pid).status_code == 403
    blocked, moderator = make_user(), make_user(role="moderator")
    with app.app_context():
        moderation.block(db.session.get(User, moderator), db.session.get(User, blocked), reason="Abuse",
                         ends_at=utcnow() + timedelta(days=3))
        db.session.commit()
    refused = sign(app, login_as, blocked, slug, pid)
    assert refused.status_code == 403 and "blocked" in refused.get_data(as_text=True)
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        draft.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    late = sign(app, login_as, make_user(), slug, pid)
    assert late.status_code == 403 and "closed" in late.get_data(as_text=True)
    assert login_as(app.test_client(), make_user()).post(
        f"/drafts/{slug}/positions/new", data={"respondent_type": "ngo", "organisation": "X", "title": "T",
                                               "body": "B"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PositionSignature)) == 0


@pytest.mark.parametrize("data, field", [
    ({"respondent_type": "citizen", "organisation": "Me", "title": "T", "body": "B"}, "respondent_type"),
    ({"respondent_type": "ngo", "organisation": "", "title": "T", "body": "B"}, "organisation"),
    ({"respondent_type": "ngo", "organisation": "Org", "title": "", "body": "B"}, "title"),
    ({"respondent_type": "ngo", "organisation": "Org", "title": "T", "body": "x" * 5001}, "body"),
    ({"respondent_type": "../../etc", "organisation": "Org", "title": "T", "body": "B"}, "respondent_type"),
])
def test_a_bad_position_is_refused_with_a_message_and_nothing_stored(app, make_user, make_draft, login_as,
                                                                     data, field):
    slug = make_draft()
    response = login_as(app.test_client(), make_user()).post(f"/drafts/{slug}/positions/new", data=data)
    assert response.status_code in (400, 413)
    assert 'class="errors"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Position)) == 0


def test_positions_of_other_drafts_and_unknown_ids_are_not_found(app, client, make_draft, position):
    slug, pid = position
    other = make_draft(title="Law on Roads")
    assert client.get(f"/drafts/{other}/positions/{pid}").status_code == 404
    assert client.get(f"/drafts/{slug}/positions/999999").status_code == 404
    assert client.get(f"/drafts/{slug}/positions/99999999999999999999999").status_code == 404


def test_the_service_refuses_a_person_who_may_not_take_part(app, make_user, make_draft):
    slug = make_draft(is_open=False)
    who = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        with pytest.raises(positions.RuleError):
            positions.publish(db.session.get(User, who), draft, respondent_type="ngo", organisation="Org",
                              title="T", body="B")
