"""Search benchmark: every act and version of ../shared/corpus plus 100,000 comments (the real Polis
comments, repeated with variations), indexed by Whoosh, by PostgreSQL full text and, as a baseline
measured in the same run, by SQLite FTS5. Reports indexing time, index size and p50/p95 latency of
61 fixed queries (words, phrases with stop words, clause numbers).

    nice .venv/bin/python bench/bench_search.py [--comments 100000] [--out bench/out/search]

Needs PostgreSQL on 127.0.0.1:5432 (database muhokama_bench is dropped and recreated).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# ../shared/corpus from the main checkout, ../../shared/corpus from a worktree under /work/wt
CORPUS = next((p for p in (REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus")
               if (p / "index.json").exists()), REPO.parent / "shared" / "corpus")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"

QUERIES = [
    "tax", "income tax", "self-employed", "minimum wage", '"minimum wage"', "affordable housing", "rent",
    "electoral reform", "proportional representation", "concussion", "police", "young people", "climate",
    "water quality", "universal basic income", "brexit", "referendum", "public transport", "school*",
    "regulat*", "tax -income", "housing -rent", '"local government"', "what does the tax code say about self-employed?",
    "who commented on article 12?", "deadline for filing", "penalty", "contract", "property owner", "inheritance",
    "Steuer", "Landwirtschaft", "Fleisch", "Eigentümer", "Kaufvertrag", '"Treu und Glauben"', "Betäubungsmittel",
    "Schadensersatz", "Mieter", "налог", "налогоплательщик", "налоговый орган", '"налоговый орган"', "самозанятые",
    "штраф", "qonun", "soliq", "privacy data", "veterans benefits", "council meeting",
    # exact phrases with stop words inside, at the start or at the end (issue 12)
    '"the Mayor of the District of Columbia"', '"in accordance with the"', '"в соответствии с настоящим Кодексом"',
    '"von der Leistung"',
    # clause numbers: the named clause first
    "Article 4", "Статья 2", "ст. 2", "§ 2-502", "§ 433", "Sec. 101", "4-modda",
]


def load_corpus(app, n_comments: int, seed: int = 42) -> dict:
    """Drafts and revisions through the app's own parser; comments and users in bulk."""
    from sqlalchemy import delete, insert, select

    import drafts
    from app.extensions import db
    from app.models import Clause, Comment, Draft, Revision, SearchOutbox, User
    from app.services import accounts, revisions
    rng = random.Random(seed)
    index = json.loads((CORPUS / "index.json").read_text())
    now = datetime.now(UTC)
    stats = {"drafts": 0, "revisions": 0, "clauses": 0}
    with app.app_context():
        for i, act in enumerate(index["acts"]):
            agency = accounts.get_or_create_agency(f"Agency {i % 3 + 1}")
            closes = now + timedelta(days=30) if i % 2 == 0 else now - timedelta(days=1)
            draft = Draft(slug=act["id"], title=act["title"][:300], summary=f"{act['jurisdiction']} {act['title']}",
                          agency=agency, language=act["language"], published=True,
                          opens_at=now - timedelta(days=60), closes_at=closes, current_revision_number=1)
            db.session.add(draft)
            db.session.flush()
            parent = None
            for v in range(1, act["versions"] + 1):
                doc = drafts.load((CORPUS / act["id"] / f"v{v}.md").read_bytes(), fmt="md")
                parent = revisions._add_revision(draft, doc.clauses(), number=v, parent=parent, note="",
                                                author=None, fmt="md")
                draft.current_revision_number = v
                stats["revisions"] += 1
            stats["drafts"] += 1
            db.session.commit()
        stats["clauses"] = db.session.scalar(select(db.func.count()).select_from(Clause))
        users = [{"email": f"u{i}@example.org", "display_name": f"Citizen {i}", "password_hash": "x",
                  "role": "citizen", "session_token": f"{i:032x}", "created_at": now} for i in range(2000)]
        db.session.execute(insert(User), users)
        user_ids = list(db.session.scalars(select(User.id)))
        heads = {}
        for d in db.session.scalars(select(Draft)):
            rev = db.session.scalar(select(Revision).where(Revision.draft_id == d.id,
                                                           Revision.number == d.current_revision_number))
            keys = list(db.session.scalars(select(Clause.key).where(Clause.revision_id == rev.id)))
            heads[d.id] = (rev.id, keys)
        bodies = []
        for path in sorted((CORPUS / "comments").glob("*/comments.csv")):
            with path.open(newline="", encoding="utf-8") as fh:
                bodies += [row["comment-body"] for row in csv.DictReader(fh) if row.get("comment-body")]
        openers = ["", "", "I think ", "In my view, ", "Honestly, ", "As a resident: ", "Agree: ", "Note: "]
        draft_ids = sorted(heads)
        rows = []
        for i in range(n_comments):
            body = bodies[i % len(bodies)]
            if i >= len(bodies):  # repeated: vary the opening and drop or swap a word
                words = body.split()
                if len(words) > 4:
                    j = rng.randrange(len(words) - 1)
                    words[j], words[j + 1] = words[j + 1], words[j]
                body = rng.choice(openers) + " ".join(words)
            draft_id = rng.choice(draft_ids)
            rev_id, keys = heads[draft_id]
            rows.append({"draft_id": draft_id, "revision_id": rev_id,
                         "clause_key": rng.choice(keys) if keys and rng.random() < 0.7 else None,
                         "author_id": rng.choice(user_ids), "body": body[:5000],
                         "status": "hidden" if rng.random() < 0.02 else "visible", "is_official": False,
                         "created_at": now - timedelta(minutes=n_comments - i),
                         "updated_at": now - timedelta(minutes=n_comments - i)})
            if len(rows) == 5000:
                db.session.execute(insert(Comment), rows)
                rows = []
        if rows:
            db.session.execute(insert(Comment), rows)
        db.session.execute(delete(SearchOutbox))
        db.session.commit()
        stats["comments"] = n_comments
    return stats


def make_app(url: str, index_dir: Path, backend: str):
    import flask_migrate

    from app import create_app
    from app.extensions import db
    from tests.conftest import make_config
    app = create_app(make_config(url, index_dir.parent, SEARCH_BACKEND=backend, SEARCH_INDEX_DIR=str(index_dir),
                                 TESTING=False))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return app


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] if len(samples) > 1 else samples[0]


def measure(fn, rounds: int) -> dict:
    first = []
    for q in QUERIES:  # warm-up: caches, searchers, plans; reported as the first pass
        t = time.perf_counter()
        fn(q)
        first.append((time.perf_counter() - t) * 1000)
    samples = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(pct(samples, 50), 1), "p95_ms": round(pct(samples, 95), 1),
            "max_ms": round(max(samples), 1), "n": len(samples),
            "first_pass_p50_ms": round(pct(first, 50), 1), "first_pass_p95_ms": round(pct(first, 95), 1)}


def bench_engine(app, rounds: int) -> dict:
    """Index from scratch, then time the engine alone and the whole search (DB hits + snippets)."""
    from sqlalchemy import text

    from app.extensions import db
    from app.search import get_backend, service
    from app.search.outbox import all_docs as _all_docs
    out = {}
    with app.test_request_context():
        backend = get_backend()
        t = time.perf_counter()
        out["documents"] = backend.rebuild(_all_docs())
        db.session.commit()
        out["index_s"] = round(time.perf_counter() - t, 1)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # planner statistics and visibility maps after the bulk loads, as autovacuum leaves
                # a live database (without them, index-only scans of hidden comments read the table)
                conn.execute(text("VACUUM ANALYZE"))
        out["engine"] = measure(lambda q: backend.search(service_query(q)), rounds)
        out["full_search"] = measure(lambda q: service.search(service.Spec(q=q)), rounds)
        out["hits_per_query"] = {q: service.search(service.Spec(q=q)).total for q in QUERIES[:10] + QUERIES[50:]}
        db.session.commit()
    return out


def service_query(q: str):
    """What service.search asks the engine for a first page (drafts resolved as it does)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft
    from app.search import EngineQuery
    from app.search.analysis import parse_query
    from app.search.documents import KINDS
    current = dict(db.session.execute(select(Draft.id, Draft.current_revision_number)).all())
    return EngineQuery(parsed=parse_query(q), kinds=list(KINDS), current_revisions=current, limit=5)


def fts5_match(q: str, any_word: bool = False) -> str | None:
    """The FTS5 query for ``q``; with ``any_word``, the service's fallback when no document has
    every word: any of them, less English stop words (as the engines drop them there)."""
    from app.search.analysis import parse_query
    from app.search.whoosh_backend import _tokens
    parsed = parse_query(q)
    quote = lambda s: '"' + s.replace('"', "") + '"'
    parts = [quote(c.text) + ("*" if c.kind == "prefix" else "") for c in parsed.must
             if not any_word or c.kind == "prefix" or _tokens("en", c.text)]
    if not parts or (any_word and len(parsed.must) < 2):
        return None
    match = (" OR " if any_word else " AND ").join(parts)
    if parsed.must_not:
        match = f"({match}) NOT ({' OR '.join(quote(c.text) for c in parsed.must_not)})"
    return match


def bench_fts5(app, path: Path, rounds: int) -> dict:
    """The same documents in an FTS5 table (porter stemming: English only), doing the engine's work:
    only visible documents (clauses of current revisions), counts by kind, language and draft, the
    top 5 of each kind, and the any-word fallback when no document has every word (also timed
    without it, as earlier runs did)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft
    from app.search.outbox import all_docs as _all_docs
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, kind UNINDEXED, oid UNINDEXED, "
                "lang UNINDEXED, draft UNINDEXED, cur UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')")
    with app.app_context():
        current = dict(db.session.execute(select(Draft.id, Draft.current_revision_number)).all())
        t = time.perf_counter()
        n = 0
        for doc in _all_docs():
            cur = int(doc.kind != "clause" or current.get(doc.draft_id) == doc.revision)
            con.execute("INSERT INTO fts VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (doc.title, f"{doc.body} {doc.context}", doc.kind, doc.object_id, doc.lang, doc.draft_id, cur))
            n += 1
        con.commit()
        index_s = time.perf_counter() - t

    def run(q: str, fallback: bool = True):
        for any_word in (False, True) if fallback else (False,):
            match = fts5_match(q, any_word)
            if match is None:
                return
            counts = con.execute("SELECT kind, lang, draft, count(*) FROM fts WHERE fts MATCH ? AND cur = 1 "
                                 "GROUP BY kind, lang, draft", (match,)).fetchall()
            for kind in ("draft", "clause", "comment"):
                con.execute("SELECT oid FROM fts WHERE fts MATCH ? AND kind = ? AND cur = 1 ORDER BY rank LIMIT 5",
                            (match, kind)).fetchall()
            if counts:
                return

    result = {"documents": n, "index_s": round(index_s, 1), "engine": measure(run, rounds),
              "engine_without_fallback": measure(lambda q: run(q, fallback=False), rounds)}
    con.close()
    result["size_mb"] = round(path.stat().st_size / 2**20, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "search")
    args = parser.parse_args()
    import psycopg
    from sqlalchemy import text

    from app.extensions import db
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    report = {"comments": args.comments, "queries": len(QUERIES), "rounds": args.rounds}

    sqlite_url = f"sqlite:///{args.out / 'bench.db'}"
    app = make_app(sqlite_url, args.out / "whoosh", "whoosh")
    t = time.perf_counter()
    report["corpus"] = load_corpus(app, args.comments)
    report["load_s"] = round(time.perf_counter() - t, 1)
    report["whoosh"] = bench_engine(app, args.rounds)
    report["whoosh"]["size_mb"] = round(dir_size(args.out / "whoosh") / 2**20, 1)
    print(json.dumps(report, indent=1), flush=True)
    report["sqlite_fts5"] = bench_fts5(app, args.out / "fts5.db", args.rounds)
    print(json.dumps(report["sqlite_fts5"], indent=1), flush=True)

    # A database of this run's own: created here (failing rather than reusing a name that exists)
    # and dropped here, so the benchmark never drops a database it did not create.
    pg_name = f"muhokama_bench_search_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{pg_name}"')
    try:
        pg_app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}", args.out / "unused",
                          "postgresql")
        load_corpus(pg_app, args.comments)
        report["postgresql"] = bench_engine(pg_app, args.rounds)
        with pg_app.app_context():
            report["postgresql"]["size_mb"] = round(db.session.scalar(
                text("SELECT pg_total_relation_size('search_document')")) / 2**20, 1)
            db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    (args.out / "report.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
