"""Mass campaigns (ACUS Recommendation 2021-1): comments that are the same text once normalised, or
nearly the same (MinHash over word shingles, banded LSH, then the estimated Jaccard similarity
checked), are clustered per draft. Pure Python, no third-party dependency: about a millisecond per
comment (bench/bench_campaigns.py). Totals always count every comment; clustering only groups them."""
from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
from array import array
from collections.abc import Callable

from sqlalchemy import select

from app import queries
from app.extensions import db
from app.models import Comment, Draft

NUM_PERM = 128
BANDS, ROWS = 32, 4  # NUM_PERM = BANDS * ROWS; a pair at similarity 0.6 meets in a band 99% of the time
THRESHOLD = 0.5  # estimated Jaccard similarity of word shingles that makes two comments one cluster
#: short comments share a large part of their few shingles by chance ("I identify as a person with a
#: disability" / "... a mental illness"): below SHORT shingles a pair must be this similar
SHORT, SHORT_THRESHOLD = 10, 0.8
_PRIME = (1 << 61) - 1
_SEEDS = [(int.from_bytes(hashlib.blake2b(b"a%d" % i, digest_size=8).digest(), "big") % _PRIME | 1,
           int.from_bytes(hashlib.blake2b(b"b%d" % i, digest_size=8).digest(), "big") % _PRIME)
          for i in range(NUM_PERM)]
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Compatibility forms folded, case ignored, punctuation and spacing dropped."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def shingles(text: str, k: int = 2) -> set[str]:
    words = normalise(text).split()
    if len(words) <= k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def signature(text: str) -> tuple[int, ...]:
    """The MinHash signature of the text's word 2-shingles (NUM_PERM universal hashes)."""
    hashes = [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles(text)]
    if not hashes:
        return (0,) * NUM_PERM
    return tuple(min((a * h + b) % _PRIME for h in hashes) for a, b in _SEEDS)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return sum(map(operator.eq, a, b)) / NUM_PERM


def features(text: str) -> tuple[tuple[int, ...], int]:
    """What clustering needs of a text: its signature and how many shingles it has."""
    return signature(text), len(shingles(text))


#: a new comment is compared with at most this many members of each LSH bucket it falls in. A
#: campaign's copies meet in many bands, so the first members find it; without a bound, thousands of
#: short comments alike in a few words but below the threshold (a template with names filled in)
#: made every pair of them a comparison: quadratic, seconds per page view on a busy draft.
BUCKET_PEERS = 16


class Clusterer:
    """Clusters built one comment at a time, so a draft's clusters take in a new comment by comparing
    it with its LSH buckets only. Adding in id order gives what ``cluster`` gives for the same items."""

    def __init__(self, featurise: Callable[[str], tuple[tuple[int, ...], int]] = features,
                 threshold: float = THRESHOLD):
        self.featurise, self.threshold = featurise, threshold
        self.parent: dict[int, int] = {}
        self.exact: dict[bytes, int] = {}
        self.signatures: dict[int, array] = {}  #: 1 KB each as machine words (a tuple of ints is 5 KB)
        self.sizes: dict[int, int] = {}
        self.buckets: dict[int, int | list[int]] = {}  #: by hash of (band, its rows): an id, or ids
        self.members: dict[int, list[int]] = {}  #: root -> ids, for clusters of two or more

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def _union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            root, other = min(rx, ry), max(rx, ry)
            self.parent[other] = root
            self.members[root] = self.members.pop(root, [root]) + self.members.pop(other, [other])

    def add(self, item_id: int, text: str) -> None:
        self.parent[item_id] = item_id
        key = hashlib.blake2b(normalise(text).encode(), digest_size=16).digest()  # not the whole text, kept
        if key in self.exact:
            self._union(self.exact[key], item_id)
            return
        self.exact[key] = item_id
        sig, size = self.featurise(text)
        sig = self.signatures[item_id] = array("Q", sig)
        self.sizes[item_id] = size
        seen: set[int] = set()
        buckets = self.buckets
        for band in range(BANDS):
            bucket = hash((band, *sig[band * ROWS:(band + 1) * ROWS]))
            members = buckets.get(bucket)
            if members is None:
                buckets[bucket] = item_id  # most buckets hold one comment: an int, not a list
                continue
            if isinstance(members, int):
                members = buckets[bucket] = [members]
            for other in members[:BUCKET_PEERS]:
                if other in seen or self.find(other) == self.find(item_id):
                    continue  # a campaign's members meet in many bands
                seen.add(other)
                short = min(size, self.sizes[other]) < SHORT
                if similarity(sig, self.signatures[other]) >= (SHORT_THRESHOLD if short else self.threshold):
                    self._union(other, item_id)
            members.append(item_id)

    def clusters(self) -> list[list[int]]:
        """The groups of two or more, ordered by size, then first id: without visiting every id."""
        return sorted((sorted(ids) for ids in self.members.values()), key=lambda g: (-len(g), g[0]))

    def groups(self) -> list[list[int]]:
        """Every id in exactly one group, ordered by size, then first id."""
        grouped = {i for ids in self.members.values() for i in ids}
        return self.clusters() + [[i] for i in sorted(self.parent) if i not in grouped]


def cluster(items: list[tuple[int, str]], threshold: float = THRESHOLD,
            featurise: Callable[[str], tuple[tuple[int, ...], int]] = features) -> list[list[int]]:
    """Groups of ids whose texts are the same once normalised or nearly the same; every id is in
    exactly one group (most groups have one member). Groups are ordered by size, then first id.
    ``featurise`` may be a cached ``features`` (signatures are most of the cost)."""
    clusterer = Clusterer(featurise, threshold)
    for item_id, text in sorted(items):
        clusterer.add(item_id, text)
    return clusterer.groups()


def draft_clusters(draft: Draft) -> list[list[int]]:
    """The draft's public comments in clusters (largest first), for staff and the report."""
    rows = db.session.execute(select(Comment.id, Comment.body).where(
        Comment.draft_id == draft.id, queries.public(Comment)).order_by(Comment.id)).all()
    return cluster([(r.id, r.body) for r in rows])
