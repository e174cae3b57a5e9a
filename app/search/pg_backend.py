"""The PostgreSQL full-text engine, for deployments with several app machines.

Documents live in ``search_document`` (migration 0002): a ``tsvector`` per document built with the
text search configuration of its language (english, russian, german; Uzbek is folded and stemmed
in Python, then indexed with 'simple'), under a GIN index. Queries are built per configuration from
the same parsed query as Whoosh (websearch_to_tsquery for words and phrases, to_tsquery for
prefixes), and visibility is joined from the live tables at query time. Writes happen inside the
outbox transaction, so the index and the outbox commit together.
"""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from app import queries
from app.extensions import db
from app.models import BudgetProject, Comment
from app.search.analysis import (
    LANGUAGES,
    MARK_END,
    MARK_START,
    detect_language,
    index_text,
    make_snippet,
    uz_analyze,
    uz_fold,
    uz_stem,
)
from app.search.base import Backend, EngineQuery, EngineResult
from app.search.documents import SearchDoc, Shown

#: the one visibility rule (app.queries.public) as SQL over the table ``comment``, for the raw query below
_PUBLIC_COMMENT = str(queries.public(Comment).compile(dialect=postgresql.dialect(),
                                                      compile_kwargs={"literal_binds": True}))

CONFIGS = {"en": "english", "ru": "russian", "de": "german", "uz": "simple", "plain": "simple"}
_KIND_CLASS = {"draft": 7301, "clause": 7302, "comment": 7303, "revision": 7304, "project": 7305}
#: the one visibility rule for projects, as SQL against the joined budget_project row
PUBLIC_PROJECT = str(queries.public(BudgetProject).compile(dialect=postgresql.dialect(),
                                                           compile_kwargs={"literal_binds": True}))
_LEXEME = re.compile(r"\w+")


def _uz_text(value: str) -> str:
    return " ".join(uz_analyze(value))


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "") + "'"


class PgBatch:
    def __init__(self):
        self.rows: list[dict] = []

    def claim(self, kind: str, object_id: int) -> bool:
        """Take a per-object lock for this transaction, or skip the row if another worker has it,
        so two workers never write an older version of the same document last."""
        return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:c, :o)"),
                                      {"c": _KIND_CLASS.get(kind, 7399), "o": object_id}))

    def upsert(self, docs: list[SearchDoc]) -> None:
        if docs:
            db.session.execute(_UPSERT, [_row(d) for d in docs])

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            kind, _, object_id = key.partition(":")
            db.session.execute(text("DELETE FROM search_document WHERE kind = :k AND object_id = :o"),
                               {"k": kind, "o": int(object_id)})


def _row(doc: SearchDoc) -> dict:
    lang = doc.lang if doc.lang in LANGUAGES else "en"
    title, body = index_text(doc.title), " ".join(filter(None, (index_text(doc.body), index_text(doc.context))))
    if lang == "uz":
        title, body = _uz_text(title), _uz_text(body)
    return {"kind": doc.kind, "oid": doc.object_id, "draft": doc.draft_id, "rev": doc.revision, "lang": lang,
            "date": doc.date, "cfg": CONFIGS[lang], "title": title.replace("\x00", ""),
            "body": body.replace("\x00", "")}


_UPSERT = text("""
INSERT INTO search_document (kind, object_id, draft_id, revision, lang, date, tsv)
VALUES (:kind, :oid, :draft, :rev, :lang, :date,
        setweight(to_tsvector(CAST(:cfg AS regconfig), :title), 'A')
        || setweight(to_tsvector(CAST(:cfg AS regconfig), :body), 'B'))
ON CONFLICT (kind, object_id) DO UPDATE SET draft_id = EXCLUDED.draft_id, revision = EXCLUDED.revision,
    lang = EXCLUDED.lang, date = EXCLUDED.date, tsv = EXCLUDED.tsv
""")


_HEADLINE_OPTS = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12"  # ts_headline's


class PostgresBackend(Backend):
    name = "postgresql"
    filters_visibility = True  # joins comment and budget_project and applies the one rule
    indexes_in_database = True

    @contextmanager
    def writing(self, *, blocking: bool):
        yield PgBatch()  # row locks and SKIP LOCKED in the outbox query keep workers apart

    def rebuild(self, docs) -> int:
        db.session.execute(text("DELETE FROM search_document"))
        batch, n = PgBatch(), 0
        chunk: list[SearchDoc] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) >= 1000:
                batch.upsert(chunk)
                n += len(chunk)
                chunk = []
        batch.upsert(chunk)
        return n + len(chunk)

    def stats(self) -> dict[str, int]:
        rows = db.session.execute(text("SELECT kind, count(*) FROM search_document GROUP BY kind")).all()
        counts = {kind: n for kind, n in rows}
        counts["total"] = sum(counts.values())
        return counts

    # --- queries ---

    def _clause_sql(self, clause, lang: str, params: dict) -> str | None:
        """tsquery SQL for one clause in one language, or None when it has no lexemes there."""
        key = f"p{len(params)}"
        cfg = CONFIGS[lang]
        if lang == "uz":
            if clause.kind == "prefix":
                words = _LEXEME.findall(uz_fold(clause.text))
                if not words:
                    return None
                params[key] = " <-> ".join(_quote(w) for w in words) + ":*"
            else:
                stems = [uz_stem(w) for w in _LEXEME.findall(uz_fold(clause.text))]
                if not stems:
                    return None
                params[key] = " <-> ".join(_quote(s) for s in stems)
            return f"to_tsquery('simple', :{key})"
        if clause.kind == "prefix":
            words = _LEXEME.findall(clause.text.lower())
            if not words:
                return None
            params[key] = " <-> ".join(_quote(w) for w in words) + ":*"
            return f"to_tsquery('{cfg}', :{key})"
        params[key] = f'"{clause.text}"' if clause.kind == "phrase" else clause.text.replace('"', " ")
        return f"websearch_to_tsquery('{cfg}', :{key})"

    def _lang_query(self, eq: EngineQuery, lang: str, params: dict) -> str:
        joiner = " || " if eq.any_terms else " && "
        must = [s for s in (self._clause_sql(c, lang, params) for c in eq.parsed.must) if s]
        if not must:
            return "''::tsquery"
        sql = "(" + joiner.join(must) + ")"
        nots = [s for s in (self._clause_sql(c, lang, params) for c in eq.parsed.must_not) if s]
        if nots:
            sql += " && !!(" + " || ".join(nots) + ")"
        return sql

    def _query_groups(self, eq: EngineQuery) -> dict[str, list[str]]:
        """Each language's tsquery, worked out first, as tsquery text -> the languages that share it.
        A document matches its own language's query; when every language has the same one ("tax"
        stems alike in all), no document is read twice over to check its language's."""
        params: dict = {}
        sql = ", ".join(f"CAST({self._lang_query(eq, lang, params)} AS text)" for lang in LANGUAGES)
        texts = db.session.execute(text(f"SELECT {sql}"), params).one()
        groups: dict[str, list[str]] = {}
        for lang, tsquery in zip(LANGUAGES, texts, strict=True):
            if tsquery:  # no lexemes in this language: none of its documents can match
                groups.setdefault(tsquery, []).append(lang)
        return groups

    def search(self, eq: EngineQuery) -> EngineResult:
        result = EngineResult()
        if not eq.parsed.must:
            return result
        params: dict = {"kinds": list(eq.kinds), "lim": eq.offset + eq.limit, "off": eq.offset}
        groups = self._query_groups(eq)
        if not groups:
            return result
        where = ["(dr.published OR d.kind = 'project')"]
        if not eq.all_revisions:
            where.append("(d.kind <> 'clause' OR d.revision = dr.current_revision_number)")
        if eq.only_drafts is not None:
            where.append("d.draft_id = ANY(:only)")
            params["only"] = sorted(eq.only_drafts)
        if eq.lang:
            where.append("d.lang = :lang")
            params["lang"] = eq.lang
        if eq.date_from:
            where.append("d.date >= :dfrom")
            params["dfrom"] = eq.date_from
        if eq.date_to:
            where.append("d.date <= :dto")
            params["dto"] = eq.date_to
        order = "d.date DESC, d.object_id DESC" if eq.sort == "date" else "rank DESC, d.object_id"
        matches, cases = [], []
        for i, (tsquery, langs) in enumerate(groups.items()):
            params[f"g{i}"], params[f"l{i}"] = tsquery, langs
            matches.append(f"d.tsv @@ q.g{i}" if len(groups) == 1 and len(langs) == len(LANGUAGES)
                           else f"(d.tsv @@ q.g{i} AND d.lang = ANY(:l{i}))")
            cases.append(f"WHEN d.lang = ANY(:l{i}) THEN q.g{i}")
        rank_query = "q.g0" if len(groups) == 1 else f"CASE {' '.join(cases)} END"
        sql = f"""
WITH q AS MATERIALIZED (SELECT {', '.join(f'CAST(:g{i} AS tsquery) AS g{i}' for i in range(len(groups)))}),
m AS MATERIALIZED (
  SELECT d.kind, d.object_id, d.lang, d.draft_id, d.date, ts_rank(d.tsv, {rank_query}) AS rank
  FROM search_document d CROSS JOIN q
  LEFT JOIN draft dr ON dr.id = d.draft_id
  WHERE ({' OR '.join(matches)})
    AND d.kind = ANY(:kinds)
    AND (d.kind <> 'comment' OR d.object_id NOT IN (SELECT comment.id FROM comment WHERE NOT {_PUBLIC_COMMENT}))
    AND (d.kind <> 'project' OR d.object_id NOT IN (SELECT budget_project.id FROM budget_project
                                                    WHERE NOT {PUBLIC_PROJECT})) AND {' AND '.join(where)}
)
SELECT 'hit' AS facet, kind, object_id::text AS value, rn AS n FROM (
  SELECT d.kind, d.object_id, row_number() OVER (PARTITION BY d.kind ORDER BY {order}) AS rn FROM m d
) x WHERE rn > :off AND rn <= :lim
UNION ALL SELECT 'kind', kind, kind, count(*) FROM m GROUP BY kind
UNION ALL SELECT 'lang', NULL, lang, count(*) FROM m GROUP BY lang
UNION ALL SELECT 'draft', NULL, draft_id::text, count(*) FROM m GROUP BY draft_id
"""
        ranked: dict[str, list[tuple[int, int]]] = {}
        for facet, kind, value, n in db.session.execute(text(sql), params):
            if facet == "hit":  # UNION ALL keeps no order: n is the rank within the kind
                ranked.setdefault(kind, []).append((n, int(value)))
            else:
                result.counts.setdefault(facet, Counter())[value] = n
        result.hits = {kind: [oid for _, oid in sorted(rows)] for kind, rows in ranked.items()}
        return result

    def snippet(self, parsed, shown: Shown) -> str:
        source = shown.text
        lang = detect_language(source, shown.lang)
        if lang == "uz":
            stems = {uz_stem(w) for c in parsed.must if c.kind != "prefix" for w in _LEXEME.findall(uz_fold(c.text))}
            prefixes = [uz_fold(c.text) for c in parsed.must if c.kind == "prefix"]
            return make_snippet(source, lambda w: uz_stem(uz_fold(w)) in stems
                                or any(uz_fold(w).startswith(p) for p in prefixes))
        params: dict = {"src": source.replace("\x00", ""),
                        "opts": _HEADLINE_OPTS}
        query = self._lang_query(_SnippetQuery(parsed), lang, params)
        return db.session.scalar(text(f"SELECT ts_headline('{CONFIGS[lang]}', :src, {query}, :opts)"), params)

    def snippets(self, parsed, shown: list[Shown]) -> list[str]:
        """One ``ts_headline`` query per language of the hits, not one per hit."""
        out: list[str | None] = [None] * len(shown)
        by_lang: dict[str, list[int]] = {}
        for i, hit in enumerate(shown):
            lang = detect_language(hit.text, hit.lang)
            if lang == "uz":
                out[i] = self.snippet(parsed, hit)
            else:
                by_lang.setdefault(lang, []).append(i)
        for lang, members in by_lang.items():
            params: dict = {"srcs": [shown[i].text.replace("\x00", "") for i in members],
                            "opts": _HEADLINE_OPTS}
            query = self._lang_query(_SnippetQuery(parsed), lang, params)
            rows = db.session.execute(text(
                f"SELECT ts_headline('{CONFIGS[lang]}', s.src, q.q, :opts) FROM (SELECT {query} AS q) q, "
                "unnest(CAST(:srcs AS text[])) WITH ORDINALITY AS s(src, n) ORDER BY s.n"), params).scalars().all()
            for i, snippet in zip(members, rows, strict=True):
                out[i] = snippet
        return [s or "" for s in out]


class _SnippetQuery:
    """The parts of an EngineQuery that building a tsquery reads, for snippets."""

    def __init__(self, parsed):
        self.parsed = parsed
        self.any_terms = True
