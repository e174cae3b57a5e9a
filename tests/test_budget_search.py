"""Initiative budget projects in the site search, on both engines (Whoosh over SQLite, PostgreSQL
full text): found by their words and their mahalla, linked to their page, and gone from results
and counts while a moderator has them hidden."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.clock import utcnow
from app.extensions import db
from app.models import BudgetProject, User
from app.services import budget, moderation


@pytest.fixture(params=["whoosh", "postgresql"])
def app(request, app_factory):
    if request.param == "whoosh":
        return app_factory("sqlite")
    app = app_factory("postgresql", SEARCH_BACKEND="postgresql")
    with app.app_context():
        db.session.execute(text("TRUNCATE search_document"))
        db.session.commit()
    return app


@pytest.fixture
def projects(app, make_user, login_as):
    """A round taking proposals, a resident's project and one entered from paper by staff."""
    with app.app_context():
        now = utcnow()
        slug = budget.create_round(None, title="Chilonzor 2027", district="Chilonzor", envelope=10**9,
                                   voting_opens=now + timedelta(days=30), voting_closes=now + timedelta(days=40)).slug
        db.session.commit()
    resident = login_as(app.test_client(), make_user())
    r = resident.post(f"/budget/{slug}/propose", data={
        "title": "Playground by the canal", "mahalla": "Qatortol", "cost": "90000000", "category": "sports",
        "description": "Swings and a sandpit for the children of the mahalla."})
    assert r.status_code == 302
    staff = login_as(app.test_client(), make_user(role="staff", agency="Chilonzor"))
    assert staff.post(f"/staff/budget/{slug}/projects", data={
        "title": "Drinking-water pipe", "mahalla": "Beshyogʻoch", "cost": "300000000", "category": "water",
        "description": "A new pipe along the main street."}).status_code == 302
    with app.app_context():
        ids = {p.title: p.id for p in db.session.query(BudgetProject)}
    return slug, ids


def find(client, q: str, **params) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_projects_are_found_by_their_words_and_mahalla_and_link_to_their_page(client, projects, make_draft):
    slug, ids = projects
    make_draft()  # a draft about libraries: not a project
    result = find(client, "sandpit")
    [hit] = result["groups"]["project"]
    assert hit["id"] == ids["Playground by the canal"] and hit["draft_title"] == "Chilonzor 2027"
    assert hit["url"].endswith(f"/budget/{slug}/projects/{hit['id']}")
    assert result["counts"]["kind"]["project"] == 1 and result["total"] == 1
    assert [h["id"] for h in find(client, "pipe")["groups"]["project"]] == [ids["Drinking-water pipe"]]
    assert [h["id"] for h in find(client, "Qatortol")["groups"]["project"]] == [ids["Playground by the canal"]]
    assert find(client, "pipe", kind="project")["total"] == 1
    assert find(client, "libraries", kind="project")["total"] == 0
    page = client.get("/search", query_string={"q": "swings"}).get_data(as_text=True)
    assert "Budget projects (1)" in page and f'href="/budget/{slug}/projects/{ids["Playground by the canal"]}"' in page


def test_a_hidden_project_leaves_results_and_counts_and_comes_back_when_restored(app, client, projects,
                                                                                 make_user):
    _slug, ids = projects
    pid = ids["Playground by the canal"]
    assert find(client, "sandpit")["total"] == 1
    moderator = make_user(role="moderator")
    with app.app_context():
        moderation.hide(db.session.get(User, moderator), db.session.get(BudgetProject, pid), reason="spam",
                        explanation="An advertisement.")
        db.session.commit()
    result = find(client, "sandpit")
    assert result["total"] == 0 and result["counts"]["kind"]["project"] == 0
    assert "Swings" not in client.get("/search?q=swings").get_data(as_text=True)
    with app.app_context():
        moderation.restore(db.session.get(User, moderator), db.session.get(BudgetProject, pid))
        db.session.commit()
    assert [h["id"] for h in find(client, "sandpit")["groups"]["project"]] == [pid]


def test_filters_that_name_drafts_leave_projects_out(client, projects, make_draft):
    draft = make_draft(title="Law on Public Libraries")
    assert find(client, "pipe", draft=draft)["total"] == 0
    assert find(client, "pipe", status="open")["total"] == 0
    assert client.get("/api/v1/search", query_string={"q": "pipe", "kind": "projects"}).status_code == 400
