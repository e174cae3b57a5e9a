"""Exact phrases and look-alike characters, on both engines: a lawyer quotes the law's own words,
stop words and typographic apostrophes included."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app import queries
from app.extensions import db
from app.models import Draft, User
from app.services import comments

CODE_MD = """# Labour Code

## Chapter 1. General provisions

### Section 1. Scope

This chapter applies to persons engaged in work as a discrete service vendor who provides services
to the employer’s clients.

### Section 2. Self‐employed persons

A self‐employed person is not an employee of the employer's clients.

### § 2-502. Definitions.

- **(6)**
  - **(B)** The term rule does not include any statement for guiding traffic; provided, that:
    - **(i)** The contents of the statement are indicated to the public on signs;
    - **(ii)** The installation is based on engineering considerations.
"""

UZ_MD = """# Mehnat kodeksi

### 1-modda. Maqsad

Ushbu Kodeks Oʻzbekiston Respublikasida mehnat munosabatlarini tartibga soladi.
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


def labels(result: dict, kind: str = "clause") -> list[str]:
    return [hit["title"] for hit in result["groups"].get(kind, [])]


@pytest.mark.parametrize("query, label", [
    ('"engaged in work"', "Section 1"),                      # a stop word inside
    ('"service vendor who provides"', "Section 1"),
    ('"discrete service"', "Section 1"),
    ('"the employer’s clients"', "Section"),                 # starts with a stop word
    ('"services to the"', "Section 1"),                      # ends with one
    ('"engaged in\nwork"', "Section 1"),                     # a line break in the query
    ('“engaged in work”', "Section 1"),                      # typographic quotes are quotes
    ('"provided, that the contents of the statement"', "§ 2-502"),  # across "\n(i)"
])
def test_a_quoted_phrase_finds_the_clause_that_holds_it_word_for_word(client, make_draft, query, label):
    make_draft(CODE_MD, title="Labour Code")
    result = find(client, query)
    assert result["matched_any_word"] is False
    assert labels(result)[:1] and labels(result)[0].startswith(label), labels(result)


@pytest.mark.parametrize("query", ['"work engaged"', '"engaged work"', '"vendor service who"'])
def test_a_phrase_keeps_its_word_order_and_distances(client, make_draft, query):
    make_draft(CODE_MD, title="Labour Code")
    result = find(client, query)
    assert not [t for t in labels(result) if t.startswith("Section 1")] or result["matched_any_word"], labels(result)


@pytest.mark.parametrize("query", ["employer's clients", "employer’s clients", '"employer‘s clients"',
                                   "self-employed", "self‐employed", "self‑employed", "self–employed"])
def test_apostrophes_and_hyphens_are_one_character_each(client, make_draft, query):
    make_draft(CODE_MD, title="Labour Code")
    found = labels(find(client, query))
    if "self" in query:
        assert found == ["Section 2 Self‐employed persons"]
    else:
        assert sorted(found) == ["Section 1 Scope", "Section 2 Self‐employed persons"]


@pytest.mark.parametrize("query", ["Oʻzbekiston", "O'zbekiston", "O‘zbekiston", "O’zbekiston", "Ōzbekiston",
                                   "Ўзбекистон", '"oʻzbekiston respublikasida"'])
def test_every_spelling_of_uzbek_o_finds_the_same_clause(client, make_draft, query):
    make_draft(UZ_MD, title="Mehnat kodeksi", lang="uz")
    assert labels(find(client, query))[:1] == ["1-modda Maqsad"]


def test_a_comment_quoted_across_its_list_finds_the_comment(client, make_draft, make_user, app):
    slug = make_draft(CODE_MD, title="Labour Code")
    user_id = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        key = queries.current_revision(draft).clauses[1].key
        comment = comments.add_comment(db.session.get(User, user_id), draft, clause_key=key,
                                       body="Two changes are needed in the vendor rules:\n1. notice to the clients\n"
                                            "2. a written contract")
        db.session.commit()
        comment_id = comment.id
    result = find(client, '"notice to the clients a written contract"')
    assert [hit["comment_id"] for hit in result["groups"]["comment"]] == [comment_id]


def test_a_phrase_searched_again_finds_what_was_added_since_and_still_not_the_words_apart(client, make_draft,
                                                                                         make_user, app):
    """Whoosh remembers per index segment where it checked a phrase: a second search must still see
    a new comment that holds it, and never one that only holds its words."""
    slug = make_draft(CODE_MD, title="Labour Code")
    user_id = make_user()

    def comment(body: str) -> int:
        with app.app_context():
            draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
            made = comments.add_comment(db.session.get(User, user_id), draft, body=body).id
            db.session.commit()
        return made

    apart = comment("Work is what people are engaged with; discrete rules in work.")
    phrase = '"engaged in work"'
    first = find(client, phrase)
    assert apart not in [hit["comment_id"] for hit in first["groups"].get("comment", [])]
    holds = comment("Everyone engaged in work deserves a contract.")
    second = find(client, phrase)
    assert [hit["comment_id"] for hit in second["groups"]["comment"]] == [holds]
    assert find(client, phrase)["total"] == second["total"] == first["total"] + 1
