"""The diff page on a chapter inserted before others: the renumbered chapter reads "Renumbered",
its sections stay among the unchanged clauses (folded), and the totals count one renumbering."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Draft
from app.services import revisions
from tests.drafts.test_renumbered import CORPUS, ELSEWHERE, NEW, OLD


def revise(app, slug: str, text_md: str) -> None:
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        revisions.revise_draft(draft, text_md.encode(), fmt="md", note="Tunnels added.", author=None)
        db.session.commit()


def headings(html: str) -> dict[str, str]:
    """Clause title -> the kind shown before it, for every row the page shows."""
    found = re.findall(r'<h2><span class="kind">\s*(.*?)\s*</span>\s*(.*?)</h2>', html, re.DOTALL)
    return {title.strip(): kind.strip() for kind, title in found}


@pytest.mark.both_backends
def test_diff_page_shows_sections_of_a_renumbered_chapter_as_unchanged(app, client, make_draft):
    slug = make_draft(OLD, title="Law on Transport")
    revise(app, slug, NEW)
    html = client.get(f"/drafts/{slug}/diff?from=1&to=2&context=all").get_data(as_text=True)
    shown = headings(html)
    assert shown["Chapter 5a → Chapter 5b"] == "Renumbered"
    assert shown["Article 11"] == shown["Article 12"] == shown["Article 13"] == "Unchanged"
    assert shown["Chapter 5a"] == shown["Article 10a"] == "New"
    assert "1 moved or renumbered" in html
    folded = client.get(f"/drafts/{slug}/diff?from=1&to=2").get_data(as_text=True)
    assert "Article 11" not in headings(folded) and "Chapter 5a → Chapter 5b" in headings(folded)
    data = client.get(f"/api/v1/drafts/{slug}/diff?from=1&to=2").get_json()
    assert data["totals"]["moved"] == 1


def test_diff_page_calls_a_section_under_another_chapter_moved(app, client, make_draft):
    slug = make_draft(OLD, title="Law on Transport")
    revise(app, slug, ELSEWHERE)
    shown = headings(client.get(f"/drafts/{slug}/diff?from=1&to=2").get_data(as_text=True))
    assert shown["Article 12"] == "Moved"


@pytest.mark.skipif(CORPUS is None, reason="the shared corpus is not here")
def test_diff_page_on_a_real_act_with_a_title_inserted(app, client, make_draft):
    act = CORPUS / "us-bill-116-hr2157"
    slug = make_draft((act / "v1.md").read_text(encoding="utf-8"), title="H.R. 2157")
    revise(app, slug, (act / "v2.md").read_text(encoding="utf-8"))
    data = client.get(f"/api/v1/drafts/{slug}/diff?from=1&to=2").get_json()
    kinds = {ch["new"]: ch["kind"] for ch in data["changes"] if ch["new"]}
    assert kinds["title_vi"] == "moved" and kinds["title_vi__hcontainer_1"] == "unchanged"
    assert data["totals"]["moved"] < 40
    shown = headings(client.get(f"/drafts/{slug}/diff?from=1&to=2&context=all&page=1").get_data(as_text=True))
    assert shown.get("TITLE V → TITLE VI") == "Renumbered"
