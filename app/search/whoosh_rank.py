"""A page of hits from scores computed in bulk, without walking whoosh's matcher tree.

Whoosh ranks by scoring every match through its tree of matchers in Python, about 10 µs a
document: 3,000 visible matches of "tax" cost 30 ms for a page of five. Here every match gets the
same BM25F score from posting weights and field lengths (kept per segment, as the posting sets
are), with whoosh's formula and statistics; only the order of the sums differs, so the two agree to
float rounding (δ, far below the margin). The page is settled here when its scores are clearly
apart, or exact ties made of the same numbers in one segment (identical comments: whoosh's sums are
equal too, and it puts the lower document number first). Otherwise whoosh ranks the documents
within the margin of the page's last score, which include every document of its own page: if the
best ``n`` scores here reach ``t``, each of whoosh's best ``n`` scores at least ``t - 2δ`` here.
Parts boosted to nearly nothing (filters) are left out of the scores, not of the tie check.

A query part whose score this does not know is left to whoosh (``Unscorable``).
"""
from __future__ import annotations

import heapq
from array import array
from itertools import pairwise

from whoosh import query as Q
from whoosh.formats import Existence

from app.search.whoosh_sets import LONG_POSTINGS, KnownPhrase, Segment, View, _checkable

NEGLIGIBLE = 1e-5  #: parts boosted at most this much only filter (whoosh_backend.UNSCORED): left out
_MARGIN_ABS, _MARGIN_REL = 1e-4, 1e-9


class Unscorable(Exception):
    """A query part this module cannot score like whoosh: whoosh ranks every match."""


class Ranking:
    """The approximate scores of a query's visible matches of the kinds asked for, computed once."""

    def __init__(self, view: View, q: Q.Query, found: set[int]):
        self.view, self.q, self.found = view, q, found
        self._scores: dict[int, float] | None = None

    def page(self, docs: list[int], n: int) -> tuple[list[int] | None, list[int]]:
        """For the first ``n`` of ``docs`` (sorted): their order when the scores settle it, else
        None; and the documents whoosh must rank to find them. The scores settle the order when
        each of the page's documents, and the next one, is either clearly apart from its neighbour
        or an exact tie made of the same numbers in the same segment (identical comments:
        whoosh's sums are then equal too, and it puts the lower document number first)."""
        try:
            scores = self.scores()
        except Unscorable:
            return None, docs
        if any(d not in scores for d in docs):  # matched, yet not scored here: whoosh decides
            return None, docs
        best = heapq.nlargest(n + 1, docs, key=scores.__getitem__)  # stable: ties by number
        ranked = [scores[d] for d in best]
        if all(a == b or a - b > _margin(b) for a, b in pairwise(ranked)) and self._ties_settled(
                docs, best[:n], ranked[:n], boundary=len(best) > n and ranked[n] == ranked[n - 1]):
            return best[:n], docs
        floor = ranked[min(n, len(ranked)) - 1]
        return None, [d for d in docs if scores[d] >= floor - _margin(floor)]

    def _ties_settled(self, docs: list[int], page: list[int], ranked: list[float], boundary: bool) -> bool:
        groups = [[d for d, s in zip(page, ranked) if s == value] for value in set(ranked)]
        groups = [g for g in groups if len(g) > 1]
        if boundary:  # the last score goes on past the page: all of its documents, and the next one apart
            last, scores = ranked[-1], self.scores()
            groups = [g for g in groups if scores[g[0]] != last] + [[d for d in docs if scores[d] == last]]
            below = max((s for s in scores.values() if s < last), default=None)
            if below is not None and last - below <= _margin(below):
                return False
        if not groups:
            return True
        tied = set().union(*groups)
        scorer = _Scorer(self.view, traced=True)
        scorer.score(self.q, tied)
        return all(len({(self._segment(d), tuple(scorer.trace.get(d, ()))) for d in g}) == 1 for g in groups)

    def _segment(self, docnum: int) -> int:
        return sum(1 for _, offset, _ in self.view.leaves if offset <= docnum)

    def scores(self) -> dict[int, float]:
        if self._scores is None:
            self._scores = _Scorer(self.view).score(self.q, self.found)
        return self._scores


def _margin(score: float) -> float:
    return _MARGIN_ABS + _MARGIN_REL * abs(score)


class _Scorer:
    def __init__(self, view: View, traced: bool = False):
        self.view, self.searcher = view, view.searcher
        self.weighting = self.searcher.weighting
        #: with ``traced``: each document's term scores, in the order they were added
        self.trace: dict[int, list] | None = {} if traced else None

    def score(self, q: Q.Query, docs: set[int]) -> dict[int, float]:
        """Score of each document of ``docs`` that ``q`` matches (approximately whoosh's)."""
        if q.boost <= NEGLIGIBLE:  # left out of the score, not of the trace: whoosh adds it
            return self._traced(dict.fromkeys(self.view.docs(q) & docs, 0.0), q)
        if isinstance(q, Q.AndNot):
            return self.score(q.a, docs - self.view.docs(q.b))
        if isinstance(q, Q.And):
            found, parts = docs, []
            for sub in sorted(q.subqueries, key=lambda s: s.boost <= NEGLIGIBLE, reverse=True):
                part = self.score(sub, found)  # filters first: the scored parts see fewer documents
                found = found & part.keys()
                if sub.boost > NEGLIGIBLE:
                    parts.append(part)
            if len(parts) == 1:
                return self._boosted({d: parts[0][d] for d in found}, q.boost)
            return self._boosted({d: sum(p[d] for p in parts) for d in found}, q.boost)
        if isinstance(q, Q.Or):
            if q.scale:
                raise Unscorable("coordination bonus")
            total: dict[int, float] = {}
            for sub in q.subqueries:
                for d, s in self.score(sub, docs).items():
                    total[d] = total.get(d, 0.0) + s
            return self._boosted(total, q.boost)
        if isinstance(q, KnownPhrase):
            return self._phrase(q.phrase, docs & set(q.docs), q.boost)
        if _checkable(q):  # where its words stand together, among the documents holding them all
            words = self.view._words(q)
            return self._phrase(q, self.view.phrase_docs(q, words[0].intersection(*words[1:], docs)), q.boost)
        if isinstance(q, Q.Term):
            return self._term(q.fieldname, q.text, docs, q.boost)
        if type(q) is Q.Prefix and q.text:  # every word it stands for, each scored as a term
            words = set().union(*(sub.reader().expand_prefix(q.fieldname, q.text) for sub, _, _ in self.view.leaves))
            total = {}
            for word in words:
                for d, s in self._term(q.fieldname, word, docs, q.boost).items():
                    total[d] = total.get(d, 0.0) + s
            return total
        if isinstance(q, Q.NullQuery.__class__):
            return {}
        raise Unscorable(type(q).__name__)

    @staticmethod
    def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
        return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}

    def _phrase(self, phrase: Q.Phrase, docs: set[int], boost: float) -> dict[int, float]:
        field = self.searcher.schema[phrase.fieldname]
        parts = [self._term(phrase.fieldname, field.to_bytes(w), docs, 1.0) for w in phrase.words]
        return self._boosted({d: sum(p.get(d, 0.0) for p in parts) for d in docs}, boost)

    def _term(self, fieldname: str, text, docs: set[int], boost: float) -> dict[int, float]:
        schema_field = self.searcher.schema[fieldname]
        raw = schema_field.to_bytes(text)
        if not schema_field.scorable:  # an ID field: whoosh's score is the posting's weight
            if not isinstance(schema_field.format, Existence):
                raise Unscorable(fieldname)
            value = schema_field.format.field_boost * boost
            return self._traced(dict.fromkeys(self.view.docs(Q.Term(fieldname, text)) & docs, value), fieldname, raw)
        idf = self.searcher.idf(fieldname, raw)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        B = self.weighting._field_B.get(fieldname, self.weighting.B)
        K1 = self.weighting.K1
        out: dict[int, float] = {}
        for sub, offset, data in self.view.leaves:
            reader = sub.reader()
            if (fieldname, raw) not in reader:
                continue
            weights, lengths = _weights(data, reader, fieldname, raw), _lengths(data, reader, fieldname)
            end = offset + reader.doc_count_all()
            if len(weights) < len(docs):
                pairs = ((local + offset, w) for local, w in weights.items() if local + offset in docs)
            else:
                pairs = ((d, weights[d - offset]) for d in docs if offset <= d < end and d - offset in weights)
            for d, w in pairs:
                fl = lengths[d - offset]
                out[d] = idf * ((w * (K1 + 1)) / (w + K1 * ((1 - B) + B * fl / avgfl))) * boost
        return self._traced(out, fieldname, raw)

    def _traced(self, scores: dict[int, float], *part) -> dict[int, float]:
        if self.trace is not None:
            for d, value in scores.items():
                self.trace.setdefault(d, []).append((*part, value))
        return scores


def _weights(segment: Segment, reader, fieldname: str, raw: bytes) -> dict[int, float]:
    """A term's posting weights in one segment (document -> weight), the long lists kept."""
    key = ("weights", fieldname, raw, reader.doc_count())
    found = segment.kept.recall(key)
    if found is not None:
        return found[0]
    m = reader.postings(fieldname, raw)
    weights: dict[int, float] = {}
    while m.is_active():
        weights[m.id()] = m.weight()
        m.next()
    if len(weights) >= LONG_POSTINGS:
        segment.kept.keep(key, (weights,))
    return weights


def _lengths(segment: Segment, reader, fieldname: str) -> array:
    """Every document's length in a field of one segment, as whoosh's scorer reads it."""
    table = segment.lengths.get(fieldname)
    if table is None:
        get = reader.doc_field_length
        table = segment.lengths[fieldname] = array("I", (get(d, fieldname, 1) or 0
                                                          for d in range(reader.doc_count_all())))
    return table
