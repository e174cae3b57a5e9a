"""Benchmark: bulk import of comments received by other channels (issue 13: 75,000 comments in at
most 60 s, all or nothing, a second run adds nothing).

1. A fresh database (SQLite file, or a PostgreSQL database this run creates and drops) with a
   500-article draft of bench/web_data.py.
2. A CSV of ``--rows`` letters (default 75,000): bodies cycled from the real comments of
   ../shared/corpus/comments when present (generated sentences otherwise), each naming a random
   article, with a stance and a ``ref``.
3. Times the import as ``flask drafts import-comments`` does it (read + check every row + bulk
   insert + commit), then the same file again (adds nothing), then the search outbox drained into the
   index (separately: the comments are stored and shown before that).

    .venv/bin/python bench/bench_comment_import.py [--db sqlite|postgresql] [--rows 75000]
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
import run_db
from web_data import SECRET, markdown_draft

CORPUS = REPO.parent / "shared" / "corpus" / "comments"
FILLER = ["The deadline is too short for small farms.", "Please publish the register online as well.",
          "Article wording is unclear about who pays.", "Mahalla offices need the text on paper."]


def bodies() -> list[str]:
    found = []
    for path in sorted(CORPUS.glob("*/comments.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                text = (row.get("txt") or row.get("comment-body") or row.get("body") or "").strip()
                if 5 <= len(text) <= 5000:
                    found.append(text)
    return found or FILLER


def letters_csv(rows: int, articles: int) -> bytes:
    rng = random.Random(13)
    texts = bodies()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ref", "name", "body", "clause", "stance", "channel"])
    for i in range(rows):
        writer.writerow([f"L-{i}", f"Sender {i}", texts[i % len(texts)], f"Article {rng.randint(1, articles)}",
                         rng.choice(["for", "against", "neutral", ""]), rng.choice(["post", "email", "paper"])])
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=75_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="muhokama-import-"))
    if args.db == "postgresql":
        url = run_db.create_postgresql("import")
    else:
        url = f"sqlite:///{tmp / 'import.db'}"
    try:
        import flask_migrate
        from sqlalchemy import func, select

        from app import config, create_app
        from app.clock import utcnow
        from app.extensions import db
        from app.models import Comment
        from app.search import get_backend, outbox
        from app.services import accounts, comment_imports, revisions

        app = create_app({**config.from_env(), "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": "",
                          "SEARCH_BACKEND": "postgresql" if args.db == "postgresql" else "whoosh"})
        with app.app_context():
            flask_migrate.upgrade()
            staff = accounts.create_user(email="clerk@bench.example.org", password="bench-password-1",
                                         display_name="Clerk", role="staff", agency_name="Ministry of Benchmarks",
                                         confirmed=True)
            draft = revisions.import_draft(markdown_draft().encode(), fmt="md", title="Law on Benchmarks",
                                           agency_name="Ministry of Benchmarks", lang="en",
                                           opens_at=utcnow() - timedelta(days=1),
                                           closes_at=utcnow() + timedelta(days=30), author=None)
            db.session.commit()
            outbox.drain(get_backend(), blocking=True)
            data = letters_csv(args.rows, 500)
            timings = {}
            for run in ("first", "again"):
                started = time.perf_counter()
                rows = comment_imports.read_rows(data, "csv")
                result = comment_imports.import_comments(staff, draft, rows, channel="post", consent=True)
                db.session.commit()
                timings[run] = (time.perf_counter() - started, result)
            stored = db.session.scalar(select(func.count()).select_from(Comment))
            started = time.perf_counter()
            while outbox.process(get_backend(), blocking=True, limit=5000):
                pass
            indexing = time.perf_counter() - started
        first, again = timings["first"], timings["again"]
        report = {"db": args.db, "rows": args.rows, "file_mb": round(len(data) / 1e6, 1),
                  "import_s": round(first[0], 1), "comments_per_s": round(args.rows / first[0]),
                  "added": first[1].added, "again_s": round(again[0], 1), "again_added": again[1].added,
                  "stored": stored, "search_indexing_s": round(indexing, 1),
                  "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
        print(json.dumps(report, indent=2))
        if stored != args.rows or again[1].added:
            sys.exit(1)
    finally:
        if args.db == "postgresql":
            run_db.drop_postgresql()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
