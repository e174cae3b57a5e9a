"""A search that finds nothing says why, where that can be known, on both engines."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.extensions import db

EN_MD = """# Water Code

### Article 1. Wells

Every well is registered with the district water office.
"""


@pytest.fixture(params=["whoosh", "postgresql"])
def app(request, app_factory):
    if request.param == "whoosh":
        return app_factory("sqlite")
    app = app_factory("postgresql", SEARCH_BACKEND="postgresql")
    with app.app_context():
        db.session.execute(text("TRUNCATE search_document"))
        db.session.commit()
    return app


def find(client, q: str, **params) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_words_in_another_language_than_every_draft_are_named(client, make_draft):
    make_draft(EN_MD, title="Water Code")
    result = find(client, "колодец")
    assert result["total"] == 0
    assert result["notices"] == [("Your words look like Russian, but the published drafts are in: English. "
                                  "Try words in one of those languages.")]


def test_the_language_notice_is_translated(client, make_draft):
    make_draft(EN_MD, title="Water Code")
    response = client.get("/search", query_string={"q": "колодец"}, headers={"Accept-Language": "ru"})
    html = response.get_data(as_text=True)
    assert "Похоже, ваши слова написаны на языке «русский», а опубликованные проекты — на языках: английский." in html


def test_a_closed_draft_hidden_by_the_status_filter_is_said(client, make_draft):
    make_draft(EN_MD, title="Water Code", is_open=False)
    result = find(client, "well registered", status="open")
    assert result["total"] == 0
    assert any("closed draft" in n for n in result["notices"]), result["notices"]
    assert any("without them 1 result does" in n for n in result["notices"]), result["notices"]


@pytest.mark.parametrize("params", [{"lang": "ru"}, {"draft": "other"}, {"from": "2001-01-01", "to": "2001-12-31"}])
def test_filters_that_hide_every_match_are_said_with_the_count_without_them(client, make_draft, params):
    make_draft(EN_MD, title="Water Code")
    make_draft("# Other\n\n### Article 1. Roads\n\nRoads are paved.\n", title="Other", slug="other")
    result = find(client, "well", **params)
    assert result["total"] == 0
    assert result["notices"][-1] == "Nothing matches with the filters you chose; without them 1 result does."


def test_a_search_that_finds_something_has_no_such_notice(client, make_draft):
    make_draft(EN_MD, title="Water Code")
    result = find(client, "well")
    assert result["total"] and not any("filters" in n or "language" in n for n in result["notices"])


def test_words_found_nowhere_in_the_drafts_language_get_no_language_notice(client, make_draft):
    make_draft(EN_MD, title="Water Code")
    result = find(client, "bicycle")
    assert result["total"] == 0 and result["notices"] == []


def test_latin_words_and_only_cyrillic_drafts_say_the_alphabet(client, make_draft):
    make_draft("# Кодекс\n\n### Статья 1. Колодцы\n\nКаждый колодец регистрируется.\n", title="Кодекс", lang="ru")
    result = find(client, "bicycle")
    assert result["total"] == 0
    assert result["notices"] == [("Your words are in the Latin alphabet, but the published drafts are in: Russian. "
                                  "Try words in one of those languages.")]
