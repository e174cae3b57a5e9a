"""No server error from any input: Hypothesis generates the path parts, query arguments and form
fields of every route of the URL map (odd numbers, Unicode digits, NUL bytes, huge and long values,
markup) and each answer must be below 500. EXAMPLES_PER_ROUTE x routes = the generated inputs
(over 10,000 requests); derandomised, so CI runs the same inputs every time."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from conftest import make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app, queries
from app.extensions import db
from app.models import Draft, User
from app.services import comments, proposals

EXAMPLES_PER_ROUTE = 150
NASTY = ["²", "١٢", "１２", "9" * 30, "-1", "0", "1.5e300", "Infinity", "NaN", "-0", "+5", "0x10", "1e3",
         "\x00", "a\x00b", "2026-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "2026-02-30", "", " ",
         "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "A" * 3000, "\u202eevil", "☃", "../..",
         ";=1+1", "＝1", "%", "%00", "tax OR (", "comment", "proposal", "all", "votes", "newest", "en", "uz"]
PARAMS = ["page", "per_page", "limit", "cursor", "updated_since", "q", "kind", "agency", "status", "lang", "draft",
          "from", "to", "sort", "revisions", "min_support", "reply", "clause", "next", "number", "back", "stance"]
FIELDS = ["body", "stance", "parent_id", "quote", "clause_key", "value", "action", "proposed_text", "rationale",
          "reason", "note", "outcome", "explanation", "ends_on", "proposal", "step", "closes", "email", "password",
          "display_name", "current_password", "new_password", "timezone", "title", "summary", "text", "lang",
          "organisation", "respondent_type", "show_name", "confirm"]

ROUTES = [(rule.rule, method) for rule in create_app(make_config("sqlite://", Path(tempfile.gettempdir())))
          .url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
          if rule.endpoint != "static"]


def value(real: list):
    return st.one_of(st.sampled_from(NASTY + real), st.text(max_size=40), st.integers(-2**70, 2**70).map(str))


def _build(url_rule, path: dict, real: list) -> str:
    """The address with the generated parts; a part its converter refuses (text for an int, a word
    outside an any()) is replaced by one it takes, since the router would never call the view."""
    values = dict(path)
    for name in values:
        for candidate in (values[name], real[3], "comment", "dismiss"):
            try:
                url_rule._converters[name].to_url(candidate)
                if url_rule._converters[name].regex and not re.fullmatch(
                        url_rule._converters[name].regex, str(candidate)):
                    continue
            except (ValueError, TypeError):
                continue
            values[name] = candidate
            break
    return url_rule.build(values, append_unknown=False)[1]


@pytest.fixture
def seeded(app, make_user, make_draft, login_as):
    slug = make_draft()
    author, admin = make_user(), make_user(role="admin")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = queries.current_revision(draft).clauses[1]
        user = db.session.get(User, author)
        comment = comments.add_comment(user, draft, body="Seed comment", clause_key=clause.key)
        proposal = proposals.propose(user, draft, clause.key, action="replace", proposed_text="x", rationale="y")
        db.session.commit()
        real = [slug, clause.eid, clause.key, str(comment.id), str(proposal.id), str(author), "1"]
    return login_as(app.test_client(), admin), real


@pytest.mark.parametrize("rule, method", ROUTES, ids=[f"{m} {r}" for r, m in ROUTES])
def test_generated_inputs_never_cause_a_server_error(app, seeded, rule, method):
    client, real = seeded
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    ran = []

    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(path=st.fixed_dictionaries({name: value(real) for name in url_rule.arguments}),
           query=st.dictionaries(st.sampled_from(PARAMS), value(real), max_size=4),
           form=st.dictionaries(st.sampled_from(FIELDS), value(real), max_size=5))
    def check(path, query, form):
        ran.append(1)
        url = _build(url_rule, path, real)
        response = client.open(url, method=method, query_string=query, data=form if method == "POST" else None)
        response.close()
        assert response.status_code < 500, (method, url, query, form, response.status_code)

    check()
    assert len(ran) >= EXAMPLES_PER_ROUTE // 2
