"""Whoosh pages come from whoosh_rank's scores (and whoosh only for what they cannot settle): every
page must be the one whoosh gives when it ranks all the matches itself."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Draft, User
from app.search import get_backend, service
from app.services import comments

LAW_MD = """# Housing Code

### Article 1. Rent

The rent of a flat is agreed in writing between the tenant and the owner.

### Article 2. Tax on rent

An owner who lets a flat pays tax on the rent received, at the rate for income from property.

### Article 3. Repairs

The owner repairs the flat; the tenant reports damage in writing.
"""

TEXTS = [
    "The tax on rent is too high.",  # repeated: exact ties, in several index segments
    "Rent should be agreed in writing, and the tax on rent paid by the owner.",
    "Tenants pay for the owner's tax in the end.",
    "A tenant needs time to report damage; repairs take months.",
    "Налог на аренду слишком высокий.",
    "Die Steuer auf die Miete ist zu hoch.",
    "The owner of the flat should report the rent received in writing to the tax office.",
]

QUERIES = ["tax", "rent", "tax rent", "owner tax", "the tax", "tax -tenant", "writ*", '"tax on rent"',
           "what does the code say about the tax on rent for tenants?", "налог", "Article 2", "2"]


@pytest.fixture
def app(app_factory):
    return app_factory("sqlite")


def _pages(app, shortlists: bool) -> dict:
    pages = {}
    with app.test_request_context():
        backend = get_backend()
        backend.shortlists = shortlists
        try:
            for q in QUERIES:
                for variant in ({}, {"page": 2}, {"kind": "comment", "per_page": 5},
                                {"kind": "comment", "per_page": 5, "page": 3}, {"lang": "en"}):
                    result = service.search(service.Spec(q=q, draft="housing", **variant)
                                            if q in ("2",) else service.Spec(q=q, **variant))
                    pages[q, tuple(variant.items())] = (
                        {kind: [hit.shown.object_id for hit in hits] for kind, hits in result.groups.items()},
                        result.counts["kind"])
        finally:
            backend.shortlists = True
    return pages


def test_pages_from_the_shortlist_are_whooshs_own(app, make_draft, make_user):
    slug = make_draft(LAW_MD, title="Housing Code", slug="housing")
    user_ids = [make_user() for _ in range(6)]
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        for i in range(42):
            comments.add_comment(db.session.get(User, user_ids[i % 6]), draft, body=TEXTS[i % len(TEXTS)])
            db.session.commit()
            if i % 10 == 9:
                with app.test_request_context():
                    service.search(service.Spec(q="tax"))  # applies the outbox: another index segment
    with app.test_request_context():
        assert len(get_backend()._searcher().leaf_searchers()) > 1
    fast, whooshs = _pages(app, shortlists=True), _pages(app, shortlists=False)
    assert fast == whooshs
    tax = fast["tax", (("kind", "comment"), ("per_page", 5))][0]["comment"]
    assert len(tax) == 5 and len(set(tax)) == 5  # ties are there, and each comment is shown once
    assert sum(len(hits) for page, _ in fast.values() for hits in page.values()) > 150  # not empty pages
