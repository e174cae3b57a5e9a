"""The authorisation matrix, generated from the URL map: every route and method against seven
people (anonymous, citizen A who wrote the comment and the proposal, citizen B, a moderator, staff
of another agency, staff of the draft's agency, an admin). Each endpoint needs a rule in RULES, so
a new route without one fails here."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import BudgetPhone, BudgetProject, Draft, User
from app.services import (
    attachments,
    budget,
    budget_photos,
    comments,
    imports,
    positions,
    proposals,
)

WHO = ("anonymous", "citizen_a", "citizen_b", "moderator", "other_staff", "staff", "admin")
ANYONE = set(WHO)
SIGNED_IN = ANYONE - {"anonymous"}
POLICIES = {
    "public": ANYONE,
    "login": SIGNED_IN,
    "owner": {"citizen_a"},  # the author of the comment or proposal the address names
    "staff_any": {"other_staff", "staff", "admin"},
    "staff_of_draft": {"staff", "admin"},
    "moderator": {"moderator", "admin"},
    "admin": {"admin"},
    "uploader": {"staff", "admin"},  # the staff member who uploaded the import (and admins)
    "phone_resident": {"citizen_a"},  # the one with the phone number a round requires confirmed
}
RULES = {
    "static": "public", "reading.home": "public", "reading.draft_list": "public", "reading.draft": "public",
    "reading.clause": "public", "reading.draft_comments": "public", "reading.comment": "public",
    "reading.similar": "public", "positions.position_list": "public", "positions.position": "public",
    "positions.new": "login", "positions.sign": "login",
    "reading.set_language": "public",
    "participation.post_comment": "login", "participation.vote": "login", "participation.edit_comment": "owner",
    "proposals.propose": "login", "proposals.proposal_list": "public", "proposals.proposal": "public",
    "proposals.comment": "login", "proposals.vote": "login", "proposals.withdraw": "owner",
    "staff.new_draft": "staff_any", "staff.deadline": "staff_of_draft", "staff.revise": "staff_of_draft",
    "staff.versions_page": "staff_of_draft",
    "review.queue": "staff_of_draft", "review.comment": "staff_of_draft", "review.answer": "staff_of_draft",
    "review.dispose": "staff_of_draft", "review.merge": "staff_of_draft", "review.decide": "staff_of_draft",
    "history.diff": "public", "history.register": "public", "history.register_csv": "public",
    "history.verify": "public", "history.follow": "login", "history.notification_list": "login",
    "history.mark_read": "login",
    "accounts.login": "public", "accounts.logout": "public", "accounts.register": "public",
    "accounts.confirm": "public", "accounts.resend": "public", "accounts.forgot": "public",
    "accounts.reset": "public", "accounts.settings": "login", "accounts.change_password": "login",
    "accounts.logout_elsewhere": "login", "privacy.download": "login", "privacy.delete": "login",
    "search.page": "public",
    "api.index": "public", "api.drafts": "public", "api.draft": "public", "api.revision": "public",
    "api.comments": "public", "api.proposals": "public", "api.dispositions": "public", "api.diff": "public",
    "api.search": "public", "api.positions": "public",
    "moderation.report": "login", "moderation.dispute": "owner", "moderation.queue": "moderator",
    "moderation.act": "moderator", "moderation.person": "moderator", "moderation.unblock": "moderator",
    "moderation.audit": "admin", "moderation.summary": "public",
    "alerts.settings": "login", "alerts.follow_clause": "login", "alerts.unfollow_clause": "login",
    "alerts.follow_agency": "login", "alerts.unsubscribe": "public", "alerts.receipt": "public",
    "api.openapi": "public", "feeds.all_drafts": "public", "feeds.agency": "public", "feeds.draft": "public",
    "feeds.export": "public", "report.draft_report": "public", "report.agency": "public",
    "staff.import_status": "uploader",
    "reading.contents": "public", "reading.goto": "public", "reading.notice": "public", "reading.short": "public",
    "site.favicon": "public", "site.robots": "public", "assisted.enter": "staff_any",
    # the initiative budget: the round belongs to the district whose staff are "staff"
    "budget.rounds": "public", "budget.round_page": "public", "budget.project": "public", "budget.photo": "public",
    "budget.receipt": "public", "budget.vote": "phone_resident", "budget.propose": "login",
    "budget.complaint": "login", "budget.add_update": "login", "budget.phone": "login", "budget.send_code": "login",
    "budget.confirm_code": "login", "api.budget_rounds": "public", "api.budget_round": "public",
    "budget_staff.new_round": "staff_any", "budget_staff.desk": "staff_of_draft", "budget_staff.phase": "staff_of_draft",
    "budget_staff.close": "staff_of_draft", "budget_staff.paper_project": "staff_of_draft",
    "budget_staff.vet": "staff_of_draft", "budget_staff.disqualify": "staff_of_draft",
    "budget_staff.implementation": "staff_of_draft", "budget_staff.resident": "staff_of_draft",
    "budget_staff.mahalla_residents": "staff_of_draft",
    "assisted.import_comments": "staff_of_draft",
    "attachments.download": "public",
}
#: routes that answer 404 to those who may not know the thing exists
HIDDEN_AS_404 = {"staff.import_status"}
#: routes whose <slug> names an agency, not a draft
AGENCY_SLUG = {"feeds.agency", "report.agency", "alerts.follow_agency"}
#: what a POST carries beyond nothing, where an empty form would stop every caller alike
FORM = {"budget.vote": lambda v: {"project_id": str(v["project_id"])}}


def _round_slug(endpoint: str) -> bool:
    """Routes whose <slug> names an initiative budget round."""
    return endpoint.startswith(("budget.", "budget_staff.")) or endpoint == "api.budget_round"


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(RULES))
    assert not missing, f"routes without an authorisation rule in tests/test_authorization_matrix.py: {missing}"
    assert not set(RULES) - endpoints, "rules for routes that are gone"


@pytest.fixture
def world(app, make_user, make_draft):
    slug = make_draft(agency="Ministry of Culture")
    make_draft(title="Law on Roads", agency="Ministry of Transport")
    people = {"citizen_a": make_user(name="Aziza"), "citizen_b": make_user(name="Bobur"),
              "moderator": make_user(role="moderator"), "other_staff": make_user(role="staff",
                                                                                agency="Ministry of Transport"),
              "staff": make_user(role="staff", agency="Ministry of Culture"), "admin": make_user(role="admin")}
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = queries.current_revision(draft).clauses[1]
        author = db.session.get(User, people["citizen_a"])
        comment = comments.add_comment(author, draft, body="A comment by A", clause_key=clause.key)
        proposal = proposals.propose(author, draft, clause.key, action="replace", proposed_text="New words.",
                                     rationale="Better.")
        [attachment] = attachments.attach(author, comment, [attachments.Upload("paper.pdf", "pdf", b"%PDF-1.4\n%%EOF")])
        position = positions.publish(author, draft, respondent_type="ngo", organisation="Water Users",
                                     title="A position", body="Our members agree.")
        job = imports.queue_import(b"# Law\n\n### Article 1. A\n\nText.", filename="law.md", fmt="md",
                                   title="Law", agency_name="Ministry of Culture", lang="en", summary="",
                                   opens_at=utcnow(), closes_at=utcnow() + timedelta(days=9),
                                   author=db.session.get(User, people["staff"]))
        db.session.commit()
        budget_values = _budget_world(people)
        values = {**budget_values, "slug": slug, "eid": clause.eid, "number": 1, "comment_id": comment.id,
                  "proposal_id": proposal.id, "token": "not-a-token", "code": "en", "filename": "site.css",
                  "kind": "comment", "item_id": comment.id, "user_id": people["citizen_b"], "action": "dismiss",
                  "key": clause.key, "agency_slug": draft.agency.slug, "job_id": job.id,
                  "draft_id": draft.id, "attachment_id": attachment.id, "position_id": position.id}
    return people, values


def _budget_world(people) -> dict:
    """A round of the draft agency's district (so "staff" run it and "other_staff" are staff of
    another district) open for voting with a phone number required, a project citizen A proposed
    with a photo, and citizen A's phone confirmed."""
    now = utcnow()
    citizen_a = db.session.get(User, people["citizen_a"])
    budget_round = budget.create_round(None, title="Initiative budget", district="Ministry of Culture",
                                       envelope=900_000_000, requires="phone", voting_opens=now - timedelta(days=1),
                                       voting_closes=now + timedelta(days=9))
    project = BudgetProject(round_id=budget_round.id, author_id=citizen_a.id, title="School roof", cost=400_000_000,
                            mahalla="Navroz", status="eligible", reason="Fits the rules.")
    db.session.add(project)
    db.session.add(BudgetPhone(user_id=citizen_a.id, number="+998901234567", confirmed_at=now))
    db.session.flush()
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(picture, "PNG")
    photo = budget_photos.add_photo(citizen_a, budget_round, project, picture.getvalue(), kind="proposal")
    db.session.commit()
    return {"round_slug": budget_round.slug, "project_id": project.id, "name": photo.filename}


def _cases(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_the_matrix(app, world, login_as):
    people, values = world
    failures, cells = [], 0
    for rule, method in _cases(app):
        given = {k: values[k] for k in rule.arguments}
        if rule.endpoint in AGENCY_SLUG:
            given["slug"] = values["agency_slug"]
        elif _round_slug(rule.endpoint):
            given["slug"] = values["round_slug"]
        url = rule.build(given, append_unknown=False)[1]
        allowed = POLICIES[RULES[rule.endpoint]]
        for who in WHO:
            client = app.test_client()
            if who != "anonymous":
                login_as(client, people[who])
            data = FORM.get(rule.endpoint, lambda v: {})(values) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            response.close()  # static files are streamed
            cells += 1
            status = response.status_code
            to_login = status == 302 and "/login" in response.headers.get("Location", "") \
                and rule.endpoint not in ("accounts.logout",)
            denied = status in (401, 403) or to_login or (status == 404 and rule.endpoint in HIDDEN_AS_404)
            if status >= 500:
                failures.append(f"{method} {rule.rule} as {who}: {status}")
            elif who in allowed and (denied or status == 404):
                failures.append(f"{method} {rule.rule} as {who}: refused ({status}) but the rule allows it")
            elif who not in allowed and not denied:
                failures.append(f"{method} {rule.rule} as {who}: {status} but the rule refuses it")
    assert not failures, "\n".join(failures)
    assert cells >= 7 * 60
