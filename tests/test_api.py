"""The read-only JSON API: drafts, revisions with clauses, comments with cursors. Nothing private leaks."""
import pytest
from sqlalchemy import select

from app import queries
from app.extensions import db
from app.models import Comment, Draft, User
from app.services import comments


def seed_comments(app, slug, n, make_user):
    uid = make_user("writer@example.org", name="Writer")
    with app.app_context():
        user = db.session.get(User, uid)
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        key = queries.revision_clauses(queries.current_revision(draft))[0].key
        for i in range(n):
            comments.add_comment(user, draft, body=f"Comment {i}", clause_key=key if i % 2 else None,
                                 stance="for" if i % 3 == 0 else None)
        db.session.commit()


@pytest.mark.both_backends
def test_drafts_and_revision_clauses(app, client, make_draft):
    slug = make_draft()
    data = client.get("/api/v1/drafts").get_json()
    assert [d["slug"] for d in data["items"]] == [slug]
    one = client.get(f"/api/v1/drafts/{slug}").get_json()
    assert one["status"] == "open" and one["period"]["closes"].endswith("Z")
    assert [r["number"] for r in one["revisions"]] == [1] and len(one["revisions"][0]["chain_hash"]) == 64
    rev = client.get(f"/api/v1/drafts/{slug}/revisions/1").get_json()
    assert rev["number"] == 1
    assert {"key", "eid", "label", "heading", "text"} <= set(rev["clauses"][0])
    assert any("free of charge" in c["text"] for c in rev["clauses"])
    assert client.get(f"/api/v1/drafts/{slug}/revisions/9").status_code == 404


@pytest.mark.both_backends
def test_comments_page_through_with_a_cursor_and_never_show_emails(app, client, make_draft, make_user):
    slug = make_draft()
    seed_comments(app, slug, 7, make_user)
    seen, cursor = [], None
    while True:
        url = f"/api/v1/drafts/{slug}/comments?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).get_json()
        seen += [c["body"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Comment {i}" for i in range(7)]
    raw = client.get(f"/api/v1/drafts/{slug}/comments").get_data(as_text=True)
    assert "writer@example.org" not in raw and "Writer" in raw
    item = client.get(f"/api/v1/drafts/{slug}/comments").get_json()["items"][1]
    assert item["clause_key"] and item["clause_eid"] and item["revision"] == 1 and item["parent_id"] is None


def test_hidden_comments_are_never_exposed(app, client, make_draft, make_user):
    slug = make_draft()
    seed_comments(app, slug, 2, make_user)
    with app.app_context():
        db.session.scalar(select(Comment).where(Comment.body == "Comment 0")).status = "hidden"
        db.session.commit()
    bodies = [c["body"] for c in client.get(f"/api/v1/drafts/{slug}/comments").get_json()["items"]]
    assert bodies == ["Comment 1"]


def test_updated_since_returns_only_later_changes(app, client, make_draft, make_user):
    slug = make_draft()
    seed_comments(app, slug, 3, make_user)
    items = client.get(f"/api/v1/drafts/{slug}/comments").get_json()["items"]
    since = items[1]["updated_at"]
    later = client.get(f"/api/v1/drafts/{slug}/comments?updated_since={since}").get_json()["items"]
    assert [c["body"] for c in later] == ["Comment 2"]


@pytest.mark.parametrize("query", ["cursor=%%%", "cursor=bm9wZQ", "updated_since=yesterday", "limit=0",
                                   "limit=100000", "limit=abc", "cursor=" + "A" * 5000])
def test_bad_parameters_are_400_json(app, client, make_draft, query):
    slug = make_draft()
    r = client.get(f"/api/v1/drafts/{slug}/comments?{query}")
    assert r.status_code == 400 and r.is_json and r.get_json()["error"]["message"]


def test_unknown_api_paths_answer_json_404(client):
    r = client.get("/api/v1/drafts/missing")
    assert r.status_code == 404 and r.get_json()["error"]["status"] == 404
