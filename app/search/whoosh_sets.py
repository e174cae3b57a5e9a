"""Whoosh searches as sets of document numbers: the helpers of whoosh_backend (with whoosh_rank, the
only modules that import whoosh).

Whoosh's collectors walk every match in pure Python, and its facets read a column per match, so
counting facets over thousands of matches cost more than the ranking. Here a query's matches are
set algebra over posting lists (C-level ``set`` operations), visibility is a set subtraction, facets
are counted from per-document tables, and the ranking query is restricted to the visible matches of
one kind (``Only``), so whoosh scores those and nothing else.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter

from whoosh import query as Q
from whoosh.matching import (
    IntersectionMatcher,
    ListMatcher,
    NullMatcher,
    WrappingMatcher,
)
from whoosh.query.spans import Span, SpanNear2
from whoosh.util import make_binary_tree

from app.search.analysis import LANGUAGES
from app.search.documents import KINDS
from app.search.kept import KeptSets

_KINDS = tuple(KINDS)
_PER_VIEW = ("kind", "lang", "draft")  # few terms with long posting lists: cached as sets per searcher
LONG_POSTINGS = 64  #: posting lists at least this long are kept per segment


class Segment:
    """What one segment says about each of its documents: kind, language and draft, plus the
    documents of each draft and revision. A segment never changes; documents deleted from it later
    stay in these tables, which is harmless: they are only read for documents a live posting list
    matched, or subtracted. Kept by segment id until the segment is merged away."""

    def __init__(self, reader):
        n = reader.doc_count_all()
        self.kinds, self.langs = bytearray(n), bytearray(n)
        self.drafts = array("l", bytes(array("l").itemsize * n))
        self.sets: dict[tuple[str, str], frozenset] = {}
        self.unseen: dict[tuple, frozenset] = {}
        #: long posting lists (term -> docs) and phrase checks (phrase -> docs checked, docs where it stands)
        self.kept = KeptSets(budget=max(50_000, 3 * n))
        self.lengths: dict[str, array] = {}  # field -> each document's length (whoosh_rank)
        for field, table, code in (("kind", self.kinds, lambda t: _KINDS.index(t) + 1),
                                   ("lang", self.langs, lambda t: LANGUAGES.index(t) + 1),
                                   ("draft", self.drafts, int)):
            for raw in reader.lexicon(field):
                value = code(raw.decode() if isinstance(raw, bytes) else raw)
                for docnum in reader.postings(field, raw).all_ids():
                    table[docnum] = value

    def term_docs(self, leaf, q: Q.Term) -> frozenset:
        """The live documents of a term in this segment. Long posting lists are kept (Lucene keeps a
        per-segment query cache for the same reason): reading one into a set costs a millisecond per
        few thousand documents, and common words ("2", "tax") come back in most searches. Keyed by
        the live document count, which a deletion changes."""
        key = ("term", q.fieldname, q.text, leaf.reader().doc_count())
        found = self.kept.recall(key)
        if found is not None:
            return found[0]
        docs = frozenset(leaf.docs_for_query(q))
        if len(docs) >= LONG_POSTINGS:
            self.kept.keep(key, (docs,))
        return docs

    def hidden(self, reader, key: tuple, current: dict[int, int], drafts: set[int], all_revisions: bool):
        """This segment's documents of unpublished drafts and of revisions no longer current.
        (Shared by threads: read once into a local, so a concurrent clear() cannot lose it.)"""
        docs = self.unseen.get(key)
        if docs is None:
            terms = [("draft", str(d)) for d in drafts]
            for raw in [] if all_revisions else reader.lexicon("rev"):
                term = raw.decode() if isinstance(raw, bytes) else raw
                draft, _, number = term.partition(":")
                if number and current.get(int(draft)) != int(number):
                    terms.append(("rev", term))
            found: set[int] = set()
            for field, text in terms:
                if (field, text) not in self.sets:
                    self.sets[field, text] = frozenset(reader.postings(field, text).all_ids()) \
                        if (field, text) in reader else frozenset()
                found |= self.sets[field, text]
            if len(self.unseen) > 8:
                self.unseen.clear()
            docs = self.unseen[key] = frozenset(found)
        return docs


class View:
    """One searcher (one index generation): its segments' tables joined, plus the sets that stay
    the same until the index changes."""

    def __init__(self, searcher, segments: dict[str, Segment]):
        self.searcher = searcher
        self.leaves = []  # (sub-searcher, offset, Segment)
        for sub, offset in searcher.leaf_searchers():
            segment = sub.reader().segment()
            seg_id = segment.segment_id() if segment is not None else None
            data = segments.get(seg_id) or Segment(sub.reader())
            if seg_id is not None:
                segments[seg_id] = data
            self.leaves.append((sub, offset, data))
        self.kinds = bytearray().join(d.kinds for _, _, d in self.leaves)
        self.langs = bytearray().join(d.langs for _, _, d in self.leaves)
        self.drafts = array("l")
        for _, _, data in self.leaves:
            self.drafts.extend(data.drafts)
        self._terms: dict[tuple[str, str], frozenset] = {}
        self._unseen: dict[tuple, frozenset] = {}
        self._keyed: dict[frozenset, frozenset] = {}

    def segment_ids(self) -> set[str]:
        return {sub.reader().segment().segment_id() for sub, _, _ in self.leaves if sub.reader().segment()}

    def docs(self, q: Q.Query, unseen: frozenset | set = frozenset()) -> set[int] | frozenset:
        """The documents ``q`` matches, less ``unseen``: the set whoosh's matchers would give,
        without scoring. Phrases are checked word position by word position only on documents
        that hold all their words, may be seen and pass the query's other parts: a clause number
        ("статья 2") co-occurs in thousands of old revisions' clauses that are never shown."""
        if isinstance(q, Q.AndNot):
            found = self.docs(q.a, unseen)
            return found - self.docs(q.b) if found else found
        if isinstance(q, Q.And):
            phrases = [sub for sub in q.subqueries if _checkable(sub)]
            sets = []
            for sub in q.subqueries:
                if sub in phrases:
                    sets.extend(self._words(sub))
                else:
                    sets.append(self.docs(sub))
                if not sets[-1]:
                    return frozenset()
            sets.sort(key=len)
            found = sets[0].intersection(*sets[1:]) - unseen
            for phrase in phrases:
                found = self.phrase_docs(phrase, found)
            return found
        if isinstance(q, Q.Or):
            return set().union(*(self.docs(sub, unseen) for sub in q.subqueries))
        if _checkable(q):
            words = self._words(q)
            return self.phrase_docs(q, words[0].intersection(*words[1:]) - unseen)
        if isinstance(q, Q.Term) and q.fieldname in _PER_VIEW:
            key = (q.fieldname, q.text)
            if key not in self._terms:
                self._terms[key] = frozenset(self.searcher.docs_for_query(q))
            return self._terms[key] - unseen if unseen else self._terms[key]
        if isinstance(q, Q.Term):
            parts = [data.term_docs(sub, q) if not offset else {d + offset for d in data.term_docs(sub, q)}
                     for sub, offset, data in self.leaves]
            found = parts[0] if len(parts) == 1 else frozenset().union(*parts)
            return found - unseen if unseen else found
        return set(self.searcher.docs_for_query(q)) - unseen

    def _words(self, phrase: Q.Phrase) -> list:
        return sorted((self.docs(Q.Term(phrase.fieldname, word)) for word in phrase.words), key=len)

    def phrase_docs(self, phrase: Q.Phrase, candidates) -> set[int]:
        """The candidates where the phrase's words stand at their offsets from the first. What a
        segment's documents say about a phrase never changes, so each segment remembers the
        documents it checked (``Segment.kept``): a phrase searched again ("статья 2") reads
        word positions only for documents it has not looked at before."""
        offsets = getattr(phrase, "offsets", None) or tuple(range(len(phrase.words)))
        field = self.searcher.schema[phrase.fieldname]
        raws = [field.to_bytes(word) for word in phrase.words]
        found: set[int] = set()
        for sub, offset, data in self.leaves:
            reader = sub.reader()
            size = reader.doc_count_all()
            local = candidates if len(self.leaves) == 1 else {d - offset for d in candidates if offset <= d < offset + size}
            if not local or any((phrase.fieldname, raw) not in reader for raw in raws):
                continue
            key = ("phrase", phrase.fieldname, tuple(raws), offsets)
            checked, holds = data.kept.recall(key) or (frozenset(), frozenset())
            todo = sorted(local - checked)
            if todo:
                postings = [reader.postings(phrase.fieldname, raw) for raw in raws]
                checked, holds = checked.union(todo), holds.union(d for d in todo if _stands(postings, offsets, d))
                data.kept.keep(key, (checked, holds))
            found.update(d + offset for d in holds & local)
        return found

    def keyed(self, keys: frozenset[str]) -> frozenset:
        """The documents of these keys (hidden comments, pending changes), remembered for this index
        generation: the same few thousand keys come with every search until moderation changes them."""
        if keys not in self._keyed:
            if len(self._keyed) > 8:
                self._keyed.clear()
            self._keyed[keys] = frozenset(self.searcher.docs_for_query(Q.Or([Q.Term("key", k) for k in keys])))
        return self._keyed[keys]

    def unseen(self, current: dict[int, int], hidden: set[int], all_revisions: bool) -> frozenset:
        """Documents of unpublished drafts and clauses of revisions that are no longer current."""
        key = (frozenset(current.items()), frozenset(hidden), all_revisions)
        if key not in self._unseen:
            parts = [(offset, data.hidden(sub.reader(), key, current, hidden, all_revisions))
                     for sub, offset, data in self.leaves]
            docs: set[int] | frozenset = parts[0][1] if len(parts) == 1 else set()
            for offset, local in parts if len(parts) > 1 else ():
                docs |= {d + offset for d in local} if offset else local
            if len(self._unseen) > 8:
                self._unseen.clear()
            self._unseen[key] = docs
        return self._unseen[key]

    def split(self, found) -> dict[str, list[int]]:
        """Matches by kind, each sorted by document number."""
        groups: list[list[int]] = [[] for _ in range(len(_KINDS) + 1)]
        kinds = self.kinds
        for docnum in sorted(found):
            groups[kinds[docnum]].append(docnum)
        return {kind: groups[i + 1] for i, kind in enumerate(_KINDS)}

    def counts(self, found, by_kind: dict[str, list[int]]) -> dict[str, Counter]:
        langs = Counter(map(self.langs.__getitem__, found))
        drafts = Counter(map(self.drafts.__getitem__, found))
        return {"kind": Counter({k: len(v) for k, v in by_kind.items() if v}),
                "lang": Counter({LANGUAGES[c - 1]: n for c, n in langs.items() if c}),
                "draft": Counter({str(d): n for d, n in drafts.items() if d})}


def _stands(postings: list, offsets: tuple[int, ...], doc: int) -> bool:
    """Whether the words stand at their offsets from one occurrence of the first in ``doc`` (the
    postings only move forward: ask in document order)."""
    starts = None
    for matcher, shift in zip(postings, offsets, strict=True):
        if matcher.is_active() and matcher.id() < doc:
            matcher.skip_to(doc)
        if not matcher.is_active() or matcher.id() != doc:
            return False
        here = {position - shift for position in matcher.value_as("positions")}
        starts = here if starts is None else starts & here
        if not starts:
            return False
    return True


def _checkable(q) -> bool:
    """Phrases whose words must stand at fixed offsets: adjacent (whoosh's Phrase with slop 1) or
    at the gaps stop words leave (GapPhrase)."""
    return isinstance(q, Q.Phrase) and (isinstance(q, GapPhrase) or q.slop == 1) and len(q.words) > 1


class Only(Q.Query):
    """Exactly ``docs`` (sorted), each scored as ``term`` scores it. Stands in for the unscored kind
    term of the ranking query: an ID term gives every document the same score (1.0 times its boost),
    so the ranking stays bit for bit what it was, but the matcher visits only the visible matches
    of one kind instead of skipping through a posting list that holds most of the index."""

    def __init__(self, searcher, docs: list[int], term: Q.Term):
        self.docs, self.term = docs, term
        self.offsets = {id(sub): offset for sub, offset in searcher.leaf_searchers()}

    def estimate_size(self, ixreader=None) -> int:
        return len(self.docs)

    def matcher(self, searcher, context=None):
        offset = self.offsets[id(searcher)]
        lo, hi = bisect_left(self.docs, offset), bisect_left(self.docs, offset + searcher.doc_count_all())
        if lo == hi:
            return NullMatcher()
        ids = [d - offset for d in self.docs[lo:hi]]
        term = self.term.matcher(searcher, context)
        term.skip_to(ids[0])
        return ListMatcher(ids, all_weights=term.score())


def known_phrases(query: Q.Query, searcher, holds) -> Q.Query:
    """``query`` for ranking documents already known to match: each word-position phrase becomes a
    KnownPhrase of the documents where ``holds(phrase)`` says it stands. Whoosh's own phrase matcher
    reads the word positions of every document holding all the words on its way to the next one
    asked for (every old revision's "статья ... 2"), for a score that is just its words' scores."""
    if _checkable(query):
        return KnownPhrase(searcher, query, holds(query))
    return query if query.is_leaf() else query.apply(lambda sub: known_phrases(sub, searcher, holds))


class KnownPhrase(Q.Query):
    """A phrase whose documents (sorted) are already known, scored exactly as whoosh scores the
    phrase: its words' term scores summed in the same tree, times the phrase's boost."""

    def __init__(self, searcher, phrase: Q.Phrase, docs: list[int]):
        self.phrase, self.docs = phrase, docs
        self.fieldname, self.boost = phrase.fieldname, phrase.boost
        self.offsets = {id(sub): offset for sub, offset in searcher.leaf_searchers()}

    def __eq__(self, other):
        return isinstance(other, KnownPhrase) and self.phrase == other.phrase and self.docs == other.docs

    def __hash__(self):
        return hash(self.phrase) ^ len(self.docs)

    def is_leaf(self) -> bool:
        return True

    def estimate_size(self, ixreader=None) -> int:
        return len(self.docs)

    def matcher(self, searcher, context=None):
        offset = self.offsets[id(searcher)]
        lo = bisect_left(self.docs, offset)
        hi = bisect_left(self.docs, offset + searcher.doc_count_all())
        field = searcher.schema[self.fieldname]
        terms = [Q.Term(self.fieldname, field.to_bytes(word)) for word in self.phrase.words]
        if lo == hi or any((self.fieldname, t.text) not in searcher.reader() for t in terms):
            return NullMatcher()
        inner = make_binary_tree(IntersectionMatcher, [t.matcher(searcher, context) for t in terms])
        m = _KnownMatcher([d - offset for d in self.docs[lo:hi]], inner)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


class _KnownMatcher(ListMatcher):
    def __init__(self, ids: list[int], inner, position: int = 0):
        super().__init__(ids, position=position)
        self.inner = inner

    def copy(self):
        return _KnownMatcher(self._ids, self.inner.copy(), self._i)

    def score(self) -> float:
        doc = self.id()
        if self.inner.id() < doc:
            self.inner.skip_to(doc)
        return self.inner.score()

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return self.inner.max_quality()

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()


class GapPhrase(Q.Phrase):
    """A phrase whose words stand at fixed ``offsets`` from the first ("engag" +0, "work" +2 for
    "engaged in work", whose stop word is not indexed). whoosh's own Phrase only knows adjacent
    words or a slop, which would also match "work ... engaged" a few words apart."""

    def __init__(self, fieldname: str, words: list[str], offsets: list[int], boost: float = 1.0):
        super().__init__(fieldname, words, slop=max(offsets), boost=boost)
        self.offsets = tuple(offsets)

    def __eq__(self, other):
        return super().__eq__(other) and self.offsets == getattr(other, "offsets", None)

    def __hash__(self):
        return super().__hash__() ^ hash(self.offsets)

    def __repr__(self):
        return f"GapPhrase({self.fieldname!r}, {self.words!r}, {self.offsets!r})"

    def matcher(self, searcher, context=None):
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            raw = field.to_bytes(word)
            if (self.fieldname, raw) not in reader:
                return NullMatcher()
            matchers.append(Q.Term(self.fieldname, raw).matcher(searcher, context))
        m = _GapMatcher(matchers, self.offsets)
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


class _GapMatcher(SpanNear2.SpanNear2Matcher):
    """Documents where every word sits exactly at its offset from some occurrence of the first."""

    def __init__(self, ms, offsets: tuple[int, ...]):
        self.offsets = offsets
        super().__init__(ms, slop=max(offsets), ordered=True, mindist=1)

    def copy(self):
        return self.__class__([m.copy() for m in self.ms], self.offsets)

    def _get_spans(self):
        starts = None
        for m, offset in zip(self.ms, self.offsets):
            here = {span.start - offset for span in m.spans()}
            starts = here if starts is None else starts & here
            if not starts:
                return []
        return [Span(start, start + self.offsets[-1]) for start in sorted(starts)]
