"""Mass campaigns are clustered: exact copies and near copies (synonyms swapped, sentences
reordered) of one text form one group; distinct comments stay alone; totals still count all."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Draft, User
from app.services import campaigns, comments

CAMPAIGN = ("I strongly oppose this law. It will hurt small farmers in our region. The government should protect "
            "their right to water. Please change article five before it is adopted.")
VARIANTS = [
    CAMPAIGN,
    CAMPAIGN.upper(),
    "It will hurt small farmers in our region. I strongly oppose this law. The government should protect "
    "their right to water. Please change article five before it is adopted.",
    "I firmly oppose this bill. It will harm small farmers in our region. The state should protect "
    "their right to water. Please change article five before it is adopted.",
    "The government should safeguard their right to water. I strongly reject this law. It will hurt small "
    "farmers in our region. Kindly change article five before it is adopted.",
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
