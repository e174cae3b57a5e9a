"""Anonymous public pages are micro-cached per process; logged-in readers always get fresh pages."""
from datetime import UTC

from conftest import SAMPLE_MD
from sqlalchemy import select

from app.extensions import db
from app.models import Draft
from app.services import accounts, revisions


def test_anonymous_pages_are_kept_briefly_and_members_see_fresh_ones(app_factory):
    """The home page is micro-cached for anonymous readers (the draft and clause pages are shared
    pages, kept under their data's stamp: tests/test_shared_pages.py)."""
    from datetime import datetime, timedelta
    app = app_factory(PAGE_CACHE_SECONDS=300)
    now = datetime.now(UTC)
    with app.app_context():
        revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Cached law", agency_name="A", lang="en",
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9), author=None)
        accounts.create_user(email="m@example.org", password="long enough pw", display_name="M", confirmed=True)
        db.session.commit()
    anonymous = app.test_client()
    first = anonymous.get("/").get_data(as_text=True)
    assert "Cached law" in first
    with app.app_context():
        db.session.scalar(select(Draft)).title = "Renamed law"
        db.session.commit()
    assert anonymous.get("/").get_data(as_text=True) == first  # served from the cache
    member = app.test_client()
    from conftest import login
    login(member, "m@example.org", "long enough pw")
    assert "Renamed law" in member.get("/").get_data(as_text=True)
    # another language or time zone is another page
    other = app.test_client()
    other.set_cookie("tz", "Europe/Moscow")
    assert "Renamed law" in other.get("/").get_data(as_text=True)
    # errors are never cached
    assert anonymous.get("/drafts/missing").status_code == 404
    assert anonymous.get("/drafts/missing").status_code == 404


def test_the_cache_holds_a_bounded_number_of_bytes(monkeypatch):
    """Odd query strings make distinct pages; the cache must not grow without bound."""
    from app import pagecache
    monkeypatch.setattr(pagecache, "_MAX_BYTES", 1000)
    monkeypatch.setattr(pagecache, "_entries", pagecache.OrderedDict())
    monkeypatch.setattr(pagecache, "_size", 0)
    for i in range(50):
        pagecache._store(("db", f"/drafts/x?junk={i}", "en", "UTC"), pagecache.Entry(1e12, b"x" * 300, "text/html", None, 300))
    assert pagecache._size <= 1000 and len(pagecache._entries) == 3
    assert ("db", "/drafts/x?junk=49", "en", "UTC") in pagecache._entries  # the newest stay
