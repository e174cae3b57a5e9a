"""The Whoosh engine (whoosh3): files in SEARCH_INDEX_DIR, one process writes at a time.

The only module that imports whoosh. Each document's text goes into the fields of its language,
analysed there (Snowball stemming for en/ru/de, the light stemmer of analysis.py for Uzbek, after
folding Cyrillic Uzbek to Latin). A query word is analysed by every language's analyser and may
match in any of them. Searchers are reused and refreshed; writers wait for the lock only when asked
to (``flask search process``), so a web request never waits for another worker.
"""
from __future__ import annotations

import fcntl
import logging
import re
import threading
from array import array
from bisect import bisect_left
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import DATETIME, ID, TEXT, Schema
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.writing import CLEAR

from app.search import Backend, EngineQuery, EngineResult
from app.search.analysis import LANGUAGES, make_snippet, uz_fold, uz_stem
from app.search.documents import KINDS, SearchDoc, Shown

log = logging.getLogger(__name__)
_WORDS = re.compile(r"\w+")
UNSCORED = 1e-6  # boost of query parts that filter but should not rank
LOCK_TIMEOUT = 30.0  # seconds a blocking writer (CLI, rebuild) waits for another process


class UzbekStemFilter(Filter):
    """Apply analysis.uz_stem to folded (Latin, lower-case) Uzbek tokens."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = uz_stem(t.text)
            yield t


def _analyzer(lang: str):
    """LanguageAnalyzer's chain, but stop words keep their positions, so "tax income" is not a
    phrase in "tax on the income" (as in PostgreSQL)."""
    if lang == "uz":
        return RegexTokenizer() | LowercaseFilter() | UzbekStemFilter()
    return RegexTokenizer() | LowercaseFilter() | StopFilter(lang=lang, renumber=False) | StemFilter(lang=lang)


ANALYZERS = {lang: _analyzer(lang) for lang in LANGUAGES}


def _schema() -> Schema:
    fields = {
        "key": ID(unique=True, stored=True),
        "kind": ID(stored=True, sortable=True),
        "draft": ID(stored=True, sortable=True),
        "rev": ID(),  # "draft:number" for clauses, "-" for everything else
        "lang": ID(sortable=True),
        "date": DATETIME(sortable=True),
    }
    for lang in LANGUAGES:
        fields[f"x_{lang}"] = TEXT(analyzer=ANALYZERS[lang])  # title, body and context
        fields[f"t_{lang}"] = TEXT(analyzer=ANALYZERS[lang], field_boost=2.0)  # the title again
    return Schema(**fields)


def _fold(lang: str, text: str) -> str:
    return uz_fold(text) if lang == "uz" else text


def _tokens(lang: str, text: str) -> list[str]:
    return [t.text for t in ANALYZERS[lang](_fold(lang, text))]


@lru_cache(maxsize=100_000)
def _word_forms(word: str) -> tuple[str, ...]:
    """Every language's analysed form of one word, for snippets (cached: texts repeat words)."""
    return tuple(f"{lang}:{t}" for lang in LANGUAGES for t in _tokens(lang, word))


def _require(main: Q.Query, condition: Q.Query) -> Q.Query:
    """Documents matching both, scored by ``main`` only. (Q.Require trips an assertion in whoosh3's
    block-quality skipping, and ConstantScoreQuery reads every id of its condition: an unscored
    And member is skipped through like any posting list.)"""
    return Q.And([main, _unscored(condition)])


def _unscored(query: Q.Query) -> Q.Query:
    """Nearly zero, not zero: whoosh's array union matcher drops documents that score exactly 0."""
    query = query.copy()
    query.boost = UNSCORED
    return query


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


class WhooshBatch:
    def __init__(self, writer):
        self.writer = writer
        self.changed = False

    def claim(self, kind: str, object_id: int) -> bool:
        return True  # the writer lock already makes this process the only one writing

    def upsert(self, docs: list[SearchDoc]) -> None:
        for doc in docs:
            self.writer.update_document(**_fields(doc))
            self.changed = True

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.writer.delete_by_term("key", key)
            self.changed = True


def _fields(doc: SearchDoc) -> dict:
    lang = doc.lang if doc.lang in LANGUAGES else "en"
    title = _fold(lang, doc.title)
    return {"key": doc.key, "kind": doc.kind, "draft": str(doc.draft_id),
            "rev": f"{doc.draft_id}:{doc.revision}" if doc.kind == "clause" else "-",
            "lang": lang, "date": _utc_naive(doc.date),
            f"x_{lang}": " ".join((title, _fold(lang, doc.body), _fold(lang, doc.context))),
            f"t_{lang}": title}


_CACHED = ("kind", "lang", "draft", "rev")  # few terms, large posting sets: kept as sets per searcher


def _segment_tables(reader) -> tuple[bytearray, array]:
    """Language code and draft id of each document of one segment, read once from the postings
    (segments never change; deletions are left out of the postings every search reads)."""
    n = reader.doc_count_all()
    langs, drafts = bytearray(n), array("l", bytes(array("l").itemsize * n))
    for field, table, value in (("lang", langs, lambda t: LANGUAGES.index(t) + 1), ("draft", drafts, int)):
        for raw in reader.lexicon(field):
            code = value(raw.decode() if isinstance(raw, bytes) else raw)
            for docnum in reader.postings(field, raw).all_ids():
                table[docnum] = code
    return langs, drafts


class _View:
    """One searcher's matches as sets of document numbers, with the tables and sets that do not
    change until the index does (cached per searcher, so per index generation)."""

    def __init__(self, searcher, tables: dict):
        self.searcher = searcher
        self._terms: dict[tuple[str, str], frozenset] = {}
        self._unseen: dict[tuple, frozenset] = {}
        parts = []
        for sub, _ in searcher.leaf_searchers():
            segment = sub.reader().segment()
            key = segment.segment_id() if segment is not None else None
            parts.append(tables[key] if key in tables else _segment_tables(sub.reader()))
            if key is not None:
                tables[key] = parts[-1]
        self.langs = bytearray().join(p[0] for p in parts)
        self.drafts = array("l")
        for p in parts:
            self.drafts.extend(p[1])

    def term(self, field: str, text: str) -> frozenset:
        key = (field, text)
        if key not in self._terms:
            self._terms[key] = frozenset(self.searcher.docs_for_query(Q.Term(field, text)))
        return self._terms[key]

    def docs(self, q: Q.Query) -> set[int] | frozenset:
        """The documents ``q`` matches: the same set whoosh's matchers give, without scoring."""
        if isinstance(q, Q.AndNot):
            found = self.docs(q.a)
            return found - self.docs(q.b) if found else found
        if isinstance(q, Q.And):
            sets = []
            for sub in q.subqueries:
                sets.append(self.docs(sub))
                if not sets[-1]:
                    return frozenset()
            sets.sort(key=len)
            return sets[0].intersection(*sets[1:])
        if isinstance(q, Q.Or):
            return set().union(*(self.docs(sub) for sub in q.subqueries))
        if isinstance(q, Q.Term) and q.fieldname in _CACHED:
            return self.term(q.fieldname, q.text)
        return set(self.searcher.docs_for_query(q))

    def unseen(self, current: dict[int, int], hidden: set[int], all_revisions: bool) -> frozenset:
        """Documents of unpublished drafts and clauses of revisions that are no longer current."""
        key = (frozenset(current.items()), frozenset(hidden), all_revisions)
        if key not in self._unseen:
            docs: set[int] = set().union(*(self.term("draft", str(d)) for d in hidden))
            for raw in [] if all_revisions else self.searcher.lexicon("rev"):
                term = raw.decode() if isinstance(raw, bytes) else raw
                draft, _, number = term.partition(":")
                if number and current.get(int(draft)) != int(number):
                    docs |= self.term("rev", term)
            if len(self._unseen) > 8:
                self._unseen.clear()
            self._unseen[key] = frozenset(docs)
        return self._unseen[key]

    def split(self, found) -> dict[str, set[int]]:
        return {kind: found & self.term("kind", kind) for kind in KINDS}

    def counts(self, found, by_kind: dict[str, set[int]]) -> dict[str, Counter]:
        langs = Counter(map(self.langs.__getitem__, found))
        drafts = Counter(map(self.drafts.__getitem__, found))
        return {"kind": Counter({k: len(v) for k, v in by_kind.items() if v}),
                "lang": Counter({LANGUAGES[c - 1]: n for c, n in langs.items() if c}),
                "draft": Counter({str(d): n for d, n in drafts.items() if d})}


class _Only(Q.Query):
    """Exactly ``docs``, each scored as ``term`` scores it. Stands in for the unscored kind term of
    the ranking query: an ID term gives every document the same score (its boost), so the ranking
    stays bit for bit what it was, but the matcher visits only visible matches of one kind instead
    of skipping through a posting list that holds most of the index."""

    def __init__(self, searcher, docs, term: Q.Term):
        self.docs, self.term = sorted(docs), term
        self.offsets = {id(sub): offset for sub, offset in searcher.leaf_searchers()}

    def estimate_size(self, ixreader=None) -> int:
        return len(self.docs)

    def matcher(self, searcher, context=None):
        offset = self.offsets[id(searcher)]
        lo = bisect_left(self.docs, offset)
        ids = [d - offset for d in self.docs[lo:bisect_left(self.docs, offset + searcher.doc_count_all())]]
        if not ids:
            return NullMatcher()
        term = self.term.matcher(searcher, context)
        term.skip_to(ids[0])
        return ListMatcher(ids, all_weights=term.score())


class WhooshBackend(Backend):
    name = "whoosh"

    def __init__(self, directory: str):
        self.dir = Path(directory)
        self._ix = None
        self._local = threading.local()
        self._tables: dict[str, tuple] = {}  # segment id -> _segment_tables()

    # --- the index files ---

    def _index(self):
        if self._ix is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(self.dir / ".create.lock", "w") as fh:  # two workers starting at once create it once
                fcntl.flock(fh, fcntl.LOCK_EX)
                if not whoosh_index.exists_in(str(self.dir)):
                    whoosh_index.create_in(str(self.dir), _schema())
                fcntl.flock(fh, fcntl.LOCK_UN)
            self._ix = whoosh_index.open_dir(str(self.dir))
        return self._ix

    @contextmanager
    def writing(self, *, blocking: bool):
        try:
            writer = self._index().writer(timeout=LOCK_TIMEOUT if blocking else 0.0, delay=0.05)
        except whoosh_index.LockError:
            if blocking:
                raise
            yield None
            return
        batch = WhooshBatch(writer)
        try:
            yield batch
        except BaseException:
            writer.cancel()
            raise
        if batch.changed:
            writer.commit()
        else:
            writer.cancel()

    def rebuild(self, docs) -> int:
        writer = self._index().writer(timeout=LOCK_TIMEOUT, delay=0.05, limitmb=256)
        n = 0
        try:
            for doc in docs:
                writer.add_document(**_fields(doc))
                n += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)  # one commit swaps the old index for the new one
        return n

    def _searcher(self):
        """This thread's searcher, reopened when the index changed. (Not ``refresh()``: it reuses
        segment readers by segment id and so keeps showing documents deleted since.)"""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._local.searcher = self._index().searcher()
            self._local.view = None
        return searcher

    def _view(self, searcher) -> _View:
        view = getattr(self._local, "view", None)
        if view is None or view.searcher is not searcher:
            live = {sub.reader().segment().segment_id() for sub, _ in searcher.leaf_searchers()
                    if sub.reader().segment() is not None}
            self._tables = {k: v for k, v in self._tables.items() if k in live}  # merged away: forget
            view = self._local.view = _View(searcher, self._tables)
        return view

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = self._local.view = None

    def stats(self) -> dict[str, int]:
        searcher = self._searcher()
        counts = {kind: searcher.doc_frequency("kind", kind) for kind in ("draft", "clause", "comment")}
        counts["total"] = searcher.doc_count()
        return counts

    # --- searching ---

    def _clause_parts(self, clause) -> tuple[list[Q.Query], list[str]]:
        """Queries for the clause in every language's fields, and the languages where it is only
        stop words (English "the")."""
        parts, stop_langs = [], []
        for lang in LANGUAGES:
            names = (f"x_{lang}", f"t_{lang}")
            if clause.kind == "prefix":  # "self-empl*": the words before the last are whole words
                *whole, last = _WORDS.findall(_fold(lang, clause.text).lower()) or [""]
                words = [w for word in whole for w in _tokens(lang, word)]
                parts += [Q.And([Q.Term(name, w) for w in words] + [Q.Prefix(name, last)]) if words
                          else Q.Prefix(name, last) for name in names]
                continue
            words = _tokens(lang, clause.text)
            if not words:
                stop_langs.append(lang)
            elif len(words) == 1:
                parts += [Q.Term(name, words[0]) for name in names]
            else:
                parts += [Q.Phrase(name, words) for name in names]
        return parts, stop_langs

    def _query(self, eq: EngineQuery) -> tuple[Q.Query | None, list[str]]:
        dropped, clauses = [], []
        for clause in eq.parsed.must:
            parts, stops = self._clause_parts(clause)
            (clauses.append((parts, stops)) if parts else dropped.append(clause.text))
        if not clauses:
            return None, dropped
        # With all words required, a stop word lets every document of its language pass, unless
        # the query has nothing else to look for in that language (then "the" alone finds nothing,
        # as in PostgreSQL). With any word, it adds nothing there: passing every English document
        # would make "what does the tax code say" match all of them.
        content = set() if eq.any_terms else set(LANGUAGES) - set.intersection(*(set(s) for _, s in clauses))
        must = [Q.Or(parts + [Q.Term("lang", lang, boost=UNSCORED) for lang in stops if lang in content])
                for parts, stops in clauses]
        main = Q.Or(must, scale=0.9) if eq.any_terms else Q.And(must)
        nots = [Q.Or(parts) for parts, _ in map(self._clause_parts, eq.parsed.must_not) if parts]
        if nots:
            main = Q.AndNot(main, Q.Or(nots))
        required = []
        if eq.lang:
            required.append(Q.Term("lang", eq.lang))
        if eq.date_from or eq.date_to:
            required.append(Q.DateRange("date", eq.date_from and _utc_naive(eq.date_from),
                                        eq.date_to and _utc_naive(eq.date_to)))
        if eq.only_drafts is not None:
            required.append(Q.Or([Q.Term("draft", str(d)) for d in eq.only_drafts]) if eq.only_drafts
                            else Q.NullQuery)
        for r in required:
            main = _require(main, r)
        return main, dropped

    def search(self, eq: EngineQuery) -> EngineResult:
        """Match as sets of document numbers (set algebra over posting lists), drop what may not be
        seen, count facets from per-document tables, and score only the visible matches of each
        kind: whoosh's collectors walk every match in Python, which made counting the slow part."""
        result = EngineResult()
        main, result.dropped = self._query(eq)
        if main is None:
            return result
        searcher = self._searcher()
        view = self._view(searcher)
        found = view.docs(main) - view.unseen(eq.current_revisions, eq.hidden_drafts, eq.all_revisions)
        if eq.exclude_keys and found:
            found -= view.docs(Q.Or([Q.Term("key", k) for k in eq.exclude_keys]))
        by_kind = view.split(found)
        result.counts = view.counts(found, by_kind)
        for kind in eq.kinds:
            docs, end = by_kind[kind], eq.offset + eq.limit
            if not docs or eq.offset >= len(docs):
                result.hits[kind] = []
                continue
            q = Q.And([main, _Only(searcher, docs, _unscored(Q.Term("kind", kind)))])
            if eq.sort == "date":
                hits = searcher.search(q, limit=end, sortedby="date", reverse=True)
            else:
                hits = searcher.search(q, limit=end)
            result.hits[kind] = [int(hit["key"].partition(":")[2]) for hit in hits[eq.offset:]]
        return result

    def snippet(self, parsed, shown: Shown) -> str:
        wanted: set[str] = set()
        prefixes: list[str] = []
        for clause in parsed.must:
            if clause.kind == "prefix":
                prefixes.append(uz_fold(clause.text))
            else:
                wanted.update(f"{lang}:{t}" for lang in LANGUAGES for t in _tokens(lang, clause.text))

        def matches(word: str) -> bool:
            if prefixes and any(uz_fold(word).startswith(p) for p in prefixes):
                return True
            return not wanted.isdisjoint(_word_forms(word.lower()))

        return make_snippet(shown.text, matches)
