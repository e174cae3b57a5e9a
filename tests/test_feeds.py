"""Atom feeds per draft, per agency and for all drafts; Open Graph metadata and plain share links."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import feedparser
from conftest import SAMPLE_MD

REVISED = SAMPLE_MD.replace("free of charge", "free of charge, every day")


def revise(app, slug: str) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft
    from app.services import revisions
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        revisions.revise_draft(draft, REVISED.encode(), fmt="md", note="Open every day", author=None)
        db.session.commit()


def parse(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feeds_parse_and_entries_keep_their_ids(app, client, make_draft):
    slug = make_draft()
    make_draft(title="Law on Museums", agency="Ministry of Tourism")
    make_draft(title="Secret law", published=False)
    first = parse(client, f"/drafts/{slug}/feed.atom")
    revise(app, slug)
    second = parse(client, f"/drafts/{slug}/feed.atom")
    assert [e.title for e in second.entries] == ["Law on Public Libraries: revision 2",
                                                 "Law on Public Libraries: revision 1"]
    assert first.entries[0].id == second.entries[1].id  # the same revision, the same id
    assert "Open every day" in second.entries[0].summary
    assert re.search(r"Chain hash \(SHA-256\): [0-9a-f]{64}", second.entries[0].content[0].value)
    assert second.entries[0].link == f"http://localhost/drafts/{slug}/revisions/2"

    everything = parse(client, "/feeds/drafts.atom")
    titles = [e.title for e in everything.entries]
    assert "Law on Museums: revision 1" in titles and not any("Secret" in t for t in titles)
    agency = parse(client, "/agencies/ministry-of-tourism/feed.atom")
    assert [e.title for e in agency.entries] == ["Law on Museums: revision 1"]


def test_pages_link_their_feeds(client, make_draft):
    slug = make_draft()
    page = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert f'type="application/atom+xml" title="Revisions of this draft (Atom feed)" href="/drafts/{slug}/feed.atom"' in page
    assert 'href="/agencies/ministry-of-culture/feed.atom"' in page
    assert 'href="/feeds/drafts.atom"' in client.get("/").get_data(as_text=True)


def test_unknown_and_unpublished_feeds_are_404(client, make_draft):
    secret = make_draft(title="Secret law", published=False)
    assert client.get(f"/drafts/{secret}/feed.atom").status_code == 404
    assert client.get("/drafts/nothing/feed.atom").status_code == 404
    assert client.get("/agencies/nothing/feed.atom").status_code == 404


def test_open_graph_and_share_links_without_scripts(client, make_draft):
    """A link pasted into a messenger previews with title, agency and deadline; share links are
    plain links; a clause's link opens that clause; nothing is loaded from another host."""
    slug = make_draft()
    page = client.get(f"/drafts/{slug}/clauses/chp_2__art_3").get_data(as_text=True)
    assert '<meta property="og:title" content="Article 3 · Law on Public Libraries">' in page
    assert f'<meta property="og:url" content="http://localhost/drafts/{slug}/clauses/chp_2__art_3">' in page
    assert re.search(r'<meta property="og:description" content="Ministry of Culture · Comments until [^"]+ · '
                     r'Everyone may read', page)
    telegram = re.search(r'href="(https://t\.me/share/url\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(telegram).query)["url"] == [f"http://localhost/drafts/{slug}/clauses/chp_2__art_3"]
    for host in ("https://www.facebook.com/sharer/sharer.php?u=", "https://wa.me/?text=", "mailto:?subject="):
        assert host in page
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)  # no script from another host
    assert "facebook.com/sharer/sharer.php" not in "".join(re.findall(r"<script.*?</script>", page, re.DOTALL))
    draft_page = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert '<meta property="og:title" content="Law on Public Libraries">' in draft_page
