"""Mass campaigns are clustered: exact copies and near copies (synonyms swapped, sentences
reordered) of one text form one group; distinct comments stay alone; totals still count all."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql_text

from app import activity
from app.extensions import db
from app.models import Comment, Draft, User
from app.services import campaigns, comments, moderation

CAMPAIGN = ("I strongly oppose this law. It will hurt small farmers in our region. The government should protect "
            "their right to water. Please change article five before it is adopted.")
VARIANTS = [
    CAMPAIGN,
    CAMPAIGN.upper(),
    ("It will hurt small farmers in our region. I strongly oppose this law. The government should protect "
    "their right to water. Please change article five before it is adopted."),
    ("I firmly oppose this bill. It will harm small farmers in our region. The state should protect "
    "their right to water. Please change article five before it is adopted."),
    ("The government should safeguard their right to water. I strongly reject this law. It will hurt small "
    "farmers in our region. Kindly change article five before it is adopted."),
]
DISTINCT = [
    "Libraries should open on Sundays so that working people can visit them.",
    "The fee for a library card is too high for pensioners.",
    "Article 3 should also cover school libraries in villages.",
    "I identify as a person with a disability.",
    "I identify as a person with a mental illness.",
]


def test_variants_cluster_and_distinct_comments_stay_apart():
    items = list(enumerate(VARIANTS + DISTINCT))
    groups = campaigns.cluster(items)
    assert groups[0] == list(range(len(VARIANTS)))
    assert all(len(g) == 1 for g in groups[1:]) and len(groups) == 1 + len(DISTINCT)


def test_a_draft_clusters_its_public_comments(app, make_user, make_draft):
    slug = make_draft()
    people = [make_user() for _ in VARIANTS + DISTINCT]
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        ids = [comments.add_comment(db.session.get(User, who), draft, body=text).id
               for who, text in zip(people, VARIANTS + DISTINCT, strict=True)]
        db.session.commit()
        groups = campaigns.draft_clusters(draft)
    assert groups[0] == ids[:len(VARIANTS)]
    assert sum(len(g) for g in groups) == len(ids)  # every comment is counted


# -- what readers and staff see ----------------------------------------------------------------

@pytest.fixture
def campaign(app, make_user, make_draft):
    """A draft with a campaign of near copies on the whole draft, and distinct comments."""
    slug = make_draft()
    people = [make_user() for _ in VARIANTS + DISTINCT]
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        ids = [comments.add_comment(db.session.get(User, who), draft, body=text).id
               for who, text in zip(people, VARIANTS + DISTINCT, strict=True)]
        db.session.commit()
    return slug, ids


def shown_comments(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="comment[^"]*" id="c(\d+)"', html)]


def test_a_campaign_shows_once_with_the_number_of_similar_comments(client, campaign):
    slug, ids = campaign
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert shown_comments(page) == [ids[0], *ids[len(VARIANTS):]]  # distinct comments are not collapsed
    assert "and 4 similar comments" in page
    similar = client.get(f"/drafts/{slug}/comments/{ids[0]}/similar")
    assert similar.status_code == 200
    assert shown_comments(similar.get_data(as_text=True)) == ids[:len(VARIANTS)]
    assert "5 comments have the same or nearly the same text" in similar.get_data(as_text=True)
    report = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "1 group of comments with the same or nearly the same text" in report
    assert "5 comments in them" in report


def test_totals_count_every_comment(app, client, campaign):
    slug, ids = campaign
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        assert activity.draft_activity(draft).draft_comments == len(ids)
    assert len(client.get(f"/api/v1/drafts/{slug}/comments").get_json()["items"]) == len(ids)


def test_a_hidden_comment_is_neither_shown_nor_counted_as_similar(app, client, campaign, make_user):
    slug, ids = campaign
    moderator = make_user(role="moderator")
    with app.app_context():
        moderation.hide(db.session.get(User, moderator), db.session.get(Comment, ids[1]), reason="spam",
                        explanation="Spam.")
        db.session.commit()
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "and 3 similar comments" in page
    assert ids[1] in shown_comments(page)  # as a tombstone, never in the campaign
    assert VARIANTS[1] not in page
    similar = client.get(f"/drafts/{slug}/comments/{ids[0]}/similar").get_data(as_text=True)
    assert ids[1] not in shown_comments(similar) and VARIANTS[1] not in similar
    assert client.get(f"/drafts/{slug}/comments/{ids[1]}/similar").status_code == 404


def test_a_copy_on_another_page_stays_findable_and_pages_fill_up(app, client, make_user, make_draft):
    """Copies beyond the first page do not leave holes: pages count only what they show."""
    slug = make_draft()
    author = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person = db.session.get(User, author)
        ids = [comments.add_comment(person, draft, body=CAMPAIGN).id for _ in range(25)]
        ids += [comments.add_comment(person, draft, body=f"Distinct remark number {n} about {word}.").id
                for n, word in enumerate(["books", "fees", "hours", "villages", "schools"] * 5)]
        db.session.commit()
    first = shown_comments(client.get(f"/drafts/{slug}/comments").get_data(as_text=True))
    second = shown_comments(client.get(f"/drafts/{slug}/comments?page=2").get_data(as_text=True))
    assert first[0] == ids[0] and len(first) == 20 and len(second) == 6
    assert set(first) | set(second) == {ids[0], *ids[25:]}
    similar = client.get(f"/drafts/{slug}/comments/{ids[0]}/similar?page=2").get_data(as_text=True)
    assert shown_comments(similar) == ids[20:25]


def test_staff_see_the_clusters_in_the_review_queue(app, campaign, make_user, login_as):
    slug, ids = campaign
    staff = make_user(role="staff", agency="Ministry of Culture")
    page = login_as(app.test_client(), staff).get(f"/staff/drafts/{slug}/review?kind=comments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 group of comments with the same or nearly the same text" in html
    assert html.count("One of 5 similar comments") == len(VARIANTS)
    assert f"/staff/comments/{ids[0]}" in html


def test_a_new_comment_is_compared_with_its_buckets_not_with_the_whole_draft(app, client, make_user, make_draft,
                                                                            monkeypatch):
    """Short comments alike in a few words but below the threshold (a template with names filled in)
    were all compared pair by pair again after every new comment: 300 of them cost 5,900 comparisons
    on each page view, and a busy draft's pages took seconds (bench/bench_spike.py)."""
    slug = make_draft()
    author = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person = db.session.get(User, author)
        for i in range(300):
            comments.add_comment(person, draft, body=f"Comment load-{i % 40}-{i}: answer sooner.")
        db.session.commit()
    app.config["CLUSTER_BUDGET_SECONDS"] = 60  # all 300 taken in by this first view, however slow the machine
    assert client.get(f"/drafts/{slug}/comments").status_code == 200
    calls = []
    real = campaigns.similarity
    monkeypatch.setattr(campaigns, "similarity", lambda a, b: calls.append(1) or real(a, b))
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        new = comments.add_comment(db.session.get(User, author), draft, body="Comment load-7-300: answer sooner.").id
        db.session.commit()
    page = client.get(f"/drafts/{slug}/comments?page=16").get_data(as_text=True)
    assert new in shown_comments(page)
    assert 0 < len(calls) <= campaigns.BANDS * campaigns.BUCKET_PEERS


def test_a_large_campaign_is_still_one_cluster():
    items = [(i, f"{CAMPAIGN} Signed by resident number {i} of the district.") for i in range(300)]
    items += [(1000 + i, text) for i, text in enumerate(DISTINCT)]
    groups = campaigns.cluster(items)
    assert groups[0] == list(range(300)) and all(len(g) == 1 for g in groups[1:])


def test_clusters_kept_between_page_views_take_in_new_copies_and_drop_hidden_ones(app, client, campaign,
                                                                                  make_user):
    slug, ids = campaign
    assert "and 4 similar comments" in client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    people, moderator = [make_user(), make_user()], make_user(role="moderator")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        more = [comments.add_comment(db.session.get(User, who), draft, body=text).id
                for who, text in zip(people, (VARIANTS[3], "Buses to the library should run in the evening."),
                                     strict=True)]
        db.session.commit()
    page = client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "and 5 similar comments" in page and more[1] in shown_comments(page)
    with app.app_context():
        moderation.hide(db.session.get(User, moderator), db.session.get(Comment, ids[2]),
                        reason="spam", explanation="Spam.")
        db.session.commit()
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        expected = [g for g in campaigns.draft_clusters(draft) if len(g) > 1]
    assert expected == [[ids[0], ids[1], ids[3], ids[4], more[0]]]
    similar = client.get(f"/drafts/{slug}/comments/{ids[0]}/similar").get_data(as_text=True)
    assert shown_comments(similar) == expected[0]


def test_a_copy_committed_late_with_a_lower_id_still_joins_its_campaign(app, client, campaign, make_user):
    """PostgreSQL hands out ids before the commit: a comment can become visible after one with a
    higher id was already taken into the clusters kept by a process."""
    slug, ids = campaign
    people = [make_user(), make_user()]

    def add_with_id(who: int, text: str, new_id: int) -> None:
        with app.app_context():
            draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
            old = comments.add_comment(db.session.get(User, who), draft, body=text).id
            db.session.execute(sql_text("UPDATE comment SET id = :new WHERE id = :old"), {"new": new_id, "old": old})
            db.session.commit()

    add_with_id(people[0], VARIANTS[2], max(ids) + 10)
    assert "and 5 similar comments" in client.get(f"/drafts/{slug}/comments").get_data(as_text=True)
    add_with_id(people[1], VARIANTS[4], max(ids) + 5)
    assert "and 6 similar comments" in client.get(f"/drafts/{slug}/comments").get_data(as_text=True)


def test_a_page_clusters_within_its_budget_and_the_next_views_go_on(app, client, make_user, make_draft):
    """A process with no clusters yet (just started) does not make one reader wait for all of a
    large draft's comments: each view takes in what its budget allows and shows what it has."""
    slug = make_draft()
    author = make_user()
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person = db.session.get(User, author)
        for i in range(120):
            comments.add_comment(person, draft, body=f"{CAMPAIGN} Signed by resident number {i}.")
        db.session.commit()
    app.config["CLUSTER_BUDGET_SECONDS"] = 0  # as if every view ran out of time at once
    views = 0
    while "and 119 similar comments" not in client.get(f"/drafts/{slug}/comments").get_data(as_text=True):
        views += 1
        assert views < 120 // 50 + 5  # each view takes in at least one batch of 50
    assert views > 0
