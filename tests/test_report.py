"""The consultation report (SVG charts with text alternatives, heat map, decisions, answer times)
and an agency's page with how quickly it answers."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select, update


def test_report_renders_for_the_sample_consultation(app, client):
    from app import demo
    from app.extensions import db
    with app.app_context():
        slug = demo.load()
        db.session.commit()
    page = client.get(f"/drafts/{slug}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", html, re.DOTALL)
    assert len(svgs) == 3  # participation, stance, who took part
    for svg in svgs:  # well-formed, labelled, with a text alternative
        root = etree.fromstring(svg.encode())
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find("{http://www.w3.org/2000/svg}desc").text
    assert "Participation per day" in html and "<table>" in html
    assert 'class="heat"' in html and "Consultation report" in html
    assert "<script" not in html.split("<footer")[0]


@pytest.mark.both_backends
def test_answer_times_per_draft_and_per_agency(app, client, make_draft, make_user):
    from app.extensions import db
    from app.models import Comment, Draft, User
    from app.services import comments, decisions
    slug = make_draft()
    citizen, staff = make_user(), make_user(role="staff", agency="Ministry of Culture")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person, clerk = db.session.get(User, citizen), db.session.get(User, staff)
        quick = comments.add_comment(person, draft, body="Quick one", clause_key="chp_1__art_1", stance="for")
        slow = comments.add_comment(person, draft, body="Slow one", clause_key="chp_2__art_3", stance="against")
        middle = comments.add_comment(person, draft, body="Middle one", clause_key="chp_2__art_3")
        comments.add_comment(person, draft, body="Never answered", clause_key="chp_2__art_3")
        answers = [(decisions.official_answer(clerk, asked, "Answered."), asked, wait)
                   for asked, wait in ((quick, timedelta(hours=1)), (middle, timedelta(hours=2)),
                                       (slow, timedelta(days=3)))]
        db.session.flush()
        for answer, asked, wait in answers:
            db.session.execute(update(Comment).where(Comment.id == answer.id).values(
                created_at=asked.created_at + wait))
        db.session.commit()
    html = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "3 comments answered officially; 1 without an answer." in html
    assert "Median wait for an answer: 2 hours; longest: 3 days." in html
    assert "for 1 (25%)" in html and "against 1 (25%)" in html
    agency = client.get("/agencies/ministry-of-culture").get_data(as_text=True)
    assert "3 comments answered officially; 1 without an answer." in agency
    assert "Median wait for an answer: 2 hours; longest: 3 days." in agency
    assert re.search(r"<td>3</td><td>1</td><td>2 hours</td><td>3 days</td>", agency)  # the draft's own row


def test_report_and_agency_bad_addresses(client, make_draft):
    secret = make_draft(title="Secret", published=False)
    assert client.get(f"/drafts/{secret}/report").status_code == 404
    assert client.get("/drafts/nothing/report").status_code == 404
    assert client.get("/agencies/nothing").status_code == 404


def test_receipt_numbers_find_comments_and_proposals_again(app, client, make_draft, make_user, login_as):
    from app.services import receipts
    slug = make_draft()
    login_as(client, make_user())
    posted = client.post(f"/drafts/{slug}/comments", data={"body": "Keep libraries open late.",
                                                           "clause_key": "chp_2__art_3"}, follow_redirects=True)
    html = posted.get_data(as_text=True)
    number = receipts.number("comment", 1)
    assert number == "C000001-8" and f"Its receipt number is {number}." in html
    assert f'<span class="receipt" title="Receipt number">{number}</span>' in html
    found = client.get("/receipts", query_string={"number": "c 000001 8"})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/drafts/{slug}/comments/1#c1")
    assert client.get("/receipts", query_string={"number": "C000001-7"}).status_code == 400  # a typo
    assert client.get("/receipts", query_string={"number": "C000099-" + str(receipts._check_digit("000099"))}) \
        .status_code == 404
    assert client.get("/receipts", query_string={"number": "x" * 5000}).status_code == 400
    assert receipts.parse(receipts.number("proposal", 45)) == ("proposal", 45)


def test_respondent_types_are_recorded_shown_filtered_and_counted(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    login_as(client, make_user())
    post = client.post(f"/drafts/{slug}/comments", data={
        "body": "Our members read there.", "clause_key": "chp_2__art_3", "respondent_type": "ngo",
        "organisation": "Readers' Union"}, follow_redirects=True)
    assert post.status_code == 200 and "(Readers&#39; Union)" in post.get_data(as_text=True)
    client.post(f"/drafts/{slug}/comments", data={"body": "Me too.", "clause_key": "chp_2__art_3"})
    unnamed = client.post(f"/drafts/{slug}/comments", data={"body": "Who am I?", "respondent_type": "business"})
    assert unnamed.status_code == 400 and "name the organisation" in unnamed.get_data(as_text=True)
    assert client.post(f"/drafts/{slug}/comments", data={"body": "x", "respondent_type": "alien"}).status_code == 400
    ngo = client.get(f"/api/v1/drafts/{slug}/comments", query_string={"respondent_type": "ngo"}).get_json()
    assert [(c["respondent_type"], c["organisation"]) for c in ngo["items"]] == [("ngo", "Readers' Union")]
    assert client.get(f"/api/v1/drafts/{slug}/comments?respondent_type=alien").status_code == 400
    report = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "citizens: 1 · NGOs: 1 · businesses: 0" in report


def test_html_lists_filter_by_respondent_type_and_count_each(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    login_as(client, make_user())
    for body, kind, name in (("For our readers.", "ngo", "Readers' Union"), ("As a shop.", "business", "Kitob LLC"),
                             ("Just me.", "citizen", ""), ("Me as well.", "citizen", "")):
        assert client.post(f"/drafts/{slug}/comments", data={"body": body, "respondent_type": kind,
                                                               "organisation": name}).status_code == 302
    for text, kind, name in (("Everyone may read and borrow.", "ngo", "Readers' Union"),
                             ("Everyone may read here.", "citizen", "")):
        assert client.post(f"/drafts/{slug}/clauses/chp_2__art_3/propose", data={
            "action": "replace", "proposed_text": text, "rationale": "Better.", "send": "1",
            "respondent_type": kind, "organisation": name}).status_code == 302
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "everyone (4)" in page and "citizens (2)" in page and "NGOs (1)" in page and "academics (0)" in page
    ngo = client.get(f"/drafts/{slug}/comments?respondent_type=ngo").get_data(as_text=True)
    assert "For our readers." in ngo and "As a shop." not in ngo and "Just me." not in ngo
    assert "No comments by academics yet." in client.get(f"/drafts/{slug}/comments?respondent_type=academic") \
        .get_data(as_text=True)
    proposals = client.get(f"/drafts/{slug}/proposals?respondent_type=ngo").get_data(as_text=True)
    assert "(Readers&#39; Union)" in proposals and "citizens (1)" in proposals and "NGOs (1)" in proposals
    assert "Everyone may read here" not in proposals and proposals.count('class="clause"') == 1
    both = client.get(f"/drafts/{slug}/proposals?respondent_type=citizen&status=open").get_data(as_text=True)
    assert both.count('class="clause"') == 1
    for url in (f"/drafts/{slug}/comments?respondent_type=alien", f"/drafts/{slug}/proposals?respondent_type=x"):
        response = client.get(url)
        assert response.status_code == 400 and "Unknown respondent type." in response.get_data(as_text=True)


def test_report_shows_each_revision_change_with_the_input_behind_it(app, client, make_draft, make_user):
    """Revision 2 merges an accepted proposal and staff's own edits to 51 more articles: the report
    shows the changed words of the first 50, names the proposal, and links to the rest."""
    from app import queries
    from app.extensions import db
    from app.models import Draft, User
    from app.services import decisions, merging, proposals
    filler = "and its readers shall be served by trained staff in every district of the country"
    law = "# Law on Public Libraries\n\n" + "".join(
        f"## Article {n}. Hours\n\nLibrary {n} opens at least thirty hours a week, {filler}.\n\n" for n in range(1, 53))
    slug = make_draft(text=law)
    citizen, staff = make_user(name="Nodira"), make_user(role="staff", agency="Ministry of Culture")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clauses = [c for c in queries.revision_clauses(queries.current_revision(draft)) if c.text]
        first, rest = clauses[0], clauses[1:]
        proposal = proposals.propose(db.session.get(User, citizen), draft, first.key, action="replace",
                                     proposed_text=first.text.replace("thirty", "forty"), rationale="Evenings.")
        clerk = db.session.get(User, staff)
        decisions.decide_proposal(clerk, proposal, "accepted", "Longer hours help workers.")
        merging.publish_merge(clerk, draft, [proposal.id], texts={}, deletions=set(), note="Longer hours.",
                              edits={c.key: c.text.replace("trained", "qualified") for c in rest})
        db.session.commit()
        pid = proposal.id
    html = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "From revision 1 to 2" in html and "Longer hours." in html
    section = html.split('id="step-2"')[1]
    assert "<del>thirty</del>" in section and "<ins>forty</ins>" in section
    assert f'href="/drafts/{slug}/proposals/{pid}"' in section and f"Proposal #{pid}" in section
    assert "<del>trained</del>" in section and "<ins>qualified</ins>" in section
    assert "…" in section  # long unchanged stretches are cut short
    assert section.count('class="change ') == 50
    assert "and 2 more changed clauses" in section and f"/drafts/{slug}/diff?from=1&amp;to=2" in section


def test_report_of_a_draft_with_one_revision_says_so(client, make_draft):
    html = client.get(f"/drafts/{make_draft()}/report").get_data(as_text=True)
    assert "Only one revision so far." in html and 'class="change ' not in html


@pytest.mark.both_backends
def test_participation_is_counted_per_day_where_the_reader_lives(app, client, make_draft, make_user):
    """20:30 UTC on 10 March is 01:30 on 11 March in Tashkent (the default), still 10 March in London."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models import ClauseVote, Comment, Draft, User
    from app.services import comments, votes
    slug, reader = make_draft(), make_user()
    evening = datetime(2026, 3, 10, 20, 30, tzinfo=UTC)
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        draft.opens_at = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
        person = db.session.get(User, reader)
        late = comments.add_comment(person, draft, body="Late at night", clause_key="chp_1__art_1")
        early = comments.add_comment(person, draft, body="In the morning", clause_key="chp_1__art_1")
        votes.vote_clause(person, draft, "chp_1__art_1", 1)
        db.session.flush()
        db.session.execute(update(Comment).where(Comment.id == late.id).values(created_at=evening))
        db.session.execute(update(Comment).where(Comment.id == early.id).values(created_at=evening.replace(hour=8)))
        db.session.execute(update(ClauseVote).values(created_at=evening.replace(minute=59)))
        db.session.commit()
    tashkent = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "<tr><td>2026-03-10</td><td>1</td><td>0</td></tr>" in tashkent
    assert "<tr><td>2026-03-11</td><td>1</td><td>1</td></tr>" in tashkent
    client.set_cookie("tz", "Europe/London")
    london = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "<tr><td>2026-03-10</td><td>2</td><td>1</td></tr>" in london and "2026-03-11" not in london
