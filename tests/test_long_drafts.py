"""Long drafts: a table of contents, "go to article N" in the ways people write it, numbered pages."""
from __future__ import annotations

import re

import pytest

from drafts import refs


def long_law(chapters: int = 20, per_chapter: int = 10) -> str:
    parts = ["# Qonun\n"]
    n = 0
    for ch in range(1, chapters + 1):
        parts.append(f"## {ch}-bob. Bob {ch}\n")
        for _ in range(per_chapter):
            n += 1
            parts.append(f"### {n}-modda. Sarlavha {n}\n\nMatn {n}.\n")
    return "\n".join(parts)


@pytest.mark.parametrize("typed, expected", [
    ("45", (None, "45")), ("Article 45", ("article", "45")), ("45-modda", ("article", "45")),
    ("Статья 45", ("article", "45")), ("ст. 45", ("article", "45")), ("§ 2-1402.11", ("section", "2-1402.11")),
    ("3-bob", ("chapter", "3")), ("Chapter IV", ("chapter", "iv")), ("modda", None), ("", None)])
def test_references_are_read_as_people_write_them(typed, expected):
    assert refs.parse(typed) == expected


def test_a_chapter_and_an_article_with_one_number_are_told_apart():
    clauses = [{"kind": "chapter", "num": "3"}, {"kind": "article", "num": "3"}, {"kind": "section", "num": "2-1402.11"}]
    assert refs.find(clauses, "3")["kind"] == "article"
    assert refs.find(clauses, "3-bob")["kind"] == "chapter"
    assert refs.find(clauses, "§ 2-1402.11")["num"] == "2-1402.11"
    assert refs.find(clauses, "99") is None


@pytest.mark.parametrize("typed", ["145", "Article 145", "145-modda", "Статья 145", "modda 145"])
def test_go_to_opens_the_page_where_the_article_is(client, make_draft, typed):
    slug = make_draft(long_law(), lang="uz")
    response = client.get(f"/drafts/{slug}/goto", query_string={"to": typed})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.search(r"page=3#chp_15__art_145$", location), location
    page = client.get(location.split("#")[0]).get_data(as_text=True)
    assert 'id="chp_15__art_145"' in page


def test_go_to_something_missing_or_empty_says_so(client, make_draft):
    slug = make_draft(long_law(2, 2), lang="uz")
    client.set_cookie("lang", "ru")
    missing = client.get(f"/drafts/{slug}/goto", query_string={"to": "Статья 999"})
    assert missing.status_code == 404 and "Статья 999" in missing.get_data(as_text=True)
    assert client.get(f"/drafts/{slug}/goto", query_string={"to": "  "}).status_code == 400
    assert client.get(f"/drafts/{slug}/goto", query_string={"to": "x" * 5000}).status_code == 404
    assert client.get("/drafts/nope/goto?to=1").status_code == 404


def test_contents_lists_chapters_with_links_to_their_pages(client, make_draft):
    slug = make_draft(long_law(), lang="uz")
    html = client.get(f"/drafts/{slug}/contents").get_data(as_text=True)
    assert html.count("-bob") >= 20
    assert f'/drafts/{slug}?page=3#chp_15"' in html  # chapter 15 starts on page 3 (60 clauses a page)
    assert f'/drafts/{slug}#chp_1"' in html
    draft_page = client.get(f"/drafts/{slug}").get_data(as_text=True)
    assert f"/drafts/{slug}/contents" in draft_page and 'name="to"' in draft_page


def test_contents_of_a_draft_without_chapters_lists_its_articles(client, make_draft):
    text = "# Qonun\n\n" + "\n".join(f"### {n}-modda. Sarlavha\n\nMatn.\n" for n in range(1, 6))
    slug = make_draft(text, lang="uz")
    html = client.get(f"/drafts/{slug}/contents").get_data(as_text=True)
    assert html.count("-modda") >= 5


def test_the_pager_shows_page_numbers(client, make_draft):
    slug = make_draft(long_law(40, 10), lang="uz")  # 441 clauses: 8 pages
    html = client.get(f"/drafts/{slug}?page=5").get_data(as_text=True)
    pager = html[html.index('class="pager"'):]
    pager = pager[:pager.index("</nav>")]
    numbers = re.findall(r">(\d+)</a>", pager)
    assert numbers == ["1", "3", "4", "5", "6", "7", "8"]
    assert 'aria-current="page" aria-label="Page 5">5<' in pager or 'aria-current="page"' in pager
    assert "…" in pager and 'rel="prev"' in pager and 'rel="next"' in pager
