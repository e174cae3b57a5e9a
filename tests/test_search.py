"""Search as a reader meets it, on both engines: Whoosh over SQLite and PostgreSQL full text.

Every test here runs twice (the ``app`` fixture below is parametrized), so both backends are held
to the same behaviour."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from app import queries
from app.extensions import db
from app.models import Comment, Draft, User
from app.search import documents, get_backend
from app.search.analysis import parse_query
from app.services import comments, revisions

TAX_MD = """# Tax Code

### Article 12. Self-employed persons

A self-employed person pays tax on the income from their own work at the reduced rate.

### Article 13. Employers

Employers withhold the income tax of their employees every month.
"""

RU_MD = """# Налоговый кодекс

### Статья 5. Самозанятые граждане

Самозанятые граждане уплачивают налог на профессиональный доход.
"""

UZ_MD = """# Soliq kodeksi

### 12-modda. Tadbirkorlar

Qonunning maqsadi: tadbirkorlar soliq toʻlaydi.

### 13-modda. Yakun

Ushbu hujjat kuchga kiradi.
"""


@pytest.fixture(params=["whoosh", "postgresql"])
def app(request, app_factory):
    """The app on Whoosh+SQLite, then on PostgreSQL with the PostgreSQL engine."""
    if request.param == "whoosh":
        return app_factory("sqlite")
    app = app_factory("postgresql", SEARCH_BACKEND="postgresql")
    with app.app_context():
        db.session.execute(text("TRUNCATE search_document"))
        db.session.commit()
    return app


@pytest.fixture
def add_comment(app, make_user):
    """Comment as a new citizen: ``add_comment(slug, body, eid=None)`` -> comment id."""
    def add(slug: str, body: str, eid: str | None = None) -> int:
        user_id = make_user()
        with app.app_context():
            draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
            key = None
            if eid:
                key = next(c.key for c in queries.current_revision(draft).clauses if c.eid == eid)
            comment = comments.add_comment(db.session.get(User, user_id), draft, body=body, clause_key=key)
            db.session.commit()
            return comment.id
    return add


def find(client, q: str, **params) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def refs(result: dict, kind: str) -> list:
    """What identifies each hit of a kind: the clause eid, the comment id or the draft slug."""
    key = {"clause": "clause_eid", "comment": "comment_id", "draft": "draft"}[kind]
    return [hit[key] for hit in result["groups"].get(kind, [])]


def test_a_hit_links_to_its_draft_and_exact_clause_or_comment(client, make_draft, add_comment):
    slug = make_draft(TAX_MD, title="Tax Code", agency="Ministry of Finance")
    comment_id = add_comment(slug, "The self-employed rate is too low for freelancers.", eid="art_12")
    result = find(client, "self-employed")
    clause = result["groups"]["clause"][0]
    assert (clause["draft"], clause["clause_eid"]) == (slug, "art_12")
    assert clause["url"].endswith(f"/drafts/{slug}/clauses/art_12")
    assert "<mark>" in clause["snippet"]
    comment = result["groups"]["comment"][0]
    assert (comment["draft"], comment["comment_id"], comment["clause_eid"]) == (slug, comment_id, "art_12")
    assert comment["url"].endswith(f"/comments/{comment_id}#c{comment_id}")
    assert client.get(comment["url"].replace("http://localhost", "")).status_code == 200


def test_a_question_in_plain_words_finds_the_clause(client, make_draft):
    make_draft(TAX_MD, title="Tax Code")
    result = find(client, "what does the new tax code say about self-employed?")
    assert refs(result, "clause")[0] == "art_12"


def test_who_commented_on_an_article_finds_its_comments(client, make_draft, add_comment):
    slug = make_draft(TAX_MD, title="Tax Code")
    on_12 = add_comment(slug, "Freelancers will be worse off.", eid="art_12")
    add_comment(slug, "Monthly is too often.", eid="art_13")
    assert refs(find(client, "who commented on article 12?"), "comment") == [on_12]


@pytest.mark.parametrize("query, text_has", [
    ("taxes", "tax on the income"),                  # English plural -> singular
    ("employment", "Employers withhold"),             # English derivation via the stem "employ"
    ("самозанятых", "Самозанятые граждане уплачивают"),  # Russian case ending
    ("налогов", "налог на профессиональный"),
    ("Steuer", "Die Steuern für Selbständige"),       # German plural, in a German comment
    ("Häuser", "jedes Haus"),                         # German umlaut plural
])
def test_stemming_finds_other_forms_of_a_word(client, make_draft, add_comment, query, text_has):
    slug = make_draft(TAX_MD, title="Tax Code")
    make_draft(RU_MD, title="Налоговый кодекс", lang="ru")
    add_comment(slug, "Die Steuern für Selbständige sind zu hoch, und jedes Haus zahlt doppelt.")
    result = find(client, query)
    texts = [hit["snippet"].replace("<mark>", "").replace("</mark>", "")
             for hits in result["groups"].values() for hit in hits]
    assert any(text_has in t for t in texts), (query, texts)


@pytest.mark.parametrize("query", ["qonun", "qonunlar", "qonunning", "qonunlarning", "Qonuni"])
def test_uzbek_word_forms_meet(client, make_draft, query):
    make_draft(UZ_MD, title="Soliq kodeksi", lang="uz")
    assert refs(find(client, query), "clause") == ["art_12"]


@pytest.mark.parametrize("query, expected", [
    ("қонунлар", "art_12"),        # Cyrillic query, Latin text
    ("тадбиркорларга", "art_12"),
    ("soliqlar", "art_12"),
])
def test_uzbek_cyrillic_query_finds_latin_text(client, make_draft, query, expected):
    make_draft(UZ_MD, title="Soliq kodeksi", lang="uz")
    assert expected in refs(find(client, query), "clause")


def test_uzbek_latin_query_finds_cyrillic_comment(client, make_draft, add_comment):
    slug = make_draft(UZ_MD, title="Soliq kodeksi", lang="uz")
    comment_id = add_comment(slug, "Ушбу қонунлар тадбиркорлар учун оғир.")
    assert refs(find(client, "qonun"), "comment") == [comment_id]
    assert refs(find(client, "oʻgʻir"), "comment") == []  # different word, no false match
    assert refs(find(client, "og'ir"), "comment") == [comment_id]


def test_phrase_exclusion_and_prefix(client, make_draft):
    make_draft(TAX_MD, title="Tax Code")
    assert refs(find(client, '"income tax"'), "clause") == ["art_13"]
    assert refs(find(client, '"tax income"'), "clause") == []
    assert set(refs(find(client, "income"), "clause")) == {"art_12", "art_13"}
    assert refs(find(client, "income -withholding"), "clause") == ["art_12"]
    assert refs(find(client, 'income -"reduced rate"'), "clause") == ["art_13"]
    assert refs(find(client, "self-empl*"), "clause") == ["art_12"]
    assert refs(find(client, "withh*"), "clause") == ["art_13"]


def test_hidden_comments_are_absent_from_results_and_counts(client, make_draft, add_comment, app):
    slug = make_draft(TAX_MD, title="Tax Code")
    shown = add_comment(slug, "Freelancers pay enough already.")
    hidden = add_comment(slug, "Freelancers are cheats, all of them.")
    assert sorted(refs(find(client, "freelancers"), "comment")) == sorted([shown, hidden])
    with app.app_context():
        db.session.get(Comment, hidden).status = "hidden"  # as moderation will do it
        db.session.commit()
    result = find(client, "freelancers")
    assert refs(result, "comment") == [shown]
    assert result["counts"]["kind"]["comment"] == 1 and result["total"] == 1
    assert "all of them" not in client.get("/search?q=cheats").get_data(as_text=True)
    assert find(client, "cheats")["total"] == 0


def test_the_one_visibility_rule_holds_even_when_the_index_missed_a_change(client, make_draft, add_comment, app):
    """Hidden behind the outbox's back (a bulk UPDATE fires no flush event): the index still holds
    the comment, and the query itself applies the rule of app.queries, on either backend."""
    slug = make_draft(TAX_MD, title="Tax Code")
    shown = add_comment(slug, "Freelancers pay enough already.")
    hidden = add_comment(slug, "Freelancers are cheats, all of them.")
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == hidden).values(status="hidden"))
        db.session.commit()
    result = find(client, "freelancers")
    assert refs(result, "comment") == [shown]
    assert result["counts"]["kind"]["comment"] == 1 and result["total"] == 1


def test_unpublished_drafts_are_absent_from_results_and_counts(client, make_draft, add_comment):
    make_draft(TAX_MD, title="Tax Code", slug="public-tax")
    make_draft(TAX_MD.replace("Tax Code", "Secret Tax Code"), title="Secret Tax Code", slug="secret-tax",
               published=False)
    result = find(client, "self-employed")
    assert {hit["draft"] for hits in result["groups"].values() for hit in hits} == {"public-tax"}
    assert result["counts"]["draft"] == {"public-tax": result["total"]}
    assert find(client, "secret")["total"] == 0


def test_filters_and_facets(client, make_draft, add_comment):
    tax = make_draft(TAX_MD, title="Tax Code", agency="Ministry of Finance")
    old = make_draft(TAX_MD, title="Old Tax Code", agency="Tax Committee", is_open=False)
    make_draft(RU_MD, title="Налоговый кодекс", lang="ru", agency="Ministry of Finance")
    add_comment(tax, "Employers should pay the income tax themselves.")
    everything = find(client, "income")
    assert everything["counts"]["kind"] == {"draft": 0, "clause": 4, "comment": 1, "project": 0}
    assert everything["counts"]["status"]["closed"] == 2 and everything["counts"]["status"]["adopted"] == 0
    assert everything["counts"]["agency"] == {"ministry-of-finance": 3, "tax-committee": 2}
    assert {h["draft"] for h in find(client, "income", status="closed")["hits"]} == {old}
    assert find(client, "income", status="adopted")["total"] == 0  # accepted, though nothing is adopted yet
    assert find(client, "income", kind="comment")["total"] == 1
    assert {h["draft"] for h in find(client, "income", agency="tax-committee")["hits"]} == {old}
    assert {h["draft"] for h in find(client, "income", draft=tax)["hits"]} == {tax}
    assert find(client, "налог", lang="ru")["total"] >= 1 and find(client, "налог", lang="en")["total"] == 0
    assert find(client, "income", to="2000-01-01")["total"] == 0
    assert find(client, "income", **{"from": "2000-01-01"})["total"] == 5
    dated = find(client, "income", kind="clause", sort="date")["hits"]
    assert [h["date"] for h in dated] == sorted((h["date"] for h in dated), reverse=True)


def test_earlier_revisions_are_searched_only_when_asked(client, make_draft, app):
    slug = make_draft(TAX_MD, title="Tax Code")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        revisions.revise_draft(draft, TAX_MD.replace("reduced rate", "standard rate").encode(), fmt="md",
                              note="", author=None)
        db.session.commit()
    assert find(client, "reduced")["total"] == 0
    old = find(client, "reduced", revisions="all")["groups"]["clause"]
    assert [(h["clause_eid"], h["revision"]) for h in old] == [("art_12", 1)]
    assert old[0]["url"].endswith(f"/drafts/{slug}/revisions/1/clauses/art_12")
    assert [h["revision"] for h in find(client, "standard")["groups"]["clause"]] == [2]


def test_the_any_word_fallback_counts_only_documents_with_one_of_the_words(client, make_draft, add_comment):
    slug = make_draft(TAX_MD, title="Tax Code")
    match = add_comment(slug, "Freelancers will be worse off.")
    add_comment(slug, "Monthly is too often.")
    result = find(client, "the freelancers of the zeppelins")  # no document has both; "the" says nothing
    assert result["matched_any_word"] and refs(result, "comment") == [match]
    assert result["counts"]["kind"] == {"draft": 0, "clause": 0, "comment": 1, "project": 0} and result["total"] == 1


@pytest.mark.parametrize("app", ["whoosh"], indirect=True)
def test_whoosh_pages_keep_the_order_of_a_plain_whoosh_search(app, client, make_draft, add_comment):
    """The engine scores only the visible matches of one kind; ties and segments must not change
    the order whoosh itself gives (score, then document number)."""
    from app.search import EngineQuery, get_backend
    from app.search.analysis import parse_query
    from app.search.whoosh_backend import Q, _require
    slug = make_draft(TAX_MD, title="Tax Code")
    texts = ["Tax is fine.", "The tax on income is too high; tax it less.", "A comment on tax forms."]
    for i in range(15):
        add_comment(slug, texts[i % 3])  # repeated texts score the same
        if i % 4 == 0:
            find(client, "tax")  # applies the outbox now: the index gets several segments
    got = refs(find(client, "tax", kind="comment", per_page=50), "comment")
    with app.test_request_context():
        backend = get_backend()
        main, _ = backend._query(EngineQuery(parse_query("tax"), ["comment"], {}))
        hits = backend._searcher().search(_require(main, Q.Term("kind", "comment")), limit=50)
        assert len(backend._searcher().leaf_searchers()) > 1
        assert got == [int(hit["key"].partition(":")[2]) for hit in hits] and len(got) == 15


def test_search_page_groups_results_and_every_page_has_a_search_box(client, make_draft, add_comment):
    slug = make_draft(TAX_MD, title="Tax Code")
    add_comment(slug, "Self-employed people need a simpler form.")
    home = client.get("/").get_data(as_text=True)
    assert 'role="search"' in home and 'name="q"' in home and "<label" in home
    page = client.get("/search?q=self-employed").get_data(as_text=True)
    assert "Clauses (1)" in page and "Comments (1)" in page
    assert f'href="/drafts/{slug}/clauses/art_12"' in page and "<mark>" in page
    assert "kind=comment" in page  # facet links narrow the search without JavaScript


@pytest.mark.parametrize("query", [
    '"unbalanced quote',              # odd number of quotation marks
    'tax "',                          # a lone quote at the end
    "-",                              # a lone operator
    "- * + OR AND NOT",               # nothing but operators
    "-tax",                           # only an exclusion
    "*",                              # a bare wildcard
    "a*",                             # a one-letter prefix
    "tax " * 2500,                    # 10,000 characters
    "x" * 10000,                      # one 10,000-character word
    "tax\x00\x01\x1b[31m\u200b\ufeff code",  # control and zero-width characters
    "((tax)) AND [code] {x} ~2 ^3 :",  # other engines' syntax
    "'; DROP TABLE comment; --",      # SQL
    "<script>alert(1)</script>",      # HTML
    "the of and",                     # stop words only
    "🙂 ✓ №",                         # symbols
])
def test_malformed_queries_never_fail(client, make_draft, query):
    make_draft(TAX_MD, title="Tax Code")
    for url in ("/api/v1/search", "/search"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 200, (url, query)
    assert "<script>alert" not in client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert isinstance(find(client, query)["notices"], list)


def test_query_bytes_that_are_not_utf8_do_not_fail(client):
    for url in ("/search?q=%ED%A0%80%FF", "/api/v1/search?q=%ED%A0%80%FF"):
        assert client.get(url).status_code in (200, 400)


@pytest.mark.parametrize("params, message", [
    ({"q": "tax", "kind": "vote"}, "kind must be one of"),
    ({"q": "tax", "status": "draft"}, "status must be one of"),
    ({"q": "tax", "from": "yesterday"}, "from must be a date"),
    ({"q": "tax", "page": "-1"}, "page must be"),
    ({}, "Give a search in q"),
])
def test_bad_filters_get_a_helpful_400(client, params, message):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]


def test_every_hit_gets_its_own_snippet_in_its_own_language(app, client, make_draft, add_comment):
    """PostgreSQL makes the snippets of a page of hits in one query per language: each must still be
    its own hit's, in order, with the words marked as one at a time would."""
    slug = make_draft(TAX_MD, title="Tax Code", agency="Ministry of Finance")
    bodies = ["Tax for the self-employed should be lower.", "Налог для самозанятых: tax слишком высокий.",
              "Another remark on tax, about tax forms and tax offices."]
    ids = [add_comment(slug, body) for body in bodies]
    result = find(client, "tax")
    hits = {hit["comment_id"]: hit["snippet"] for hit in result["groups"]["comment"]}
    assert set(ids) <= set(hits)
    for comment_id, body in zip(ids, bodies, strict=True):
        assert hits[comment_id].replace("<mark>", "").replace("</mark>", "") == body
        assert "<mark>" in hits[comment_id]
    with app.test_request_context():
        backend = get_backend()
        shown = list(documents.KINDS["comment"].show(ids).values())
        parsed = parse_query("tax")
        assert backend.snippets(parsed, shown) == [backend.snippet(parsed, hit) for hit in shown]
