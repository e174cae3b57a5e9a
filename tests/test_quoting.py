"""The quoted words of comments are highlighted in the clause on its page, by the server (so without
JavaScript too); the optional script that fills the quote field from a selection is small and local."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from test_participation import citizen, first_clause  # noqa: F401 - fixture

from app.extensions import db
from app.models import Comment, User
from app.services import moderation
from drafts.anchor import Quote, spans

TEXT = "Everyone may read in a public library free of charge."


def test_overlapping_quotes_are_merged_and_a_lost_one_is_left_out():
    quotes = [(Quote("public library", "", "", 23), True), (Quote("library free", "", "", 30), True),
              (Quote("may read", "Everyone ", " in a", 0), False),  # another revision: found again
              (Quote("a closed archive", "", "", 0), False)]
    assert spans(TEXT, quotes) == [(9, 17), (23, 42)]


def _clause_text(html: str) -> str:
    return re.search(r'<div class="text clause" id="clause-text"[^>]*>(.*?)</div>', html, re.DOTALL).group(1)


def test_quoted_words_are_marked_in_the_clause_and_hidden_comments_mark_nothing(app, client, make_draft, citizen,  # noqa: F811
                                                                                  make_user):
    slug = make_draft()
    key, eid = first_clause(app, slug, "free of charge")
    for quote in ("free of charge", "public library"):
        assert client.post(f"/drafts/{slug}/comments", data={"body": "Why?", "clause_key": key,
                                                             "quote": quote}).status_code == 302
    text = _clause_text(client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True))
    assert text == "Everyone may read in a <mark>public library</mark> <mark>free of charge</mark>."
    moderator = make_user(role="moderator")
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.quote_exact == "free of charge"))
        moderation.hide(db.session.get(User, moderator), comment, reason="spam", explanation="x")
        db.session.commit()
    text = _clause_text(client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True))
    assert text == "Everyone may read in a <mark>public library</mark> free of charge."


def test_marking_escapes_the_clause_text(app, client, make_draft, citizen):  # noqa: F811
    slug = make_draft("# Law\n\n## Article 1. Tags\n\nThe tag <b>bold</b> & <script>x</script> stays text.\n")
    key, eid = first_clause(app, slug, "stays text")
    assert client.post(f"/drafts/{slug}/comments", data={"body": "Hm", "clause_key": key,
                                                         "quote": "<b>bold</b> &"}).status_code == 302
    text = _clause_text(client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True))
    assert "<mark>&lt;b&gt;bold&lt;/b&gt; &amp;</mark>" in text and "<script>" not in text


def test_the_quoting_script_is_small_local_and_only_an_addition(client, make_draft, app, citizen):  # noqa: F811
    script = Path(app.static_folder, "quote.js").read_text(encoding="utf-8")
    assert len(script.encode()) < 3000 and "http" not in script
    slug = make_draft()
    _key, eid = first_clause(app, slug, "free of charge")
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert '<script src="/static/quote.js" defer></script>' in page
    assert 'name="quote"' in page and 'id="quote-help" hidden' in page  # the field works without it
