"""Draft and clause pages rendered once and shared by every reader who would get the same page
(app/views/shared_pages.py): each reader must get exactly the page a fresh render would give them,
with their own name, vote and form tokens, and every change must show at once."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SAMPLE_MD
from sqlalchemy import select

from app import queries
from app.extensions import db
from app.models import Comment, Draft, User
from app.services import (
    accounts,
    comments,
    decisions,
    privacy,
    proposals,
    revisions,
    votes,
)

TOKENS = re.compile(r'(name="(?:csrf_token|idempotency_key|form_started)"[^>]*value=")[^"]*(")')


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, app_factory):
    """A shared-page app with CSRF on, a draft and readers in every state a clause page knows."""
    app = app_factory(request.param, SHARED_PAGE_SECONDS=300, WTF_CSRF_ENABLED=True, MIN_FILL_SECONDS=1)
    now = datetime.now(UTC)
    with app.app_context():
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Shared law", agency_name="Ministry",
                                      lang="en", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9),
                                      author=None)
        people = {name: accounts.create_user(email=f"{name}@example.org", password="long enough pw",
                                             display_name=f"Reader {name.title()}", confirmed=name != "unconfirmed")
                  for name in ("voter", "quiet", "other", "unconfirmed", "writer")}
        people["staff"] = accounts.create_user(email="staff@example.org", password="long enough pw",
                                               display_name="Staff Member", role="staff", agency_name="Ministry",
                                               confirmed=True)
        db.session.commit()
        clause = queries.revision_clauses(queries.current_revision(draft))[2]
        votes.vote_clause(people["voter"], draft, clause.key, 1)
        comments.add_comment(people["writer"], draft, body="My own words on this.", clause_key=clause.key)
        db.session.commit()
        site = {"app": app, "slug": draft.slug, "key": clause.key,
                "clause": f"/drafts/{draft.slug}/clauses/{clause.eid}", "draft": f"/drafts/{draft.slug}",
                "ids": {name: user.id for name, user in people.items()}}
    return site


def signed_in(app, name: str | None):
    client = app.test_client()
    if name:
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        response = client.post("/login", data={"email": f"{name}@example.org", "password": "long enough pw",
                                               "csrf_token": token})
        assert response.status_code == 302
        client.get("/")  # shows (and so removes) the welcome message
    return client


def fresh(app, client, path: str) -> str:
    app.config["SHARED_PAGE_SECONDS"] = 0
    try:
        return client.get(path).get_data(as_text=True)
    finally:
        app.config["SHARED_PAGE_SECONDS"] = 300


def same_page(a: str, b: str) -> bool:
    return TOKENS.sub(r"\1…\2", a) == TOKENS.sub(r"\1…\2", b)


def test_every_reader_gets_the_page_a_fresh_render_gives_them(site):
    app = site["app"]
    readers = {name: signed_in(app, name) for name in ("quiet", "other", "voter", "unconfirmed", "writer", "staff")}
    readers["anonymous"] = signed_in(app, None)
    for path in (site["draft"], site["clause"]):
        signed_in(app, "quiet").get(path)  # the first render fills the shared page
        for name, client in readers.items():
            shared = client.get(path).get_data(as_text=True)
            assert "\ue000" not in shared
            assert same_page(shared, fresh(app, client, path)), (name, path)
            if name not in ("anonymous",):
                display = "Staff Member" if name == "staff" else f"Reader {name.title()}"
                assert f'class="who" href="/account">{display}</a>' in shared
    # what differs between them is theirs alone
    page = readers["voter"].get(site["clause"]).get_data(as_text=True)
    assert "You voted for." in page and "Reader Quiet" not in page
    assert "You voted" not in readers["other"].get(site["clause"]).get_data(as_text=True)
    assert "Edit</a>" in readers["writer"].get(site["clause"]).get_data(as_text=True)
    assert "Edit</a>" not in readers["other"].get(site["clause"]).get_data(as_text=True)
    assert "Answer or decide" in readers["staff"].get(site["clause"]).get_data(as_text=True)
    assert "confirm your email" in readers["unconfirmed"].get(site["clause"]).get_data(as_text=True)


def test_forms_on_a_shared_page_carry_the_readers_own_tokens_and_work(site):
    app = site["app"]
    signed_in(app, "quiet").get(site["clause"])  # someone else's render is the shared page
    other = signed_in(app, "other")
    first, second = (other.get(site["clause"]).get_data(as_text=True) for _ in range(2))

    def field(html, name):
        return re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)
    assert field(first, "idempotency_key") != field(second, "idempotency_key")  # two comments stay two
    time.sleep(1.1)  # MIN_FILL_SECONDS
    response = other.post(f"/drafts/{site['slug']}/comments", data={
        "csrf_token": field(first, "csrf_token"), "idempotency_key": field(first, "idempotency_key"),
        "form_started": field(first, "form_started"), "website": "", "clause_key": site["key"],
        "body": "Written on a shared page.", "stance": "", "respondent_type": "citizen", "organisation": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        stored = db.session.scalar(select(Comment).where(Comment.body == "Written on a shared page."))
        assert stored.author_id == site["ids"]["other"]
    # a token from someone else's session is refused
    thief = signed_in(app, "quiet")
    response = thief.post(f"/drafts/{site['slug']}/comments", data={
        "csrf_token": field(second, "csrf_token"), "idempotency_key": field(second, "idempotency_key"),
        "form_started": field(second, "form_started"), "clause_key": site["key"], "body": "Not mine."})
    assert response.status_code == 400


def test_a_change_shows_at_once_to_anonymous_readers_and_members(site):
    app = site["app"]
    anonymous, member = signed_in(app, None), signed_in(app, "quiet")
    for client in (anonymous, member):
        assert "New words from the other reader." not in client.get(site["clause"]).get_data(as_text=True)
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        other = db.session.get(User, site["ids"]["other"])
        comments.add_comment(other, draft, body="New words from the other reader.", clause_key=site["key"])
        votes.vote_clause(other, draft, site["key"], -1)
        proposal = proposals.propose(other, draft, site["key"], action="replace", proposed_text="Better words.",
                                     rationale="Clearer for readers.")
        db.session.commit()
        proposal_id = proposal.id
    for client in (anonymous, member):
        page = client.get(site["clause"]).get_data(as_text=True)
        assert "New words from the other reader." in page and "1 against" in page
        assert f'proposal_id={proposal_id}' in page or f"/proposals/{proposal_id}" in page
        assert "2 comments" in client.get(site["draft"]).get_data(as_text=True)
    with app.app_context():
        votes.vote_proposal(db.session.get(User, site["ids"]["voter"]), db.session.get(type(proposal), proposal_id), 1)
        db.session.commit()
    assert '<span class="for">1 for</span> <span class="against">0 against</span></p>' in \
        member.get(site["clause"]).get_data(as_text=True)
    # a staff decision on a comment shows at once
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.body == "New words from the other reader."))
        decisions.dispose_comment(db.session.get(User, site["ids"]["staff"]), comment, "noted", "Thank you, noted.")
        db.session.commit()
    assert "Thank you, noted." in member.get(site["clause"]).get_data(as_text=True)
    # a new name beside one's comments, and a deleted account's, show at once too
    with app.app_context():
        accounts.set_profile(db.session.get(User, site["ids"]["writer"]), "Renamed Writer", None)
        db.session.commit()
    assert "Renamed Writer" in anonymous.get(site["clause"]).get_data(as_text=True)
    with app.app_context():
        privacy.delete_account(db.session.get(User, site["ids"]["writer"]), "long enough pw")
        db.session.commit()
    for client in (anonymous, member):
        page = client.get(site["clause"]).get_data(as_text=True)
        assert "Renamed Writer" not in page and "deleted participant" in page


def test_the_headers_unread_count_is_the_readers_own_and_current(site):
    """The count is read with the page's stamp, not kept with the page."""
    app = site["app"]
    quiet, other = signed_in(app, "quiet"), signed_in(app, "other")
    header = re.compile(r'href="/notifications">[^<]*?(?: \((\d+)\))?</a>')
    for path in (site["draft"], site["clause"]):
        other.get(path)  # the shared page is rendered for someone with no notifications
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        mine = comments.add_comment(db.session.get(User, site["ids"]["quiet"]), draft, body="Quiet words.",
                                    clause_key=site["key"])
        db.session.commit()
        for n in (1, 2):
            comments.add_comment(db.session.get(User, site["ids"]["other"]), draft, body=f"Answer {n}.", parent=mine)
        db.session.commit()
    for path in (site["draft"], site["clause"]):
        assert header.search(quiet.get(path).get_data(as_text=True)).group(1) == "2", path
        assert header.search(other.get(path).get_data(as_text=True)).group(1) is None, path
        assert header.search(signed_in(app, None).get(path).get_data(as_text=True)) is None, path
    page = quiet.get("/notifications").get_data(as_text=True)
    token = re.search(r'action="/notifications/read".*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S).group(1)
    assert quiet.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    for path in (site["draft"], site["clause"]):
        assert header.search(quiet.get(path).get_data(as_text=True)).group(1) is None, path


def test_comments_on_another_language_version_show_at_once(site):
    app = site["app"]
    member = signed_in(app, "quiet")
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        version = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Shared law (ru)", agency_name="Ministry",
                                        lang="ru", opens_at=draft.opens_at, closes_at=draft.closes_at, author=None,
                                        version_of=draft)
        db.session.commit()
        version_id = version.id
    before = member.get(site["clause"]).get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Draft, version_id)
        key = queries.revision_clauses(queries.current_revision(version))[2].key
        comments.add_comment(db.session.get(User, site["ids"]["other"]), version, body="Сказано на русском.",
                             clause_key=key)
        db.session.commit()
    assert "Сказано на русском." not in before
    assert "Сказано на русском." in member.get(site["clause"]).get_data(as_text=True)


def test_text_from_the_data_cannot_pass_for_a_hole(site):
    """Holes carry a secret of the process: a comment holding the same marks stays text."""
    app = site["app"]
    with app.app_context():
        other = db.session.get(User, site["ids"]["other"])
        comments.add_comment(other, db.session.scalar(select(Draft)), clause_key=site["key"],
                             body="Dear \ue000name\ue000 and \ue000csrf\ue000, \x1fname\x1f")
        db.session.commit()
    signed_in(app, "quiet").get(site["clause"])
    page = signed_in(app, "voter").get(site["clause"]).get_data(as_text=True)
    assert page.count("Reader Voter") == 1  # in the header only
