"""Reading needs no account: home, list, draft pages, revisions, permalinks."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Clause, Draft


def test_home_lists_open_consultations_closing_soon_first(app, client, make_draft):
    make_draft(title="Late law", slug="late")
    make_draft(title="Closed law", slug="closed", is_open=False)
    with app.app_context():
        soon = db.session.scalar(select(Draft).where(Draft.slug == "late"))
        soon.closes_at = datetime.now(UTC) + timedelta(days=40)
        db.session.commit()
    make_draft(title="Soon law", slug="soon")
    html = client.get("/").get_data(as_text=True)
    assert html.index("Soon law") < html.index("Late law")
    assert "Closed law" not in html


def test_draft_list_filters_by_status_and_agency(app, client, make_draft):
    make_draft(title="Open water law", slug="w", agency="Water Ministry")
    make_draft(title="Closed tax law", slug="t", agency="Tax Committee", is_open=False)
    assert "Closed tax law" not in client.get("/drafts?status=open").get_data(as_text=True)
    html = client.get("/drafts?status=closed").get_data(as_text=True)
    assert "Closed tax law" in html and "Open water law" not in html
    html = client.get("/drafts?agency=water-ministry").get_data(as_text=True)
    assert "Open water law" in html and "Closed tax law" not in html
    assert client.get("/drafts?status=bogus").status_code == 400


def test_draft_page_shows_clauses_in_order_with_permalinks(app, client, make_draft):
    slug = make_draft()
    html = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert html.index("sets the rules") < html.index("collection of books") < html.index("free of charge")
    with app.app_context():
        eids = db.session.scalars(select(Clause.eid).order_by(Clause.position)).all()
    for eid in eids:
        assert f'/drafts/{slug}/clauses/{eid}"' in html
        page = client.get(f"/drafts/{slug}/clauses/{eid}")
        assert page.status_code == 200 and eid in page.request.path


def test_clause_pages_paginate_long_drafts(app, client, make_draft):
    app.config["CLAUSES_PER_PAGE"] = 2
    text = "# Long law\n\n" + "\n\n".join(f"## Article {i}. Rule {i}\n\nText of rule number {i}." for i in range(1, 8))
    slug = make_draft(text=text)
    first = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert "rule number 1." in first and "rule number 3." not in first and "Page 1 of" in first
    assert "rule number 7." in client.get(f"/drafts/{slug}?page=4").get_data(as_text=True)
    assert client.get(f"/drafts/{slug}?page=99").status_code == 404
    assert client.get(f"/drafts/{slug}?page=abc").status_code == 400


def test_unpublished_drafts_are_invisible_to_the_public(app, client, make_draft, make_user, login_as):
    slug = make_draft(published=False, agency="Secret Agency")
    assert client.get(f"/drafts/{slug}").status_code == 404
    assert slug not in client.get("/drafts").get_data(as_text=True)
    assert client.get(f"/api/v1/drafts/{slug}").status_code == 404
    staff = login_as(app.test_client(), make_user(role="staff", agency="Secret Agency"))
    assert staff.get(f"/drafts/{slug}").status_code == 200
    other = login_as(app.test_client(), make_user(role="staff", agency="Other Agency"))
    assert other.get(f"/drafts/{slug}").status_code == 404


@pytest.mark.parametrize("path", ["/drafts/nope", "/drafts/nope/revisions/1", "/drafts/nope/clauses/art_1",
                                  "/drafts/nope/comments/1"])
def test_missing_things_are_404_with_a_message(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "Nothing was found" in r.get_data(as_text=True)


def test_dates_are_shown_in_the_readers_time_zone(app, client, make_draft):
    slug = make_draft()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        draft.closes_at = datetime(2030, 1, 1, 20, 30, tzinfo=UTC)
        db.session.commit()
    tashkent = client.get(f"/drafts/{slug}").get_data(as_text=True)  # default zone: UTC+5
    assert "Jan 2, 2030, 1:30" in tashkent
    client.set_cookie("tz", "America/New_York")
    assert "Jan 1, 2030, 3:30" in client.get(f"/drafts/{slug}").get_data(as_text=True)
    client.set_cookie("tz", "Not/AZone")
    assert "Jan 2, 2030, 1:30" in client.get(f"/drafts/{slug}").get_data(as_text=True)


def test_language_switch_sets_a_cookie_and_never_redirects_off_site(client):
    r = client.get("/lang/ru?next=/drafts")
    assert r.status_code == 302 and r.headers["Location"] == "/drafts" and "lang=ru" in r.headers["Set-Cookie"]
    assert client.get("/lang/ru?next=//evil.example").headers["Location"] == "/"
    assert client.get("/lang/xx").status_code == 404


def _shown_counts(html: str, eid: str) -> str:
    section = html[html.index(f'id="{eid}"'):]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[:section.index("</section>")]))


@pytest.mark.both_backends
def test_draft_page_counts_are_never_stale_in_another_worker(app, client, make_draft, make_user, login_as,
                                                            tmp_path):
    """The draft page keeps a revision's clause HTML and the counts per process; a second app on the
    same database stands for another gunicorn worker, warmed before each change, and must show every
    new comment, vote, changed or withdrawn vote, and hidden comment on its next request."""
    from conftest import make_config

    from app import create_app
    from app.models import Comment, utcnow
    slug = make_draft(text="# Law\n\n## Article 1. Rule\n\nText of rule one.\n\n## Article 2. Other\n\nText of rule two.")
    with app.app_context():
        eid = db.session.scalar(select(Clause.eid).where(Clause.text.contains("rule one")))
        key = db.session.scalar(select(Clause.key).where(Clause.eid == eid))
    other = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))  # "the other worker"
    reader = other.test_client()
    login_as(client, make_user())

    def shown() -> str:
        return _shown_counts(reader.get(f"/drafts/{slug}").get_data(as_text=True), eid)

    assert "0 comments 0 for 0 against" in shown()
    assert client.post(f"/drafts/{slug}/comments", data={"body": "Fine.", "clause_key": key}).status_code == 302
    assert "1 comment 0 for 0 against" in shown()
    assert "1 comment" in reader.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "1"})
    assert "1 comment 1 for 0 against" in shown()
    client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "-1"})
    assert "1 comment 0 for 1 against" in shown()
    client.post(f"/drafts/{slug}/clauses/{eid}/vote", data={"value": "0"})
    assert "1 comment 0 for 0 against" in shown()
    with app.app_context():  # moderation (no service yet) hides a comment and marks it changed
        comment = db.session.scalar(select(Comment))
        comment.status, comment.updated_at = "hidden", utcnow()
        db.session.commit()
    assert "0 comments 0 for 0 against" in shown()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_draft_page_counts_follow_the_readers_language(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    login_as(client, make_user())
    with app.app_context():
        key = db.session.scalar(select(Clause.key).where(Clause.text.contains("free of charge")))
    client.post(f"/drafts/{slug}/comments", data={"body": "Yes.", "clause_key": key})
    english = client.get(f"/drafts/{slug}").get_data(as_text=True)
    client.set_cookie("lang", "ru")
    russian = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert "1 comment" in english and english.count('class="clause"') == russian.count('class="clause"')
    from flask_babel import force_locale, ngettext
    with app.test_request_context(), force_locale("ru"):
        expected = ngettext("%(num)d comment", "%(num)d comments", 1)
    assert expected in russian
