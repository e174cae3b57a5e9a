"""Align the clauses of two revisions and carry each clause's lineage key forward.

Comments, proposals and votes hang on a clause's lineage ``key``, so a new revision must say
which old clause each new clause continues. Like git's rename detection, this works in passes
that get more expensive as they get less certain, and only ever look at what is still unmatched:

1. identical text (after whitespace normalisation): a hash map, O(n);
2. the same ``eid`` with similar text, and
3. the best similarity among unmatched clauses near the same place (between the same two
   anchors from pass 1, within a positional window); then, for clauses moved far and edited,
   among leftovers that share rare word pairs (an inverted index, never all pairs).

Passes 2 and 3 are one greedy assignment over candidate pairs, best score first, where a shared
``eid`` adds a bonus and lowers the threshold: a renumbered-and-edited clause therefore keeps its
own lineage rather than the one of the unrelated clause that now carries its old number.
A longest increasing subsequence over the matched pairs then tells clauses that stayed in order
from clauses that were moved; of those in order, a clause whose own number or parent changed is
"moved" (renumbered) too, while one whose eid changed only with a renumbered parent is not.
"""
from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drafts.document import Clause

KINDS = ("unchanged", "modified", "moved", "inserted", "deleted")

SIMILARITY_THRESHOLD = 0.55  #: different eid: below this an edit reads as delete + insert
SAME_EID_THRESHOLD = 0.35  #: same eid: the number is evidence, so less text must agree
SAME_EID_BONUS = 0.1  #: prefer the clause that kept its number when scores are close
WINDOW = 20  #: pass 3 looks this many unmatched clauses either side of the expected place
GAP_ALL_PAIRS = 400  #: a gap this small (|old| * |new|) is compared all against all
RARE = 3  #: last resort: a word pair found in at most this many leftover old clauses

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# A line break before a list item or a numbered point is structure, not a hard wrap: the
# parser gives "(a) The term:\n(5) ..." and "Nr. 1 ...;\n2. ..." with one item per line.
_ITEM_LINE = re.compile(r"\n[^\S\n]*(?=(?:[-*+•]|\(\w{1,5}\)|\d{1,3}[a-z]?[.)]|[a-zа-я]\))[^\S\n])")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Change:
    """One line of a comparison. ``new`` carries the lineage key of ``old`` when matched."""

    kind: str  #: "unchanged" | "modified" | "moved" | "inserted" | "deleted"
    old: Clause | None
    new: Clause | None
    ops: tuple[tuple[int, str], ...] = ()  #: word-level diff, -1 delete, 0 equal, 1 insert
    similarity: float = 1.0

    @property
    def key(self) -> str:
        """The lineage key: the carried key of a match, the new key of an insertion."""
        clause = self.new if self.new is not None else self.old
        assert clause is not None
        return clause.key


def normalize_text(text: str) -> str:
    """One paragraph = one line, so a re-wrapped (reflowed) clause compares equal.

    Blank lines separate paragraphs and become exactly one blank line; any other run of
    whitespace becomes one space, except that a list item or numbered point keeps its line.
    """
    if not text:
        return ""
    paragraphs = _PARAGRAPH_BREAK.split(text.strip())
    out = []
    for para in paragraphs:
        lines = _ITEM_LINE.split(para) if "\n" in para else (para,)
        out.append("\n".join(" ".join(line.split()) for line in lines))
    return "\n\n".join(p for p in out if p)


def clause_body(clause: Clause) -> str:
    """What is compared and diffed: heading and text (not label/num, which change on renumbering)."""
    heading = " ".join(clause.heading.split())
    text = normalize_text(clause.text)
    if heading and text:
        return heading + "\n\n" + text
    return heading or text


def shingles(text: str) -> frozenset[str]:
    """Lower-cased words and word pairs: pairs keep frequent words from making any two
    legal clauses look alike, single words keep very short clauses comparable."""
    return _shingles(text)[0]


def _shingles(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(``shingles(text)``, its word pairs alone, which ``_Matcher.far`` indexes)."""
    words = _WORD.findall(text.lower())
    pairs = frozenset(map(" ".join, itertools.pairwise(words)))
    return pairs.union(words), pairs


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two shingle sets (what difflib's quick_ratio is to multisets)."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def longest_increasing(seq: Sequence[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence, O(n log n) (patience sorting)."""
    tails: list[int] = []  # tails[k] = value ending the best run of length k + 1
    tail_pos: list[int] = []
    back: list[int] = [-1] * len(seq)
    for pos, value in enumerate(seq):
        k = bisect_left(tails, value)
        back[pos] = tail_pos[k - 1] if k else -1
        if k == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[k] = value
            tail_pos[k] = pos
    keep: set[int] = set()
    pos = tail_pos[-1] if tail_pos else -1
    while pos >= 0:
        keep.add(pos)
        pos = back[pos]
    return keep


class _Matcher:
    """The state of one alignment: bodies and shingles (both computed lazily, since most
    clauses of a revision are untouched and matched on their raw text) and the pairs found."""

    def __init__(self, old: Sequence[Clause], new: Sequence[Clause]) -> None:
        self.old, self.new = old, new
        self.old_to_new: dict[int, int] = {}
        self.new_to_old: dict[int, int] = {}
        self.sims: dict[int, float] = {}  # new index -> similarity of its match
        self.same: set[int] = set()  # new indices whose match has the same body
        self._body: dict[tuple[int, int], str] = {}  # (side, index) -> body; side 0 old, 1 new
        self._sh: dict[tuple[int, int], tuple[frozenset[str], frozenset[str]]] = {}
        self.old_by_eid = {c.eid: i for i, c in enumerate(old) if c.eid}

    def body(self, side: int, k: int) -> str:
        body = self._body.get((side, k))
        if body is None:
            body = self._body[side, k] = clause_body((self.old, self.new)[side][k])
        return body

    def sh(self, side: int, k: int) -> frozenset[str]:
        return self._shingles(side, k)[0]

    def _shingles(self, side: int, k: int) -> tuple[frozenset[str], frozenset[str]]:
        sh = self._sh.get((side, k))
        if sh is None:
            sh = self._sh[side, k] = _shingles(self.body(side, k))
        return sh

    def pair(self, i: int, j: int, sim: float, same: bool = False) -> None:
        self.old_to_new[i] = j
        self.new_to_old[j] = i
        self.sims[j] = sim
        if same:
            self.same.add(j)

    def exact(self) -> None:
        """Pass 1: equal bodies; the same eid first, so duplicates like "(repealed)" stay put."""
        for j, c in enumerate(self.new):
            i = self.old_by_eid.get(c.eid)
            if i is None:
                continue
            o = self.old[i]
            if (o.text == c.text and o.heading == c.heading) or self.body(0, i) == self.body(1, j):
                self.pair(i, j, 1.0, same=True)
        free: dict[str, list[int]] = {}
        for i in range(len(self.old)):
            if i not in self.old_to_new:
                free.setdefault(self.body(0, i), []).append(i)
        for lst in free.values():
            lst.reverse()  # pop() from the end = first in document order
        for j in range(len(self.new)):
            if j not in self.new_to_old and (lst := free.get(self.body(1, j))):
                self.pair(lst.pop(), j, 1.0, same=True)

    def score(self, i: int, j: int) -> tuple[float, float] | None:
        """(ranking score, similarity) of a candidate pair, or None below threshold.

        Cheap bounds run first: Dice can't exceed 2*min/(a+b) of the sizes.
        """
        same_eid = bool(self.old[i].eid) and self.old[i].eid == self.new[j].eid
        threshold = SAME_EID_THRESHOLD if same_eid else SIMILARITY_THRESHOLD
        la, lb = len(self.body(0, i)), len(self.body(1, j))
        if la + lb and 2 * min(la, lb) / (la + lb) < threshold * 0.5:
            return None
        a, b = self.sh(0, i), self.sh(1, j)
        if (a or b) and 2 * min(len(a), len(b)) / (len(a) + len(b)) < threshold:
            return None
        sim = similarity(a, b)
        if sim < threshold:
            return None
        return sim + (SAME_EID_BONUS if same_eid else 0.0), sim

    def candidates(self) -> list[tuple[int, int]]:
        """Pass 2 and 3 candidates: same eid anywhere, plus neighbours between two anchors."""
        cands = []
        for j, c in enumerate(self.new):
            i = self.old_by_eid.get(c.eid)
            if j not in self.new_to_old and i is not None and i not in self.old_to_new:
                cands.append((i, j))
        matched = sorted(self.new_to_old.items())
        in_order = longest_increasing([i for _, i in matched])
        anchors = [(-1, -1)] + [(matched[p][1], matched[p][0]) for p in sorted(in_order)]
        anchors.append((len(self.old), len(self.new)))
        for (i0, j0), (i1, j1) in itertools.pairwise(anchors):
            olds = [i for i in range(i0 + 1, i1) if i not in self.old_to_new]
            news = [j for j in range(j0 + 1, j1) if j not in self.new_to_old]
            cands.extend(_window_pairs(olds, news))
        return cands

    def greedy(self, cands: Iterable[tuple[int, int]]) -> None:
        """Assign candidate pairs best first; ties go to the pair closest in position."""
        scored = []
        for i, j in set(cands):
            s = self.score(i, j)
            if s is not None:
                scored.append((-s[0], abs(i - j), i, j, s[1]))
        scored.sort()
        for _, _, i, j, sim in scored:
            if i not in self.old_to_new and j not in self.new_to_old:
                self.pair(i, j, sim)

    def far(self) -> set[tuple[int, int]]:
        """Last resort, for clauses moved far and edited: pairs of leftovers sharing at least
        two word pairs that are rare among the leftovers (an inverted index, not all pairs)."""
        olds = [i for i in range(len(self.old)) if i not in self.old_to_new]
        old_pairs = [self._shingles(0, i)[1] for i in olds]
        # count in C first, so that only the few rare word pairs are indexed in Python
        counts = Counter(itertools.chain.from_iterable(old_pairs))
        rare = frozenset(s for s, n in counts.items() if n <= RARE)
        index: dict[str, list[int]] = {}
        for i, sh in zip(olds, old_pairs):
            for s in sh & rare:
                index.setdefault(s, []).append(i)
        pairs: set[tuple[int, int]] = set()
        for j in range(len(self.new)):
            if j in self.new_to_old:
                continue
            hits: Counter[int] = Counter()
            for s in self._shingles(1, j)[1] & rare:
                hits.update(index[s])
            pairs.update((i, j) for i, n in hits.items() if n >= 2)
        return pairs


def _window_pairs(olds: list[int], news: list[int]) -> list[tuple[int, int]]:
    """All pairs of a small gap; in a big one, each new clause against the old clauses around
    the same relative position, so the work stays O(gap * WINDOW)."""
    if not olds or not news:
        return []
    if len(olds) * len(news) <= GAP_ALL_PAIRS:
        return [(i, j) for i in olds for j in news]
    pairs = []
    scale = len(olds) / len(news)
    for k, j in enumerate(news):
        centre = int(k * scale)
        for i in olds[max(0, centre - WINDOW):centre + WINDOW + 1]:
            pairs.append((i, j))
    return pairs


def _unique_key(eid: str, used: set[str]) -> str:
    """An inserted clause's key: its eid, or ``eid~2``, ``eid~3``... if that key is taken."""
    key, n = eid, 2
    while key in used:
        key, n = f"{eid}~{n}", n + 1
    used.add(key)
    return key


def _kind(m: _Matcher, i: int, j: int, in_order: set[int], anchors: _Anchors) -> str:
    """Moved: out of the order of the others, renumbered itself, or now under another parent.
    A clause whose eid changed only because a parent was renumbered (chapter 5a becoming 5b
    after an insertion) or because an unnumbered sibling was inserted before it kept its place."""
    o, c = m.old[i], m.new[j]
    if j not in in_order or (o.eid != c.eid and (
            own_number(o.kind, o.num, o.eid) != own_number(c.kind, c.num, c.eid) or o.kind != c.kind
            or anchors.old(i) != anchors.new(j))):
        return "moved"
    return "unchanged" if j in m.same else "modified"


#: clause kinds the parser numbers by their order among siblings (no printed number)
_ORDINAL_KINDS = frozenset({"heading", "preamble", "frontmatter", "text"})


def own_number(kind: str, num: str, eid: str) -> str:
    """A clause's own number, not its parents': the printed one, else the last part of its eid;
    "" for an unnumbered heading, whose eid counts its place (an insertion before it is no
    renumbering of it)."""
    if num or kind in _ORDINAL_KINDS:
        return num
    return eid.rpartition("__")[2]


class _Anchors:
    """A clause's place in the tree, comparable across revisions: the old index of its nearest
    ancestor that is in both revisions (-1 for none). Ancestors inserted or deleted in between
    (a new chapter wrapping old sections) do not count as a change of place."""

    def __init__(self, m: _Matcher) -> None:
        self.m = m
        self.new_by_eid = {c.eid: j for j, c in enumerate(m.new) if c.eid}

    def old(self, i: int) -> int:
        eid = self.m.old[i].eid
        while "__" in eid:
            eid = eid.rpartition("__")[0]
            k = self.m.old_by_eid.get(eid)
            if k is not None and k in self.m.old_to_new:
                return k
        return -1

    def new(self, j: int) -> int:
        eid = self.m.new[j].eid
        while "__" in eid:
            eid = eid.rpartition("__")[0]
            k = self.new_by_eid.get(eid)
            if k is not None and k in self.m.new_to_old:
                return self.m.new_to_old[k]
        return -1


def align(old: Sequence[Clause], new: Sequence[Clause], *,
          reserved_keys: Iterable[str] = ()) -> list[Change]:
    """Match old and new clauses; one Change per clause, in new-document order, with each
    deletion placed where it stood (before what was inserted in its place). ``ops`` stay empty
    here (``drafts.diff.compare`` fills them). ``reserved_keys``: keys used by earlier
    revisions, which a newly inserted clause must not take either.
    """
    return align_indexed(old, new, reserved_keys=reserved_keys)[0]


def align_indexed(old: Sequence[Clause], new: Sequence[Clause], *, reserved_keys: Iterable[str] = ()
                  ) -> tuple[list[Change], list[tuple[int, int]], _Matcher]:
    """``align``, plus each change's (old index, new index), -1 for none, and the matcher,
    whose ``body`` cache ``drafts.diff.compare`` reuses instead of normalising again."""
    m = _Matcher(old, new)
    m.exact()
    m.greedy(m.candidates())
    m.greedy(m.far())
    matched = sorted(m.new_to_old.items())
    in_order = {matched[p][0] for p in longest_increasing([i for _, i in matched])}
    # bound[j]: old index of the first in-order match at or after new position j; the
    # deletions before it are emitted before clause j.
    bound = [len(old)] * (len(new) + 1)
    for j in range(len(new) - 1, -1, -1):
        bound[j] = m.new_to_old[j] if j in in_order else bound[j + 1]

    # Inserted clauses must not take a key that an old clause had (carried or deleted):
    # the comments on that old clause would otherwise appear on unrelated new text.
    used = {c.key for c in old}.union(reserved_keys)
    anchors = _Anchors(m)
    changes: list[Change] = []
    index: list[tuple[int, int]] = []
    deleted = [i for i in range(len(old)) if i not in m.old_to_new]
    d = 0
    for j, clause in enumerate(new):
        while d < len(deleted) and deleted[d] < bound[j]:
            changes.append(Change("deleted", old[deleted[d]], None, similarity=0.0))
            index.append((deleted[d], -1))
            d += 1
        i = m.new_to_old.get(j)
        if i is None:
            key = _unique_key(clause.eid, used)
            changes.append(Change("inserted", None, clause.with_key(key), similarity=0.0))
            index.append((-1, j))
        else:
            changes.append(Change(_kind(m, i, j, in_order, anchors), old[i], clause.with_key(old[i].key),
                                  similarity=m.sims[j]))
            index.append((i, j))
    changes.extend(Change("deleted", old[i], None, similarity=0.0) for i in deleted[d:])
    index.extend((i, -1) for i in deleted[d:])
    return changes, index, m
