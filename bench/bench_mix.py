"""Benchmark: a realistic mix of readers, not one cached URL. Every request picks a page at random:
any of the draft's pages, any article's clause page, the list of drafts or a search, in one of the
four interface languages; anonymous and signed-in readers are measured apart (draft and clause
pages are kept once for everyone who would get the same page, each reader's own name, tokens and
offers filled in per request: app/views/shared_pages.py). Each run is repeated and reported
with its spread, beside a bare Flask route measured the same way in the same run.

    .venv/bin/python bench/bench_mix.py [--db sqlite|postgresql] [--duration 10] [--repeat 3]

Seeding is bench/web_data.py's (10,000 comments on a 551-clause draft, 300 citizens); on
PostgreSQL it runs in a database this script creates (``muhokama_bench_mix_<pid>``) and drops. wrk
(-t2 -c32) shares the 2 cores with gunicorn (`--gunicorn`, default -w 2 -k gthread --threads 2): the load generator's share
of the machine is part of every figure, the bare route's included.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_web
import run_db
from bench_web import (
    STARTED,
    Server,
    csrf_token,
    lua_str,
    request,
    session_cookie,
    stop,
    wrk,
)
from web_data import SECRET, SLUG, database_url, seed

LANGUAGES = ("en", "ru", "uz", "uz_Cyrl")

MIX_LUA = """
local paths = {%(paths)s}
local langs = {%(langs)s}
local cookies = {%(cookies)s}
math.randomseed(os.time() + (id or 0))
request = function()
  local headers = {["Cookie"] = "lang=" .. langs[math.random(#langs)]}
  if #cookies > 0 then headers["Cookie"] = headers["Cookie"] .. "; " .. cookies[math.random(#cookies)] end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def paths(data: dict, port: int) -> list[str]:
    """Every page of the draft, every fifth clause page (as linked from those pages), the list of
    drafts and two searches."""
    draft = f"/drafts/{SLUG}"
    pages = -(-data["clauses"] // 60)
    out = [draft] + [f"{draft}?page={p}" for p in range(2, pages + 1)]
    clauses = []
    for page in out[:]:
        status, _, html = request("GET", port, page)
        assert status == 200, (page, status)
        clauses += sorted(set(re.findall(rf'href="({re.escape(draft)}/clauses/[^"#?]+)', html)))
    out += clauses[::5]
    out += ["/drafts", "/search?q=register", "/search?q=deadline+court"]
    return out


def log_in_many(port: int, n: int) -> list[str]:
    """Session cookies of ``n`` seeded citizens, logged in through the real /login form."""
    cookies = []
    for i in range(n):
        status, headers, html = request("GET", port, "/login")
        cookie = session_cookie(headers, None)
        status, headers, _ = request("POST", port, "/login", cookie=cookie, body={
            "email": f"citizen{i}@example.org", "password": "citizen-password", "csrf_token": csrf_token(html)})
        assert status == 302, ("login", status)
        cookie = session_cookie(headers, cookie)
        # the page after logging in shows the welcome message, which leaves the session then (as
        # in a browser); a cookie that kept it would get every page rendered afresh to show it
        status, headers, _ = request("GET", port, "/", cookie=cookie)
        cookies.append(session_cookie(headers, cookie))
    return cookies


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=20,
                        help="seconds of the signed-in mix before measuring: each process clusters the draft's "
                             "comments and fills its caches once (reported apart)")
    parser.add_argument("--gunicorn", default="-w 2 -k gthread --threads 2",
                        help="gunicorn's worker options (default: the deployment's, docs/deploy/muhokama-web.service)")
    parser.add_argument("--shared-seconds", type=int, default=300,
                        help="SHARED_PAGE_SECONDS of the server: 0 renders every page afresh (app/views/shared_pages.py)")
    args = parser.parse_args()
    bench_web.GUNICORN_ARGS = args.gunicorn.split()  # Server reads it when it starts gunicorn
    tmp = Path(tempfile.mkdtemp(prefix="muhokama-bench-mix-"))
    if args.db == "postgresql":
        os.environ["BENCH_DATABASE_URL"] = run_db.create_postgresql("mix")
        os.environ["SEARCH_BACKEND"] = "postgresql"
    try:
        data = seed(tmp, args.comments)
        env = {**os.environ, "DATABASE_URL": database_url(tmp), "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
               "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": "",
               "SHARED_PAGE_SECONDS": str(args.shared_seconds)}
        results: dict[str, list[float]] = {"bare": [], "anonymous": [], "signed in": []}
        p99: dict[str, list[float]] = {k: [] for k in results}
        bare = Server("bare", "bare_app:app", env, tmp, chdir=REPO / "bench")
        app = Server("app", "wsgi:app", env, tmp)
        try:
            bare.wait_ready()
            app.wait_ready(f"/drafts/{SLUG}")
            urls = paths(data, app.port)
            cookies = log_in_many(app.port, 20)
            scripts = {}
            for label, pool in (("anonymous", []), ("signed in", cookies)):
                script = tmp / f"{label.replace(' ', '_')}.lua"
                script.write_text(MIX_LUA % {"paths": ", ".join(lua_str(p) for p in urls),
                                             "langs": ", ".join(lua_str(lang) for lang in LANGUAGES),
                                             "cookies": ", ".join(lua_str(c) for c in pool)})
                scripts[label] = script
            warm = wrk(app.base + "/", args.warmup, scripts["signed in"]) if args.warmup else None
            if warm:
                print(f"  warm-up (signed in, {args.warmup} s): {warm['rps']:.0f} req/s, p99 {warm['p99_ms']:.1f} ms")
            for _ in range(args.repeat):  # interleaved, so drift in the machine's load hits all alike
                for label in results:
                    r = wrk(bare.base + "/", args.duration) if label == "bare" else \
                        wrk(app.base + "/", args.duration, scripts[label])
                    if r["non_2xx_3xx"] or r["socket_errors"]:
                        print(f"  {label}: {r['non_2xx_3xx']} non-2xx, {r['socket_errors']} socket errors")
                    results[label].append(r["rps"])
                    p99[label].append(r["p99_ms"])
                    print(f"  {label}: {r['rps']:.0f} req/s, p99 {r['p99_ms']:.1f} ms", flush=True)
        finally:
            bare.stop()
            app.stop()
        base = statistics.median(results["bare"])
        report = {"db": args.db, "gunicorn": args.gunicorn, "shared_page_seconds": args.shared_seconds, "urls": len(urls), "languages": LANGUAGES, "duration_s": args.duration,
                  "repeat": args.repeat, "load_1min": os.getloadavg()[0], "warmup_s": args.warmup,
                  "warmup": {"req_per_s": round(warm["rps"], 1), "p99_ms": warm["p99_ms"]} if warm else None,
                  "req_per_s": {k: spread(v) for k, v in results.items()},
                  "p99_ms": {k: spread(v) for k, v in p99.items()},
                  "ratio_to_bare": {k: {"median": round(statistics.median(v) / base, 3),
                                        "min": round(min(v) / base, 3), "max": round(max(v) / base, 3)}
                                    for k, v in results.items() if k != "bare"}}
        out = REPO / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / f"mix-{args.db}-shared{args.shared_seconds}.json").write_text(json.dumps(report, indent=1))
        print(json.dumps(report, indent=1))
    finally:
        while STARTED:
            stop(STARTED[-1])
        if args.db == "postgresql":
            run_db.drop_postgresql()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
