"""The OpenAPI document is generated from the code, lists every /api/v1 route, and the API keeps to
it: schemathesis generates requests from the document and checks every answer (no server error,
status codes, content types and bodies as documented). Also ETags, 304s and compression."""
from __future__ import annotations

import gzip

import pytest
import schemathesis
from conftest import SAMPLE_MD
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as st_checks


@pytest.fixture
def seeded(app, make_draft, make_user):
    """A draft with two revisions, a comment with a reply and a decision, a proposal and a signed
    organisation position."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft, User
    from app.services import comments, decisions, positions, proposals, revisions
    slug = make_draft(slug="libraries")
    citizen, staff, member = make_user(), make_user(role="staff", agency="Ministry of Culture"), make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person, clerk = db.session.get(User, citizen), db.session.get(User, staff)
        comment = comments.add_comment(person, draft, body="Open on Sundays = please", clause_key="chp_2__art_3",
                                       stance="for")
        comments.add_comment(clerk, draft, body="Noted.", parent=comment)
        decisions.dispose_comment(clerk, comment, "accepted", "We add Sundays.")
        proposals.propose(person, draft, "chp_1__art_1", action="replace",
                                  proposed_text="This Law sets the rules for all libraries.", rationale="Wider.")
        position = positions.publish(db.session.get(User, member), draft, respondent_type="ngo", organisation="Library Friends",
                                     title="Open on Sundays", body="Our members ask for Sundays.")
        positions.sign(person, position, draft, show_name=False)
        revisions.revise_draft(draft, SAMPLE_MD.replace("free of charge", "free of charge, on Sundays too")
                               .encode(), fmt="md", note="Sundays", author=None)
        db.session.commit()
    return app


CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance]


def test_api_keeps_to_its_openapi_document(seeded):
    """Every operation, with requests generated from the document (path and query values both
    valid and odd); schemathesis' pytest plugin does not run under pytest 9, so each operation's
    Hypothesis strategy is run here directly."""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})  # no gzip over WSGI

        check()


def test_the_document_and_the_index_list_every_api_route(seeded):
    client = seeded.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    routes = {rule.rule for rule in seeded.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    documented = {path.replace("{number}", "<int:number>").replace("{slug}", "<slug>") for path in spec["paths"]}
    assert routes == documented
    assert spec["paths"]["/api/v1/drafts/{slug}/comments"]["get"]["summary"].startswith("Visible comments")
    assert spec["paths"]["/api/v1/drafts/{slug}/positions"]["get"]["summary"].startswith("Every visible organisation")
    index = client.get("/api/v1/").get_json()
    assert {e["path"] for e in index["endpoints"]} == set(spec["paths"])
    assert "300 requests a minute" in index["rate_limit"]


def test_etag_gives_304_and_changes_with_the_data(seeded, make_user):
    client = seeded.test_client()
    first = client.get("/api/v1/drafts/libraries/comments")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/api/v1/drafts/libraries/comments", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    from app.extensions import db
    from app.models import Draft, User
    from app.services import comments
    someone = make_user()
    with seeded.app_context():
        draft = db.session.scalar(db.select(Draft))
        comments.add_comment(db.session.get(User, someone), draft, body="Another thought.")
        db.session.commit()
    changed = client.get("/api/v1/drafts/libraries/comments", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_large_answers_are_gzipped_when_accepted(seeded):
    client = seeded.test_client()
    plain = client.get("/api/v1/drafts/libraries/revisions/1")
    zipped = client.get("/api/v1/drafts/libraries/revisions/1", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
