"""The Whoosh engine (whoosh3): files in SEARCH_INDEX_DIR, one process writes at a time.

With its helpers whoosh_sets and whoosh_rank, the only modules that import whoosh. Each document's text goes into
the fields of its language, analysed there (Snowball stemming for en/ru/de, the light stemmer of
analysis.py for Uzbek, after folding Cyrillic Uzbek to Latin). A query word is analysed by every
language's analyser and may match in any of them. Searchers are reused and reopened when the index
changed; writers wait for the lock only when asked to (``flask search process``), so a web request
never waits for another worker.
"""
from __future__ import annotations

import fcntl
import logging
import re
import threading
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
from whoosh.collectors import TopCollector
from whoosh.fields import DATETIME, ID, TEXT, Schema
from whoosh.writing import CLEAR

from app.search.analysis import (
    LANGUAGES,
    index_text,
    make_snippet,
    same_chars,
    uz_fold,
    uz_stem,
)
from app.search.base import Backend, EngineQuery, EngineResult
from app.search.documents import KINDS, SearchDoc, Shown
from app.search.whoosh_rank import Ranking
from app.search.whoosh_sets import GapPhrase, Only, Segment, View, known_phrases

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
    phrase in "tax on the income" (as in PostgreSQL), and one-character words stay (whoosh drops
    them by default, and with them the "4" of "Article 4"; the stop lists hold the letters)."""
    if lang == "uz":
        return RegexTokenizer() | LowercaseFilter() | UzbekStemFilter()
    if lang == "plain":
        return RegexTokenizer() | LowercaseFilter()
    return (RegexTokenizer() | LowercaseFilter() | StopFilter(lang=lang, renumber=False, minsize=1)
            | StemFilter(lang=lang))


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
    text = same_chars(text)
    return uz_fold(text) if lang == "uz" else text


def _tokens(lang: str, text: str) -> list[str]:
    return [t.text for t in ANALYZERS[lang](_fold(lang, text))]


def _phrase(name: str, lang: str, text: str) -> Q.Query | None:
    """The words of ``text`` at the distances they have there: stop words are not indexed but
    keep their place, so "engaged in work" is "engag", then "work" two words later."""
    tokens = [(t.text, t.pos) for t in ANALYZERS[lang](_fold(lang, text), positions=True)]
    if not tokens:
        return None
    if len(tokens) == 1:
        return Q.Term(name, tokens[0][0])
    words, offsets = [w for w, _ in tokens], [p - tokens[0][1] for _, p in tokens]
    if offsets == list(range(len(words))):
        return Q.Phrase(name, words)
    return GapPhrase(name, words, offsets)


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
    body, context = index_text(doc.body), index_text(doc.context)
    return {"key": doc.key, "kind": doc.kind, "draft": str(doc.draft_id),
            "rev": f"{doc.draft_id}:{doc.revision}" if doc.kind == "clause" else "-",
            "lang": lang, "date": _utc_naive(doc.date),
            f"x_{lang}": " ".join((title, _fold(lang, body), _fold(lang, context))),
            f"t_{lang}": title}


class WhooshBackend(Backend):
    name = "whoosh"
    shortlists = True  #: rank only the matches that can make the page (False: all, to compare)

    def __init__(self, directory: str):
        self.dir = Path(directory)
        self._ix = None
        self._local = threading.local()
        self._segments: dict[str, Segment] = {}  # by segment id, shared by this process's threads

    # --- the index files ---

    def _index(self):
        if self._ix is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(self.dir / ".create.lock", "w") as fh:  # two workers starting at once create it once
                fcntl.flock(fh, fcntl.LOCK_EX)
                if not whoosh_index.exists_in(str(self.dir)):
                    whoosh_index.create_in(str(self.dir), _schema())
                fcntl.flock(fh, fcntl.LOCK_UN)
            ix = whoosh_index.open_dir(str(self.dir))
            missing = {name: field for name, field in _schema().items() if name not in ix.schema.names()}
            if missing:  # an index made before a field was added (e.g. "plain" languages): add it
                writer = ix.writer(timeout=LOCK_TIMEOUT)
                for name, field in missing.items():
                    writer.add_field(name, field)
                writer.commit()
                ix = whoosh_index.open_dir(str(self.dir))
            self._ix = ix
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

    def _view(self, searcher) -> View:
        view = getattr(self._local, "view", None)
        if view is None or view.searcher is not searcher:
            view = self._local.view = View(searcher, self._segments)
            live = view.segment_ids()
            self._segments = {k: v for k, v in self._segments.items() if k in live}  # merged away: forget
        return view

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = self._local.view = None

    def stats(self) -> dict[str, int]:
        searcher = self._searcher()
        counts = {kind: searcher.doc_frequency("kind", kind) for kind in KINDS}
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
            found = [q for q in (_phrase(name, lang, clause.text) for name in names) if q is not None]
            if not found:
                stop_langs.append(lang)
            parts += found
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
        # Any word: the sum of their scores, so more of the words rank higher (as in PostgreSQL).
        # Not whoosh's coordination bonus (Or's scale): it depends on which matchers the collector
        # has dropped so far, so the same document could score differently on another page.
        main = Q.Or(must) if eq.any_terms else Q.And(must)
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
        """Match as sets (whoosh_sets), drop what may not be seen, count, then rank only the visible
        matches of each kind with the query pages were always ranked by."""
        result = EngineResult()
        main, result.dropped = self._query(eq)
        if main is None:
            return result
        searcher = self._searcher()
        view = self._view(searcher)
        found = view.docs(main, view.unseen(eq.current_revisions, eq.hidden_drafts, eq.all_revisions))
        if eq.exclude_keys and found:
            found -= view.keyed(frozenset(eq.exclude_keys))
        by_kind = view.split(found)
        result.counts = view.counts(found, by_kind)
        ranking = None
        if self.shortlists and eq.sort != "date":  # scored once for the kinds asked for, not per kind
            ranking = Ranking(view, main, set().union(*(by_kind[kind] for kind in eq.kinds)))
        for kind in eq.kinds:
            docs, end = by_kind[kind], eq.offset + eq.limit
            if not docs or eq.offset >= len(docs):
                result.hits[kind] = []
                continue
            settled = None
            if ranking is not None:  # whoosh_rank: the page itself, or the few that can make it
                settled, docs = ranking.page(docs, end)
            if settled is not None:
                keys = [searcher.stored_fields(d)["key"] for d in settled[eq.offset:]]
            else:
                candidates = set(docs)
                ranked = known_phrases(main, searcher, lambda phrase, c=candidates: sorted(view.phrase_docs(phrase, c)))
                q = Q.And([ranked, Only(searcher, docs, _unscored(Q.Term("kind", kind)))])
                if eq.sort == "date":
                    hits = searcher.search(q, limit=end, sortedby="date", reverse=True)
                else:  # every match scored: whoosh's pruning (replace) dropped tied hits of a full page
                    collector = TopCollector(end, usequality=False, replace=0)
                    searcher.search_with_collector(q, collector)
                    hits = collector.results()
                keys = [hit["key"] for hit in hits[eq.offset:]]
            result.hits[kind] = [int(key.partition(":")[2]) for key in keys]
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
