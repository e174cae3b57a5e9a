"""Benchmark: the web diff page on the largest corpus act.

Imports de-bgb v1.md and v6.md as revisions 1 and 2 of one draft (through the services, on a
temporary SQLite file), then times through the Flask test client, in the same process and run:

* GET /drafts/<slug>/diff?from=1&to=2 cold (the first request: clauses read, compared, rendered)
  and warm (the comparison cached by the revisions' chain hashes; median of --repeat);
* the reverse diff 2 -> 1 once: clauses and templates already loaded, so the comparison alone;
* the side-by-side view, the JSON API and the last page of the diff, warm;
* baselines: GET /drafts/<slug> (the draft's first page, warm) and GET /api/v1/ (a bare route).

    .venv/bin/python bench/bench_diff_page.py [--corpus DIR] [--act de-bgb] [--old v1.md] [--new v6.md] [--repeat 5]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed(client, url: str) -> tuple[float, int, int]:
    """(seconds, status, bytes) of one GET."""
    t = time.perf_counter()
    r = client.get(url)
    elapsed = time.perf_counter() - t
    return elapsed, r.status_code, len(r.data)


def median_of(client, url: str, repeat: int) -> tuple[float, int, int]:
    runs = [timed(client, url) for _ in range(repeat)]
    assert all(status == 200 for _, status, _ in runs), (url, runs)
    return statistics.median(t for t, _, _ in runs), runs[0][1], runs[0][2]


def make_app(tmp: Path):
    import flask_migrate

    from app import config, create_app
    app = create_app({**config.from_env(), "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
                      "RATELIMIT_ENABLED": False, "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": ""})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--act", default="de-bgb")
    parser.add_argument("--old", default="v1.md")
    parser.add_argument("--new", default="v6.md")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    old_path, new_path = args.corpus / args.act / args.old, args.corpus / args.act / args.new
    if not old_path.exists() or not new_path.exists():
        sys.exit(f"corpus files not found: {old_path}, {new_path}")

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        logging.disable(logging.INFO)
        from app import queries
        from app.extensions import db
        from app.services import revisions
        from drafts.lineage import totals as change_totals
        now = datetime.now(UTC)
        with app.app_context():
            t = time.perf_counter()
            draft = revisions.import_draft(old_path.read_bytes(), fmt="md", title=args.act, agency_name="Bench",
                                          lang="en", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
                                          author=None, filename=old_path.name)
            db.session.commit()
            t_import = time.perf_counter() - t
            t = time.perf_counter()
            revisions.revise_draft(draft, new_path.read_bytes(), fmt="md", note="bench", author=None,
                                                filename=new_path.name)
            db.session.commit()
            t_revise = time.perf_counter() - t
            slug = draft.slug
        client = app.test_client()
        diff_url = f"/drafts/{slug}/diff?from=1&to=2"
        cold = timed(client, diff_url)
        warm = median_of(client, diff_url, args.repeat)
        # clauses and templates already loaded: what comparing (word diffs included) costs alone
        reverse = timed(client, f"/drafts/{slug}/diff?from=2&to=1")
        side = median_of(client, diff_url + "&view=side", args.repeat)
        api = median_of(client, f"/api/v1/drafts/{slug}/diff?from=1&to=2", args.repeat)
        html = client.get(diff_url).get_data(as_text=True)
        pages = int(html.split("Page 1 of ")[1].split("<")[0]) if "Page 1 of " in html else 1
        last = median_of(client, f"{diff_url}&page={pages}", args.repeat)
        page_draft = median_of(client, f"/drafts/{slug}", args.repeat)
        bare = median_of(client, "/api/v1/", args.repeat)
        with app.app_context():
            from app.models import Draft
            d = db.session.scalar(db.select(Draft).where(Draft.slug == slug))
            old, new = queries.revision_by_number(d, 1), queries.revision_by_number(d, 2)
            rows = queries.comparison(old, new)
            totals = change_totals(rows)

    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"act {args.act}: {args.old} -> {args.new}; {len(rows)} rows {totals}; diff pages: {pages}")
    print(f"setup: import {t_import:.2f} s, revise (align + store + after_new_revision) {t_revise:.2f} s")
    print(f"GET diff cold (first request)   {ms(cold[0]):>10}  {cold[2] // 1024} KB")
    print(f"GET diff warm (median of {args.repeat})      {ms(warm[0]):>10}  {warm[2] // 1024} KB")
    print(f"GET diff 2->1, first request    {ms(reverse[0]):>10}  (clauses and templates cached, comparison not)")
    print(f"GET diff side by side, warm     {ms(side[0]):>10}  {side[2] // 1024} KB")
    print(f"GET diff last page ({pages}), warm   {ms(last[0]):>10}  {last[2] // 1024} KB")
    print(f"GET API diff JSON, warm         {ms(api[0]):>10}  {api[2] // 1024} KB")
    print(f"baseline GET draft page 1, warm {ms(page_draft[0]):>10}  {page_draft[2] // 1024} KB")
    print(f"baseline GET /api/v1/ (bare)    {ms(bare[0]):>10}")


if __name__ == "__main__":
    main()
