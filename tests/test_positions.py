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
from app.models import Draft, Notification, Position, PositionSignature, User
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


def test_readers_report_a_position_and_a_moderator_hides_and_restores_it_never_deleting(app, client, make_user,
                                                                                       login_as, position):
    """Reports hide a position pending review; a moderator hides it with a public reason (its page
    and the list show a tombstone, nobody can sign it) and restores it; the row is never deleted."""
    slug, pid = position
    app.config["REPORT_THRESHOLD"] = 2
    page = login_as(app.test_client(), make_user()).get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert f'href="/report/position/{pid}"' in page
    readers = [make_user() for _ in range(2)]
    form = login_as(app.test_client(), readers[0]).get(f"/report/position/{pid}").get_data(as_text=True)
    assert "Report to the moderators" in form and "Our 2,000 members" in form
    for reader in readers:
        sent = login_as(app.test_client(), reader).post(f"/report/position/{pid}", data={"reason": "spam", "note": ""})
        assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/drafts/{slug}/positions/{pid}")
    page = client.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "Hidden pending review since" in page and "Our 2,000 members" not in page
    assert "Open on Sundays" not in client.get(f"/drafts/{slug}/positions").get_data(as_text=True)
    signer = make_user()
    refused = sign(app, login_as, signer, slug, pid)
    assert refused.status_code == 409 and "already hidden" in refused.get_data(as_text=True)

    mod = login_as(app.test_client(), make_user(role="moderator"))
    queue = mod.get("/moderation").get_data(as_text=True)
    assert f'id="position-{pid}"' in queue and "Spam or a mass campaign: 2" in queue and "Library Friends" in queue
    hidden = mod.post(f"/moderation/position/{pid}/hide", data={"reason": "spam", "explanation": "Copied from an advert."})
    assert hidden.status_code == 302
    page = client.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "Hidden by a moderator on" in page and "Copied from an advert." in page and "Our 2,000 members" not in page
    listing = client.get(f"/drafts/{slug}/positions").get_data(as_text=True)
    assert "Copied from an advert." in listing and "Open on Sundays" not in listing
    assert "Copied from an advert." in mod.get("/moderation").get_data(as_text=True)  # recently hidden: restorable
    with app.app_context():  # the author was told, with a link to the position
        author = db.session.get(Position, pid).author_id
        links = set(db.session.scalars(select(Notification.link).where(Notification.user_id == author)))
        assert links == {f"/drafts/{slug}/positions/{pid}"}

    assert mod.post(f"/moderation/position/{pid}/restore").status_code == 302
    page = client.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "Our 2,000 members" in page and "tombstone" not in page
    assert sign(app, login_as, signer, slug, pid).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Position)) == 1


def test_citizens_cannot_hide_positions_and_authors_can_dispute_theirs(app, client, make_user, login_as, position):
    slug, pid = position
    citizen = login_as(app.test_client(), make_user())
    assert citizen.post(f"/moderation/position/{pid}/hide", data={"reason": "spam", "explanation": "x"}).status_code == 403
    assert client.post(f"/report/position/{pid}", data={"reason": "spam"}).status_code in (302, 401)
    assert login_as(app.test_client(), make_user()).post(f"/report/position/{pid}",
                                                          data={"reason": "nonsense"}).status_code == 400
    assert login_as(app.test_client(), make_user()).get("/report/position/99999").status_code == 404
    with app.app_context():
        author = db.session.get(Position, pid).author_id
        assert db.session.get(Position, pid).hidden is False
    mine = login_as(app.test_client(), author)
    assert "This was not me" in mine.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert mine.post(f"/dispute/position/{pid}").status_code == 302
    page = client.get(f"/drafts/{slug}/positions/{pid}").get_data(as_text=True)
    assert "The account holder says they did not write this." in page


def test_visible_positions_are_open_data_with_signatory_counts_and_no_emails(app, client, make_user, login_as,
                                                                             position):
    """The API and the bulk export list each visible position with how many signed it; a hidden one,
    names of signatories and email addresses never appear."""
    import csv
    import io
    import json
    import zipfile
    slug, pid = position
    for _ in range(2):
        assert sign(app, login_as, make_user(), slug, pid, show=True).status_code == 302
    other = login_as(app.test_client(), make_user("member-address@example.org", name="Zarina"))
    other.post(f"/drafts/{slug}/positions/new", data={
        "respondent_type": "business", "organisation": "=Shop Owners", "title": "Close at noon", "body": "Short days."})
    with app.app_context():
        second = db.session.scalar(select(Position.id).where(Position.id != pid))
    answer = client.get(f"/api/v1/drafts/{slug}/positions")
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert [(i["id"], i["organisation"], i["signatories"]) for i in items] == [
        (pid, "Library Friends", 2), (second, "=Shop Owners", 0)]
    assert items[0]["url"].endswith(f"/drafts/{slug}/positions/{pid}") and items[0]["respondent_type"] == "ngo"
    assert "example.org" not in answer.get_data(as_text=True) and "Zarina" not in answer.get_data(as_text=True)
    assert client.get("/api/v1/drafts/no-such-draft/positions").status_code == 404
    assert f"/api/v1/drafts/{slug}/positions" in {e["path"].replace("{slug}", slug)
                                                   for e in client.get("/api/v1/").get_json()["endpoints"]}

    mod = login_as(app.test_client(), make_user(role="moderator"))
    assert mod.post(f"/moderation/position/{second}/hide", data={"reason": "spam", "explanation": "An advert."}
                    ).status_code == 302
    assert [i["id"] for i in client.get(f"/api/v1/drafts/{slug}/positions").get_json()["items"]] == [pid]

    data = client.get(f"/drafts/{slug}/export.zip").get_data()
    archive = zipfile.ZipFile(io.BytesIO(data))
    rows = json.loads(archive.read(f"{slug}/positions.json"))
    assert [(r["id"], r["title"], r["signatories"]) for r in rows] == [(pid, "Open on Sundays", 2)]
    table = list(csv.DictReader(io.StringIO(archive.read(f"{slug}/positions.csv").decode("utf-8-sig"))))
    assert table[0]["organisation"] == "Library Friends" and table[0]["signatories"] == "2"
    assert b"example.org" not in data and b"Close at noon" not in data
    manifest = json.loads(archive.read(f"{slug}/manifest.json"))
    assert {"positions.json", "positions.csv"} <= {f["name"] for f in manifest["files"]}
