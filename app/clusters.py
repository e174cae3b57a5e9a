"""Mass campaigns as readers and staff see them: the draft's clusters of copied comments (the
algorithm is app.services.campaigns), kept per process under the stamp of app.activity, so no worker
shows stale clusters. Each text's MinHash features are cached too, so a new comment costs one
signature, not the whole draft's. Totals never use this: they count every comment."""
from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from app import queries
from app.activity import activity_stamp
from app.extensions import db
from app.models import Comment, Draft
from app.services import campaigns


class Campaigns(NamedTuple):
    """A draft's clusters; shared between requests, so read it, never change it."""
    clusters: tuple[tuple[int, ...], ...]  #: clusters of two or more public comments, largest first
    #: a top-level comment -> its group: the cluster's top-level comments in the same place (the same
    #: clause, proposal or the whole draft), the representative (the earliest) first
    groups: dict[int, tuple[int, ...]]
    #: top-level comments that lists show only through their group's representative
    collapsed: frozenset[int]

    def similar(self, comment_id: int) -> int:
        """How many comments a representative stands for besides itself (0 for others)."""
        group = self.groups.get(comment_id, ())
        return len(group) - 1 if group and group[0] == comment_id else 0

    def cluster_sizes(self) -> dict[int, int]:
        return {i: len(c) for c in self.clusters for i in c}


_CACHE = "muhokama.campaigns"
_FEATURES = "muhokama.campaign_features"
_MAX_FEATURES = 20_000  #: about 1 KB each
_UPDATING = threading.Lock()


def _featurise(text: str) -> tuple[tuple[int, ...], int]:
    cache = current_app.extensions.setdefault(_FEATURES, {})
    key = hashlib.blake2b(campaigns.normalise(text).encode(), digest_size=16).digest()
    found = cache.get(key)
    if found is None:
        if len(cache) >= _MAX_FEATURES:
            cache.clear()
        found = cache[key] = campaigns.features(text)
    return found


def draft_campaigns(draft: Draft) -> Campaigns:
    """The draft's public comments clustered, brought up to date once per change and process: new
    comments are added to the clusters kept from before; a comment hidden or edited since (rare:
    moderation, an edit) starts them again."""
    stamp = activity_stamp(draft)
    cache = current_app.extensions.setdefault(_CACHE, {})
    hit = cache.get(draft.id)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    rows = db.session.execute(select(Comment.id, Comment.body, Comment.parent_id, Comment.clause_key,
                                     Comment.proposal_id)
                              .where(Comment.draft_id == draft.id, queries.public(Comment))
                              .order_by(Comment.id)).all()
    with _UPDATING:  # threads of one process share the clusterer: one brings it up to date at a time
        clusterer = hit[2] if hit is not None else None
        if clusterer is None or not _grows(clusterer, rows):
            clusterer = campaigns.Clusterer(featurise=_featurise)
        for r in rows:
            if r.id not in clusterer.parent:
                clusterer.add(r.id, r.body)
        grouped = clusterer.groups()
    place = {r.id: (r.clause_key, r.proposal_id) for r in rows if r.parent_id is None}
    clusters = tuple(tuple(g) for g in grouped if len(g) > 1)
    groups: dict[int, tuple[int, ...]] = {}
    for members in clusters:
        by_place: dict[tuple, list[int]] = defaultdict(list)
        for i in members:
            if i in place:  # replies stay in their threads
                by_place[place[i]].append(i)
        for ids in by_place.values():
            if len(ids) > 1:
                group = tuple(sorted(ids))
                groups.update(dict.fromkeys(group, group))
    found = Campaigns(clusters, groups, frozenset(i for i, group in groups.items() if group[0] != i))
    if len(cache) >= 1000:
        cache.clear()
    cache[draft.id] = (stamp, found, clusterer)
    return found


def _grows(clusterer: campaigns.Clusterer, rows) -> bool:
    """Whether the comments clustered before are all still public with the same text."""
    texts = {r.id: r.body for r in rows}
    return all(i in texts and hash(texts[i]) == h for i, h in clusterer.texts.items())
