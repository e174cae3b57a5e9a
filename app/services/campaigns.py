"""Mass campaigns (ACUS Recommendation 2021-1): comments that are the same text once normalised, or
nearly the same (MinHash over word shingles, banded LSH, then the estimated Jaccard similarity
checked), are clustered per draft. Pure Python, no third-party dependency: about a millisecond per
comment (bench/bench_campaigns.py). Totals always count every comment; clustering only groups them."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
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
    return sum(x == y for x, y in zip(a, b, strict=True)) / NUM_PERM


def features(text: str) -> tuple[tuple[int, ...], int]:
    """What clustering needs of a text: its signature and how many shingles it has."""
    return signature(text), len(shingles(text))


def cluster(items: list[tuple[int, str]], threshold: float = THRESHOLD,
            featurise: Callable[[str], tuple[tuple[int, ...], int]] = features) -> list[list[int]]:
    """Groups of ids whose texts are the same once normalised or nearly the same; every id is in
    exactly one group (most groups have one member). Groups are ordered by size, then first id.
    ``featurise`` may be a cached ``features`` (signatures are most of the cost)."""
    parent: dict[int, int] = {i: i for i, _ in items}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    exact: dict[str, int] = {}
    representatives: list[tuple[int, str]] = []
    for item_id, text in items:
        key = normalise(text)
        if key in exact:
            union(exact[key], item_id)
        else:
            exact[key] = item_id
            representatives.append((item_id, text))
    signatures: dict[int, tuple[int, ...]] = {}
    sizes: dict[int, int] = {}
    for item_id, text in representatives:
        signatures[item_id], sizes[item_id] = featurise(text)
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for item_id, sig in signatures.items():
        for band in range(BANDS):
            buckets[(band, *sig[band * ROWS:(band + 1) * ROWS])].append(item_id)
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        for i, x in enumerate(members):
            for y in members[i + 1:]:
                if (x, y) not in checked and find(x) != find(y):  # a campaign's members meet in many bands
                    checked.add((x, y))
                    short = min(sizes[x], sizes[y]) < SHORT
                    if similarity(signatures[x], signatures[y]) >= (SHORT_THRESHOLD if short else threshold):
                        union(x, y)
    groups: dict[int, list[int]] = defaultdict(list)
    for item_id, _ in items:
        groups[find(item_id)].append(item_id)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def draft_clusters(draft: Draft) -> list[list[int]]:
    """The draft's public comments in clusters (largest first), for staff and the report."""
    rows = db.session.execute(select(Comment.id, Comment.body).where(
        Comment.draft_id == draft.id, queries.public(Comment)).order_by(Comment.id)).all()
    return cluster([(r.id, r.body) for r in rows])
