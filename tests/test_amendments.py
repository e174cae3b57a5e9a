"""Proposals, staff decisions, the register, merging into a new revision, and what people are told."""
import csv
import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attribution,
    Comment,
    Draft,
    Notification,
    Proposal,
    ProposalVote,
    Revision,
)

LAW = """# Law on Public Libraries

## Article 1. Purpose

This Law sets the rules for public libraries in every district.

## Article 2. Opening hours

Every public library opens at least thirty hours a week, including Saturday mornings.

## Article 3. Free access

Everyone may read in a public library free of charge.
"""


@pytest.fixture
def world(app, make_draft, make_user, login_as):
    slug = make_draft(text=LAW, agency="Ministry of Culture")
    citizen = login_as(app.test_client(), make_user("citizen@example.org", name="Nodira"))
    other = login_as(app.test_client(), make_user("other@example.org", name="Bekzod"))
    staff = login_as(app.test_client(), make_user("staff@example.org", role="staff", agency="Ministry of Culture"))
    with app.app_context():
        from app import queries
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        eids = {c.text.split()[0]: (c.key, c.eid) for c in queries.revision_clauses(queries.current_revision(draft))
                if c.text}
    return {"slug": slug, "citizen": citizen, "other": other, "staff": staff,
            "hours": eids["Every"], "access": eids["Everyone"], "purpose": eids["This"]}


def propose(client, slug, eid, text, rationale="Because.", action="replace"):
    return client.post(f"/drafts/{slug}/clauses/{eid}/propose",
                       data={"action": action, "proposed_text": text, "rationale": rationale, "send": "1"})


def last_proposal_id(app):
    with app.app_context():
        return db.session.scalar(select(func.max(Proposal.id)))


def test_preview_shows_a_word_level_change_before_sending(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    r = world["citizen"].post(f"/drafts/{slug}/clauses/{eid}/propose", data={
        "action": "replace", "rationale": "Workers need evenings.",
        "proposed_text": "Every public library opens at least forty hours a week, including Saturday mornings."})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<del>thirty</del>" in html and "<ins>forty</ins>" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_propose_vote_decide_and_register(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    r = propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
                "including Saturday mornings.", "Workers need evenings.")
    assert r.status_code == 302
    pid = last_proposal_id(app)
    for client, value in [(world["other"], "1"), (world["other"], "-1"), (world["citizen"], "1")]:
        assert client.post(f"/drafts/{slug}/proposals/{pid}/vote", data={"value": value}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProposalVote)) == 2
    page = world["other"].get(f"/drafts/{slug}/proposals/{pid}").get_data(as_text=True)
    assert "1 for" in page and "1 against" in page and "<ins>forty</ins>" in page
    # a citizen cannot decide; staff can, with a public reason
    assert world["citizen"].post(f"/staff/proposals/{pid}/decide",
                                 data={"outcome": "accepted", "reason": "Mine!"}).status_code == 403
    assert world["staff"].post(f"/staff/proposals/{pid}/decide", data={"outcome": "accepted", "reason": ""}).status_code == 400
    r = world["staff"].post(f"/staff/proposals/{pid}/decide",
                            data={"outcome": "accepted", "reason": "Longer hours help workers."})
    assert r.status_code == 302
    page = world["other"].get(f"/drafts/{slug}/proposals/{pid}").get_data(as_text=True)
    assert "accepted" in page and "Longer hours help workers." in page
    register = world["other"].get(f"/drafts/{slug}/dispositions").get_data(as_text=True)
    assert "Longer hours help workers." in register
    api = world["other"].get(f"/api/v1/drafts/{slug}/proposals").get_json()["items"][0]
    assert api["status"] == "accepted" and api["votes"] == {"for": 1, "against": 1}
    with app.app_context():
        assert db.session.scalar(select(Notification.message).where(Notification.kind == "proposal.decided"))


def test_register_csv_escapes_formulas(app, world):
    slug, (key, _) = world["slug"], world["access"]
    world["citizen"].post(f"/drafts/{slug}/comments", data={"body": "=HYPERLINK(\"http://evil\")", "clause_key": key})
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
    assert world["staff"].post(f"/staff/comments/{cid}/dispose",
                               data={"outcome": "noted", "reason": "+1 we read it"}).status_code == 302
    r = world["other"].get(f"/drafts/{slug}/dispositions.csv")
    assert r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[1][5] == "'=HYPERLINK(\"http://evil\")" and rows[1][7] == "'+1 we read it"
    assert rows[1][6] == "noted"


def test_official_answer_is_shown_as_such_even_after_closing(app, world):
    slug, (key, eid) = world["slug"], world["access"]
    world["citizen"].post(f"/drafts/{slug}/comments", data={"body": "Question?", "clause_key": key})
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
        db.session.scalar(select(Draft)).closes_at = db.session.scalar(select(Draft)).opens_at
        db.session.commit()
    assert world["citizen"].post(f"/staff/comments/{cid}/answer", data={"body": "No."}).status_code == 403
    r = world["staff"].post(f"/staff/comments/{cid}/answer", data={"body": "Yes, from **2027**."})
    assert r.status_code == 302
    page = world["other"].get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert "Official answer" in page and "<strong>2027</strong>" in page


def accept(world, pid, outcome="accepted"):
    return world["staff"].post(f"/staff/proposals/{pid}/decide", data={"outcome": outcome, "reason": "Good."})


def test_merge_without_conflict_publishes_revision_with_provenance(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
            "including Saturday mornings.")
    pid = last_proposal_id(app)
    accept(world, pid)
    world["other"].post(f"/drafts/{slug}/comments", data={"body": "Hours matter", "clause_key": key})
    plan = world["staff"].post(f"/staff/drafts/{slug}/merge", data={"proposal": str(pid), "step": "plan"})
    assert "forty hours" in plan.get_data(as_text=True) and "Conflict" not in plan.get_data(as_text=True)
    r = world["staff"].post(f"/staff/drafts/{slug}/merge", data={
        "proposal": str(pid), "step": "publish", "note": "Longer opening hours.",
        f"text::{key}": "Every public library opens at least forty hours a week, including Saturday mornings."})
    assert r.status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert draft.current_revision_number == 2
        proposal = db.session.get(Proposal, pid)
        assert proposal.merged_revision_id is not None
        attribution = db.session.scalar(select(Attribution))
        assert attribution.proposal_id == pid and attribution.clause_key == key and not attribution.partly
        kinds = set(db.session.scalars(select(Notification.kind)))
        assert {"proposal.merged", "comment.clause_changed"} <= kinds
    assert "forty hours" in world["other"].get(f"/drafts/{slug}").get_data(as_text=True)
    # the comment made on revision 1 follows its clause and says what happened
    page = world["other"].get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert "Hours matter" in page and "changed as proposed" in page
    # a merged proposal cannot be decided or merged again
    assert accept(world, pid).status_code == 409
    assert world["staff"].post(f"/staff/drafts/{slug}/merge", data={"proposal": str(pid), "step": "plan"}).status_code == 409


def test_conflict_is_shown_and_nothing_is_merged_silently(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
            "including Saturday mornings.")
    first = last_proposal_id(app)
    propose(world["other"], slug, eid, "Every public library opens at least fifty hours a week, "
            "including Saturday mornings.")
    second = last_proposal_id(app)
    accept(world, first)
    accept(world, second, "partly_accepted")
    data = {"proposal": [str(first), str(second)]}
    plan = world["staff"].post(f"/staff/drafts/{slug}/merge", data={**data, "step": "plan"}).get_data(as_text=True)
    assert "Conflict" in plan and "forty hours" in plan and "fifty hours" in plan
    r = world["staff"].post(f"/staff/drafts/{slug}/merge", data={**data, "step": "publish", "note": "x"})
    assert r.status_code == 409 and "Resolve the conflict" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 1
    resolved = "Every public library opens at least forty-five hours a week, including Saturday mornings."
    r = world["staff"].post(f"/staff/drafts/{slug}/merge", data={**data, "step": "publish", "note": "Compromise.",
                                                                 f"text::{key}": resolved})
    assert r.status_code == 302
    with app.app_context():
        assert all(a.partly for a in db.session.scalars(select(Attribution)))
    assert "forty-five" in world["other"].get(f"/drafts/{slug}").get_data(as_text=True)


def test_proposal_on_an_older_revision_is_merged_three_way(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least thirty hours a week, "
            "including Saturday and Sunday mornings.")
    pid = last_proposal_id(app)
    # staff publish revision 2 that edits other words of the same clause
    text2 = LAW.replace("opens at least thirty hours", "opens at least thirty-five hours")
    with app.app_context():
        from app.services import revisions
        revisions.revise_draft(db.session.scalar(select(Draft)), text2.encode(), fmt="md", note="r2", author=None)
        db.session.commit()
    accept(world, pid)
    plan = world["staff"].post(f"/staff/drafts/{slug}/merge", data={"proposal": str(pid), "step": "plan"})
    html = plan.get_data(as_text=True)
    assert "Conflict" not in html
    assert "thirty-five hours a week, including Saturday and Sunday mornings." in html


def test_revision_that_changes_the_same_words_supersedes_open_proposals(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
            "including Saturday mornings.")
    pid = last_proposal_id(app)
    with app.app_context():
        from app.services import revisions
        revisions.revise_draft(db.session.scalar(select(Draft)),
                              LAW.replace("thirty hours", "twenty hours").encode(), fmt="md", note="r2", author=None)
        db.session.commit()
        proposal = db.session.get(Proposal, pid)
        assert proposal.status == "superseded" and "revision 2" in proposal.decision_reason
        assert db.session.scalar(select(Notification).where(Notification.kind == "proposal.superseded"))


def test_withdraw_only_by_the_author(app, world):
    slug, (key, eid) = world["slug"], world["access"]
    propose(world["citizen"], slug, eid, "", action="delete", rationale="Not needed.")
    pid = last_proposal_id(app)
    assert world["other"].post(f"/drafts/{slug}/proposals/{pid}/withdraw", data={}).status_code == 403
    assert world["citizen"].post(f"/drafts/{slug}/proposals/{pid}/withdraw", data={"reason": "Changed my mind"}).status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, pid).status == "withdrawn"
    assert world["citizen"].post(f"/drafts/{slug}/proposals/{pid}/vote", data={"value": "1"}).status_code == 403


@pytest.mark.parametrize("data, status", [
    ({"action": "replace", "proposed_text": "x", "rationale": "", "send": "1"}, 400),
    ({"action": "teleport", "proposed_text": "x", "rationale": "why", "send": "1"}, 400),
    ({"action": "replace", "proposed_text": "x" * 20001, "rationale": "why", "send": "1"}, 413),
    ({"action": "replace", "proposed_text": "", "rationale": "why", "send": "1"}, 400),
])
def test_bad_proposals_are_refused(app, world, data, status):
    slug, (key, eid) = world["slug"], world["hours"]
    assert world["citizen"].post(f"/drafts/{slug}/clauses/{eid}/propose", data=data).status_code == status
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_staff_of_another_agency_cannot_review_or_merge(app, world, make_user, login_as):
    slug = world["slug"]
    outsider = login_as(app.test_client(), make_user("outsider@example.org", role="staff", agency="Tax Committee"))
    assert outsider.get(f"/staff/drafts/{slug}/review").status_code == 403
    assert outsider.post(f"/staff/drafts/{slug}/merge", data={"step": "plan"}).status_code == 403
    assert world["citizen"].get(f"/staff/drafts/{slug}/merge").status_code == 403


def test_review_queue_sorts_by_support_and_filters(app, world):
    slug, (_, eid_h), (_, eid_a) = world["slug"], world["hours"], world["access"]
    propose(world["citizen"], slug, eid_h, "Every public library opens at least forty hours a week.")
    low = last_proposal_id(app)
    propose(world["citizen"], slug, eid_a, "Everyone may read and borrow in a public library free of charge.")
    high = last_proposal_id(app)
    world["other"].post(f"/drafts/{slug}/proposals/{high}/vote", data={"value": "1"})
    html = world["staff"].get(f"/staff/drafts/{slug}/review").get_data(as_text=True)
    assert html.index(f"#{high}</a>") < html.index(f"#{low}</a>")
    html = world["staff"].get(f"/staff/drafts/{slug}/review?min_support=1").get_data(as_text=True)
    assert f"#{high}</a>" in html and f"#{low}</a>" not in html
    assert world["staff"].get(f"/staff/drafts/{slug}/review?sort=bogus").status_code == 400


def test_staff_can_edit_a_clause_directly_in_the_merge_step(app, world):
    slug, (key, eid), (pkey, _) = world["slug"], world["hours"], world["purpose"]
    propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
            "including Saturday mornings.")
    pid = last_proposal_id(app)
    accept(world, pid)
    r = world["staff"].post(f"/staff/drafts/{slug}/merge", data={
        "proposal": str(pid), "step": "publish", "note": "Hours and purpose.", "edit_key": pkey,
        "edit_text": "This Law sets the rules for public and school libraries in every district."})
    assert r.status_code == 302
    html = world["other"].get(f"/drafts/{slug}").get_data(as_text=True)
    assert "forty hours" in html and "public and school libraries" in html
    with app.app_context():
        assert {a.clause_key for a in db.session.scalars(select(Attribution))} == {key}  # the edit is staff's own


def test_merge_page_names_clauses_by_label_and_shows_each_change_word_by_word(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
            "including Saturday mornings.")
    pid = last_proposal_id(app)
    accept(world, pid)
    for data in ({}, {"proposal": str(pid), "step": "plan"}):
        r = world["staff"].get(f"/staff/drafts/{slug}/merge") if not data else \
            world["staff"].post(f"/staff/drafts/{slug}/merge", data=data)
        html = r.get_data(as_text=True)
        assert f"#{pid} · Article 2" in html and f"· {key} ·" not in html
    assert "<del>thirty</del>" in html and "<ins>forty</ins>" in html
    assert "three-way" not in html  # written on the current text: nothing to warn about


def test_merge_page_says_when_a_proposal_is_combined_with_a_later_revision(app, world):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least thirty hours a week, "
            "including Saturday and Sunday mornings.")
    pid = last_proposal_id(app)
    with app.app_context():
        from app.services import revisions
        revisions.revise_draft(db.session.scalar(select(Draft)),
                               LAW.replace("at least thirty hours", "at least thirty-five hours").encode(),
                               fmt="md", note="r2", author=None)
        db.session.commit()
    accept(world, pid)
    html = world["staff"].post(f"/staff/drafts/{slug}/merge",
                               data={"proposal": str(pid), "step": "plan"}).get_data(as_text=True)
    assert f"Proposal #{pid} was written on revision 1" in html and "three-way merge" in html
    section = html.split(f"Proposal #{pid} was written on revision 1", 1)[1]
    # the three texts: where the proposal started, the current text, and the proposal
    assert "at least thirty hours a week, including Saturday mornings." in section
    assert "at least thirty-five hours a week, including Saturday mornings." in section
    assert "at least thirty hours a week, including Saturday and Sunday mornings." in section


def _merge(world, pid, key, text):
    return world["staff"].post(f"/staff/drafts/{world['slug']}/merge", data={
        "proposal": str(pid), "step": "publish", "note": "Merged.", f"text::{key}": text})


@pytest.mark.parametrize("published, outcome", [
    # staff add their own change to other words: the proposal's change is there in full
    ("Every public library opens at least forty hours a week, including Saturday and Sunday mornings.",
     "accepted"),
    # staff keep only part of the proposal's change
    ("Every public library opens at least thirty-five hours a week, including Saturday mornings.",
     "partly_accepted"),
])
def test_accepted_or_partly_accepted_reads_the_same_everywhere(app, world, published, outcome):
    slug, (key, eid) = world["slug"], world["hours"]
    propose(world["citizen"], slug, eid, "Every public library opens at least forty hours a week, "
            "including Saturday mornings.")
    pid = last_proposal_id(app)
    accept(world, pid)
    assert _merge(world, pid, key, published).status_code == 302
    partly = outcome == "partly_accepted"
    reader = world["other"]
    proposal_page = reader.get(f"/drafts/{slug}/proposals/{pid}").get_data(as_text=True)
    assert ('class="status partly_accepted"' in proposal_page) is partly
    assert ('class="status accepted"' in proposal_page) is not partly
    register = reader.get(f"/api/v1/drafts/{slug}/dispositions").get_json()["items"]
    assert [r["outcome"] for r in register if r["type"] == "proposal"] == [outcome]
    assert reader.get(f"/api/v1/drafts/{slug}/proposals").get_json()["items"][0]["status"] == outcome
    diff = reader.get(f"/api/v1/drafts/{slug}/diff?from=1&to=2").get_json()
    [origin] = [p for c in diff["changes"] for p in c["provenance"]]
    assert origin["id"] == pid and origin["partly"] is partly
    draft_page = reader.get(f"/drafts/{slug}").get_data(as_text=True)
    assert ("0 proposals accepted, 1 partly" in draft_page) is partly
    assert ("1 proposal accepted, 0 partly" in draft_page) is not partly


def test_register_csv_opens_in_spreadsheets_with_cyrillic(app, world):
    slug, (key, _) = world["slug"], world["access"]
    world["citizen"].post(f"/drafts/{slug}/comments", data={"body": "Библиотека должна работать дольше",
                                                            "clause_key": key})
    with app.app_context():
        cid = db.session.scalar(select(Comment.id))
    world["staff"].post(f"/staff/comments/{cid}/dispose", data={"outcome": "noted", "reason": "Учтено"})
    r = world["other"].get(f"/drafts/{slug}/dispositions.csv")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.data.startswith("\ufeff".encode()) and "Библиотека должна".encode() in r.data
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][0] == "type" and rows[1][5] == "Библиотека должна работать дольше"


def test_a_long_register_csv_is_streamed_and_reads_the_same_as_the_register(app, world, make_user):
    """200 decisions with long reasons (several chunks): sent as a stream, gzipped as one where the
    client takes it, and row for row the register, with the byte-order mark and formulas defused."""
    import gzip

    from app import queries
    from app.models import User
    from app.services import comments, decisions
    slug, (key, _) = world["slug"], world["access"]
    author, clerk = make_user(name="Nodira"), make_user(role="staff", agency="Ministry of Culture")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person, staff = db.session.get(User, author), db.session.get(User, clerk)
        for n in range(200):
            comment = comments.add_comment(person, draft, body=f"=SUM(A{n}) Библиотека №{n}", clause_key=key)
            decisions.dispose_comment(staff, comment, "noted", f"-{n} " + "Учтено, спасибо. " * 30)
        db.session.commit()
        expected = [["type", "id", "clause", "clause_key", "author", "input", "outcome", "reason", "decided_at"]] + [
            [r["type"], str(r["id"]), r["clause"], r["clause_key"], r["author"], "'" + r["input"], r["outcome"],
             "'" + r["reason"], r["decided_at"].isoformat()] for r in queries.register_rows(draft)]
    plain = world["other"].get(f"/drafts/{slug}/dispositions.csv", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.is_streamed and "Content-Encoding" not in plain.headers
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert plain.data.startswith("\ufeff".encode()) and len(plain.data) > 3 * 64 * 1024
    rows = list(csv.reader(io.StringIO(plain.data.decode("utf-8-sig"))))
    assert len(rows) == 201 and rows == expected
    packed = world["other"].get(f"/drafts/{slug}/dispositions.csv", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) // 5
