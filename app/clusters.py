"""Mass campaigns as readers and staff see them: the draft's clusters of copied comments (the
algorithm is app.services.campaigns), kept per process under the stamp of app.activity, so no worker
shows stale clusters. Each text's MinHash features are cached too, so a new comment costs one
signature, not the whole draft's. Totals never use this: they count every comment."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select

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
_MAX_FEATURES = 2_000  #: about 5 KB each; clusters keep their own signatures (for rebuilds and copies)
#: comments whose clusters a process keeps, over all drafts (about 2.4 KB each): past it, the drafts
#: not being looked at are let go (and taken in again, within the budget, when next viewed)
MAX_KEPT_COMMENTS = 100_000
_LOCKS: dict[int, threading.Lock] = {}  #: per draft: one thread of a process brings its clusters up to date
#: a page waits at most CLUSTER_BUDGET_SECONDS (config) for clusters: a draft's first 10,000 comments
#: take seconds to cluster, so a process that has none yet (just started) takes them in over several
#: page views and shows what it has meanwhile (copies not yet grouped are shown one by one)
BUDGET_SECONDS = 0.25
_BATCH = 2000  #: comments read at a time
_EMPTY = Campaigns((), {}, frozenset())


def _featurise(text: str) -> tuple[tuple[int, ...], int]:
    cache = current_app.extensions.setdefault(_FEATURES, {})
    key = hashlib.blake2b(campaigns.normalise(text).encode(), digest_size=16).digest()
    found = cache.get(key)
    if found is None:
        if len(cache) >= _MAX_FEATURES:
            cache.clear()
        found = cache[key] = campaigns.features(text)
    return found


#: a comment committed late (PostgreSQL hands out ids before the commit, so a lower id can commit
#: after a higher one was read) is looked for among this many ids below the newest read
LATE_WINDOW = 2000


class _Kept(NamedTuple):
    """A draft's clusters as this process last brought them up to date."""
    clusterer: campaigns.Clusterer
    read: set[int]  #: ids of the comments read so far (public or not)
    last_id: int  #: the highest of them
    check: tuple  #: (public comments up to last_id, newest updated_at of any up to it), as read
    place: dict[int, tuple]  #: top-level comment -> (clause key, proposal id)


def draft_campaigns(draft: Draft) -> Campaigns:
    """The draft's public comments clustered, brought up to date once per change and process: new
    comments are added to the clusters kept from before, reading only them; a comment hidden,
    restored or edited since (rare: moderation, an edit) starts them again from all comments. The
    work a page view does is bounded (BUDGET_SECONDS); another thread already at it is not waited for."""
    stamp = activity_stamp(draft)
    cache = current_app.extensions.setdefault(_CACHE, {})
    hit = cache.get(draft.id)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    lock = _LOCKS.setdefault(draft.id, threading.Lock())
    if not lock.acquire(blocking=False):
        return hit[1] if hit is not None else _EMPTY
    try:
        deadline = time.monotonic() + current_app.config.get("CLUSTER_BUDGET_SECONDS", BUDGET_SECONDS)
        kept = hit[2] if hit is not None else None
        if kept is not None and _check(draft, kept.last_id) != kept.check:
            kept, _ = _take(draft, kept, kept.last_id - LATE_WINDOW, kept.last_id, None)  # committed late?
            if _check(draft, kept.last_id) != kept.check:
                kept = None  # hidden, restored or edited: start again
        if kept is None:
            kept = _Kept(campaigns.Clusterer(featurise=_featurise), set(), 0, (0, None), {})
        kept, done = _take(draft, kept, kept.last_id, None, deadline)  # at least 50 comments a view
        while not done and time.monotonic() < deadline:
            kept, done = _take(draft, kept, kept.last_id, None, deadline)
        clusters = tuple(tuple(g) for g in kept.clusterer.clusters())
    finally:
        lock.release()
    groups: dict[int, tuple[int, ...]] = {}
    for members in clusters:
        by_place: dict[tuple, list[int]] = defaultdict(list)
        for i in members:
            if i in kept.place:  # replies stay in their threads
                by_place[kept.place[i]].append(i)
        for ids in by_place.values():
            if len(ids) > 1:
                group = tuple(sorted(ids))
                groups.update(dict.fromkeys(group, group))
    found = Campaigns(clusters, groups, frozenset(i for i, group in groups.items() if group[0] != i))
    if len(cache) >= 1000 or sum(len(entry[2].read) for entry in list(cache.values())) > MAX_KEPT_COMMENTS:
        cache.clear()
    cache[draft.id] = (stamp if done else None, found, kept)  # not done: the next view goes on
    return found


def _take(draft: Draft, kept: _Kept, after: int, upto: int | None, deadline: float | None) -> tuple[_Kept, bool]:
    """Read the draft's comments with ids in (after, upto] not read before, and cluster the public
    ones, in id order; returns what is kept and whether all were taken before ``deadline``."""
    query = select(Comment.id, Comment.body, Comment.parent_id, Comment.clause_key, Comment.proposal_id,
                   Comment.updated_at, queries.public(Comment).label("shown")) \
        .where(Comment.draft_id == draft.id, Comment.id > after).order_by(Comment.id).limit(_BATCH)
    rows = db.session.execute(query if upto is None else query.where(Comment.id <= upto)).all()
    count, newest = kept.check
    last_id, done = kept.last_id, len(rows) < _BATCH
    for n, r in enumerate(rows):
        if deadline is not None and n % 50 == 49 and time.monotonic() > deadline:
            done = False
            break
        last_id = max(last_id, r.id)
        if r.id in kept.read:
            continue
        kept.read.add(r.id)
        newest = r.updated_at if newest is None else max(newest, r.updated_at)
        if r.shown:
            count += 1
            kept.clusterer.add(r.id, r.body)
            if r.parent_id is None:
                kept.place[r.id] = (r.clause_key, r.proposal_id)
    return kept._replace(last_id=last_id, check=(count, newest)), done


def _check(draft: Draft, last_id: int) -> tuple:
    """What _take counted up to ``last_id``, read again: it differs when a comment was hidden,
    restored or edited since (moderation and edits set ``updated_at``), or committed late."""
    return tuple(db.session.execute(
        select(func.count().filter(queries.public(Comment)), func.max(Comment.updated_at))
        .where(Comment.draft_id == draft.id, Comment.id <= last_id)).one())
