"""Benchmark: the consultation report page of a draft with 10,000 comments against the same draft's
page rendered fresh (every per-process cache emptied first), in the same run and process.

1. Seeds a temporary SQLite database with ``bench/web_data.py`` (the draft of bench_web.py: 551
   clauses, 10,000 comments of which a quarter are replies, about 6,000 votes from 300 citizens),
   then answers 200 comments officially (staff, 1 hour to 5 days later) so the answer-time figures
   have data.
2. Through the Flask test client (no network, no server): GET /drafts/<slug> with the activity
   counts, the clause HTML and the clause cache emptied before each request (a fresh render), and
   GET /drafts/<slug>/report (which caches nothing), alternating, ``--repeat`` times each.
3. Prints the medians and their ratio (goal: the report within 10x the fresh draft page) and, with
   --write, the "Consultation report page" section of BENCHMARKS.md.

    .venv/bin/python bench/bench_report.py [--repeat 15] [--write]
"""
from __future__ import annotations

import argparse
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from web_data import SECRET, database_url, seed

SECTION = "## Consultation report page"


def add_answers(tmp: Path, slug: str, n: int = 200) -> None:
    from sqlalchemy import insert, select

    from app import config, create_app
    from app.extensions import db
    from app.models import Comment, Draft
    from app.services import accounts
    app = create_app({**config.from_env(), "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url(tmp),
                      "RATELIMIT_ENABLED": False, "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": ""})
    rng = random.Random(7)
    with app.app_context():
        staff = accounts.create_user(email="staff@bench.example.org", password="bench-password-1",
                                     display_name="Bench staff", role="staff", agency_name="Ministry of Benchmarks",
                                     confirmed=True)
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        roots = db.session.execute(select(Comment).where(Comment.draft_id == draft.id, Comment.parent_id.is_(None))
                                   .order_by(Comment.id).limit(n)).scalars().all()
        db.session.execute(insert(Comment), [
            {"draft_id": draft.id, "revision_id": c.revision_id, "clause_key": c.clause_key, "parent_id": c.id,
             "root_id": c.id, "author_id": staff.id, "body": "Official answer.", "status": "visible",
             "is_official": True, "created_at": c.created_at + timedelta(hours=rng.uniform(1, 120)),
             "updated_at": c.created_at} for c in roots])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def measure(tmp: Path, slug: str, repeat: int) -> dict:
    from app import config, create_app, queries
    from app.views import reading
    app = create_app({**config.from_env(), "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url(tmp),
                      "RATELIMIT_ENABLED": False, "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": "",
                      "PAGE_CACHE_SECONDS": 0})
    client = app.test_client()

    def fresh_draft_page():
        app.extensions.pop("muhokama.activity", None)
        reading._clause_sections.cache_clear()
        queries.clauses_by_id.cache_clear()
        return client.get(f"/drafts/{slug}")

    pages = {"draft page, fresh": fresh_draft_page, "report page": lambda: client.get(f"/drafts/{slug}/report")}
    times: dict[str, list[float]] = {name: [] for name in pages}
    for name, get in pages.items():  # warm-up: imports, templates compiled
        assert get().status_code == 200, name
    for _ in range(repeat):
        for name, get in pages.items():
            started = time.perf_counter()
            response = get()
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    report_html = client.get(f"/drafts/{slug}/report").get_data(as_text=True)
    assert "200 comments answered officially" in report_html, "the answers were not counted"
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="muhokama-bench-report-"))
    try:
        info = seed(tmp, 10_000)
        add_answers(tmp, info["slug"])
        medians = measure(tmp, info["slug"], args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = medians["draft page, fresh"]
    rows = [f"| {name} | {value * 1000:.0f} ms | {value / base:.1f}x |" for name, value in medians.items()]
    table = "\n".join(["| page (10,000 comments, 551 clauses) | median | ratio to the fresh draft page |",
                       "|---|---|---|", *rows])
    print(table)
    if args.write:
        text = (f"{SECTION}\n\nCommand: `.venv/bin/python bench/bench_report.py --repeat {args.repeat} --write` "
                f"(Python {platform.python_version()}, in-process Flask test client, SQLite, median of "
                f"{args.repeat} requests each, alternating). The draft of `bench_web.py` (551 clauses, "
                f"{info['comments']:,} comments, {info['votes']:,} votes) with 200 official answers. \"Fresh\": "
                "the activity counts, clause HTML and clause caches emptied before each request. Goal: the "
                "report within 10x the fresh draft page.\n\n" + table + "\n")
        path = REPO / "BENCHMARKS.md"
        current = path.read_text()
        pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.DOTALL)
        path.write_text(pattern.sub(text.rstrip("\n"), current) if SECTION in current
                        else current.rstrip("\n") + "\n\n" + text)


if __name__ == "__main__":
    main()
