"""No server error from any input: the cases found against main, on SQLite and PostgreSQL.
(tests/test_generated_inputs.py throws generated input at every route as well.)"""
from __future__ import annotations

import base64
import json

import pytest

from app.services.exports import spreadsheet_safe

HUGE = "9" * 30  # beyond 64 bits


def cursor(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def comment_id(app, slug, make_user):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft, User
    from app.services import comments
    author = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        c = comments.add_comment(db.session.get(User, author), draft, body="A comment")
        db.session.commit()
        return c.id


@pytest.mark.both_backends
def test_odd_numbers_and_bytes_in_addresses_answer_4xx(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    cid = comment_id(app, slug, make_user)
    login_as(client, make_user(role="admin"))
    urls = [
        "/drafts?page=²", "/drafts?page=١", f"/drafts/{slug}/comments?page=²", "/search?q=law&page=²",
        "/search?q=law&per_page=²", "/api/v1/search?q=law&page=%C2%B2", f"/api/v1/drafts/{slug}/comments?limit=²",
        f"/api/v1/drafts/{slug}/comments?limit={HUGE}", f"/staff/drafts/{slug}/review?min_support=²",
        f"/staff/drafts/{slug}/review?min_support={HUGE}", f"/staff/drafts/{slug}/review?page={HUGE}",
        f"/drafts/{slug}/comments/{cid}?reply=²", f"/drafts/{slug}/comments/{cid}?reply={HUGE}",
        f"/drafts/{slug}/comments/{HUGE}", f"/drafts/{slug}/revisions/{HUGE}", f"/comments/{HUGE}/edit",
        f"/drafts/{slug}/proposals/{HUGE}", f"/api/v1/drafts/{slug}/revisions/{HUGE}", f"/staff/comments/{HUGE}",
        f"/drafts/{slug}/diff?from=²&to=1", f"/api/v1/drafts/{slug}/diff?from={HUGE}",
        f"/api/v1/drafts/{slug}/comments?cursor={cursor('2026-01-01T00:00:00+00:00', 1.5e300)}",
        f"/api/v1/drafts/{slug}/comments?cursor={cursor('2026-01-01T00:00:00+00:00', int(HUGE))}",
        f"/api/v1/drafts/{slug}/comments?cursor={cursor('2026-01-01T00:00:00', 1)}",
        f"/api/v1/drafts/{slug}/comments?cursor="
        + base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00", Infinity]').decode(),
        f"/api/v1/drafts/{slug}/comments?updated_since=2026-01-01T00:00:00",
        f"/api/v1/drafts/{slug}/comments?updated_since=9999-12-31T23:59:59-23:59",
        "/drafts/a%00b", f"/drafts/{slug}/clauses/a%00b", "/drafts?agency=%00", "/search?q=law&agency=%00",
        "/api/v1/search?q=x&draft=%00", "/api/v1/drafts/a%00", f"/drafts/{slug}?x%00=1",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        assert response.status_code in (200, 400, 404), (url, response.status_code)
    for data in ({"body": "x", "parent_id": "²"}, {"body": "x", "parent_id": HUGE}, {"body": "x", "parent_id": "1.5e300"},
                 {"body": "x", "parent_id": "Infinity"}, {"body": "a\x00b"}):
        response = client.post(f"/drafts/{slug}/comments", data=data)
        assert response.status_code in (302, 400, 403, 404), (data, response.status_code)
    assert client.post(f"/staff/drafts/{slug}/merge", data={"proposal": ["²"]}).status_code == 400


def test_a_million_character_query_is_not_echoed_into_every_link(client, make_draft):
    make_draft()
    response = client.get("/search", query_string={"q": "law " * 250_000})
    assert response.status_code == 200
    assert len(response.get_data()) < 200_000


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", ";=1+1", " ;=1", "＝1+1", "＋1", "; ＠x"])
def test_formula_cells_are_neutralised(cell):
    assert spreadsheet_safe(cell).startswith("'")


@pytest.mark.parametrize("cell", ["Hello", "1 = 1", "", "a;=b"])
def test_plain_cells_are_left_alone(cell):
    assert spreadsheet_safe(cell) == cell
