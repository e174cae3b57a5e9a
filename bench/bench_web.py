"""Benchmark: the draft page, a clause page and posting a comment, served by gunicorn, against a
bare Flask route served the same way in the same run.

1. Seeds a temporary SQLite database (migrated with Alembic): a 50-chapter x 10-article Markdown
   draft imported through ``revisions.import_draft`` (551 clauses: 500 articles, 50 chapters, the
   title), 10,000 comments on the articles (one hot article has 500 of them; a quarter are replies),
   about 6,000 clause votes from 300 confirmed citizens, and the search index rebuilt from it all.
2. Serves ``bench/bare_app.py`` and then ``wsgi:app`` with gunicorn ``-w 2 -k gthread --threads 4``,
   one at a time, each on a free port (DATABASE_URL, SECRET_KEY, RATELIMIT_ENABLED=0 and
   SEARCH_INDEX_DIR in the environment).
3. Drives each URL with ``wrk -t2 -c32 -d<duration>s --latency`` after a short warm-up: the bare
   route (at the start and again at the end), the draft page's first page (anonymous), the hot
   clause page, and POST /drafts/<slug>/comments with a logged-in session (logged in through the
   real /login form; the CSRF token comes from the clause page; every request has its own body).
4. Prints a table (req/s, p50, p99, ratio to the mean of the two bare runs), writes raw figures to
   bench/out/web.json and, with --write, the "Web app: draft page and posting a comment" section
   of BENCHMARKS.md.

    .venv/bin/python bench/bench_web.py [--db sqlite|postgresql] [--duration 10] [--warmup 2] [--write]

Every process it starts and its temporary directory are removed on exit, also on errors and ^C.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
GUNICORN_ARGS = ["-w", "2", "-k", "gthread", "--threads", "4"]
CONNECTIONS, THREADS = 32, 2
import run_db
from web_data import EMAIL, PASSWORD, SECRET, database_url, seed

SECTION = "## Web app: draft page and posting a comment"


# --- servers --------------------------------------------------------------------------------

STARTED: list[subprocess.Popen] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group, so stopping it stops its workers too."""

    def __init__(self, name: str, app_spec: str, env: dict, tmp: Path, chdir: Path = REPO):
        self.name, self.port = name, free_port()
        self.log = tmp / f"{name}.log"
        argv = [GUNICORN, *GUNICORN_ARGS, "--bind", f"127.0.0.1:{self.port}", "--chdir", str(chdir),
                "--log-level", "warning", "--graceful-timeout", "5", app_spec]
        self.proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self.log.open("wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        STARTED.append(self.proc)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                status, _, _ = request("GET", self.port, path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not answer {path} within {timeout} s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass
    if proc in STARTED:
        STARTED.remove(proc)


def request(method: str, port: int, path: str, *, body: dict | None = None,
            cookie: str | None = None) -> tuple[int, dict, str]:
    """One request without following redirects: (status, lower-cased headers, text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, text
    finally:
        conn.close()


def session_cookie(headers: dict, old: str | None) -> str | None:
    m = re.search(r"(?:^|,\s*)(session=[^;]*)", headers.get("set-cookie", ""))
    return m.group(1) if m else old


def csrf_token(html: str) -> str:
    m = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', html)
    if not m:
        raise RuntimeError("no csrf_token in the page")
    return m.group(1)


def log_in(port: int, clause_path: str) -> tuple[str, str]:
    """Log in through the real /login form; return the session cookie and a comment-form CSRF token."""
    status, headers, html = request("GET", port, "/login")
    cookie = session_cookie(headers, None)
    assert status == 200 and cookie, ("GET /login", status)
    status, headers, _ = request("POST", port, "/login", cookie=cookie, body={
        "email": EMAIL, "password": PASSWORD, "csrf_token": csrf_token(html)})
    assert status == 302, ("POST /login did not redirect: wrong password or CSRF?", status)
    cookie = session_cookie(headers, cookie)
    status, headers, html = request("GET", port, clause_path, cookie=cookie)
    cookie = session_cookie(headers, cookie)  # the session now holds the form's CSRF secret
    assert status == 200 and "Log out" in html and 'name="body"' in html, ("not logged in on", clause_path)
    return cookie, csrf_token(html)


# --- wrk ------------------------------------------------------------------------------------

POST_LUA = """
local keys = {%(keys)s}
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local function enc(s)
  return (s:gsub("[^%%w%%-_%%.~]", function(c) return string.format("%%%%%%02X", string.byte(c)) end))
end
request = function()
  counter = counter + 1
  local key = keys[(counter %% #keys) + 1]
  local body = "csrf_token=" .. enc(%(token)s) .. "&clause_key=" .. enc(key) .. "&stance=&quote=&parent_id="
    .. "&body=" .. enc("Benchmark comment " .. (id or 0) .. "-" .. counter .. ": the deadline should be sixty days.")
  return wrk.format("POST", %(path)s, {["Cookie"] = %(cookie)s,
    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""


def lua_str(s: str) -> str:
    return json.dumps(s)  # a JSON string of ASCII is a valid Lua string literal


def to_ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    n, unit = float(m.group(1)), m.group(2)
    return n * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, duration: int, script: Path | None = None) -> dict:
    argv = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run([*argv, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if "99" not in lat:
        raise RuntimeError(f"no latency distribution in wrk's output:\n{out}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50_ms": to_ms(lat["50"]), "p99_ms": to_ms(lat["99"]),
            "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
            "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0, "raw": out}


def measure(name: str, url: str, args, script: Path | None = None) -> dict:
    if args.warmup and script is None:
        wrk(url, args.warmup)
    result = wrk(url, args.duration, script)
    print(f"  {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms"
          + (f", {result['non_2xx_3xx']} non-2xx/3xx" if result["non_2xx_3xx"] else "")
          + (f", {result['socket_errors']} socket errors" if result["socket_errors"] else ""), flush=True)
    return result


# --- the run --------------------------------------------------------------------------------

def scalar(tmp: Path, sql: str, *params) -> int:
    """One number from the run's database (SQLite file or PostgreSQL), read outside the app."""
    url = database_url(tmp)
    if url.startswith("postgresql"):
        import psycopg
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchone()[0]
    with sqlite3.connect(f"file:{tmp / 'bench.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


def count_comments(tmp: Path) -> int:
    return scalar(tmp, "SELECT count(*) FROM comment")


def shown_count(html: str, eid: str) -> int:
    """The comment count the draft page shows for a clause."""
    section = html[html.index(f'id="{eid}"'):]
    return int(re.search(r"#comments\">(\d+) comments?<", section).group(1))


def run(args, tmp: Path) -> dict:
    print(f"seeding {tmp / 'bench.db'} ...", flush=True)
    data = seed(tmp, args.comments)
    print(f"  {data['clauses']} clauses ({data['articles']} articles), {data['comments']} comments "
          f"({data['replies']} replies), {data['votes']} votes, {data['users']} users; "
          f"seeded in {data['seed_s']} s, search index {data['index_s']} s", flush=True)
    # wrk posts faster than any person: the minimum fill time (a check against bots) is off here,
    # as rate limits are; bench/bench_load.py posts through the human checks
    env = {**os.environ, "DATABASE_URL": database_url(tmp), "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
           "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": "", "MIN_FILL_SECONDS": "0"}
    draft_path = f"/drafts/{data['slug']}"
    clause_path = f"{draft_path}/clauses/{data['hot_eid']}"
    results: dict[str, dict] = {}
    load = [os.getloadavg()[0]]

    def bare(label: str) -> None:
        server = Server("bare", "bare_app:app", env, tmp, chdir=REPO / "bench")
        try:
            server.wait_ready()
            results[label] = measure(label, server.base + "/", args)
        finally:
            server.stop()

    bare("bare (first)")
    server = Server("app", "wsgi:app", env, tmp)
    try:
        server.wait_ready(draft_path)
        status, _, html = request("GET", server.port, draft_path)
        assert status == 200 and shown_count(html, data["hot_eid"]) == data["hot_comments"], "draft page counts"
        results["draft page"] = measure("draft page", server.base + draft_path, args)
        status, _, html = request("GET", server.port, clause_path)
        assert status == 200 and f"{data['hot_comments']} comments" in html, "clause page"
        results["clause page"] = measure("clause page", server.base + clause_path, args)

        cookie, token = log_in(server.port, clause_path)
        script = tmp / "post.lua"
        script.write_text(POST_LUA % {"keys": ", ".join(lua_str(k) for k in data["post_keys"]),
                                      "token": lua_str(token), "cookie": lua_str(cookie),
                                      "path": lua_str(f"{draft_path}/comments")})
        before = count_comments(tmp)
        results["post comment"] = measure("post comment", server.base + draft_path, args, script)
        created = count_comments(tmp) - before
        results["post comment"]["created"] = created
        # the counts on the draft page follow the new comments at once
        _, _, html = request("GET", server.port, draft_path)
        expected = scalar(tmp, "SELECT count(*) FROM comment WHERE clause_key = ? AND status = 'visible'",
                          data["hot_key"])
        results["post comment"]["draft_page_count_ok"] = shown_count(html, data["hot_eid"]) == expected
        print(f"  {created} comments created; draft page shows the new count: "
              f"{results['post comment']['draft_page_count_ok']}", flush=True)
    except BaseException:
        print(server.tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
    # the same pages rendered for every request: what a logged-in reader, or a cache miss, costs
    fresh = Server("app-fresh", "wsgi:app", {**env, "PAGE_CACHE_SECONDS": "0"}, tmp)
    try:
        fresh.wait_ready(draft_path)
        results["draft page, no micro-cache"] = measure("draft page, no micro-cache", fresh.base + draft_path, args)
        results["clause page, no micro-cache"] = measure("clause page, no micro-cache", fresh.base + clause_path, args)
    finally:
        fresh.stop()
    bare("bare (last)")
    load.append(os.getloadavg()[0])
    baseline = (results["bare (first)"]["rps"] + results["bare (last)"]["rps"]) / 2
    for r in results.values():
        r["ratio"] = r["rps"] / baseline
    return {"data": data, "results": results, "baseline_rps": baseline, "load": load,
            "paths": {"draft page": draft_path, "clause page": clause_path, "post comment": f"{draft_path}/comments"}}


def table(report: dict) -> str:
    rows = ["| what | req/s | p50 | p99 | ratio to bare |", "|---|---|---|---|---|"]
    labels = {"bare (first)": "bare Flask route (`bench/bare_app.py`), before", "bare (last)": "bare Flask route, after",
              "draft page": f"GET `{report['paths']['draft page']}` (first page, 60 of {report['data']['clauses']} clauses, anonymous)",
              "clause page": f"GET `/drafts/<slug>/clauses/{report['data']['hot_eid']}` ({report['data']['hot_comments']} comments, 20 threads a page, anonymous)",
              "post comment": "POST `/drafts/<slug>/comments` (logged in, 302)",
              "draft page, no micro-cache": "the same draft page, rendered for every request (`PAGE_CACHE_SECONDS=0`)",
              "clause page, no micro-cache": "the same clause page, rendered for every request"}
    for name, r in report["results"].items():
        rows.append(f"| {labels[name]} | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | "
                    f"{r['ratio']:.0%} |")
    return "\n".join(rows)


def write_section(report: dict, command: str) -> None:
    d = report["data"]
    post, draft = report["results"]["post comment"], report["results"]["draft page"]
    slow = [f"{name} {r['socket_errors']}" for name, r in report["results"].items() if r["socket_errors"]]
    timeouts = (" wrk counted socket errors (requests over its 2 s timeout): " + ", ".join(slow) + ".") if slow else ""
    text = f"""Command: `{command}` ({report['elapsed_s']:.0f} s here; raw wrk output in `bench/out/web.json`).

It seeds a temporary SQLite database (Alembic-migrated): a Markdown draft of 50 chapters x 10 articles
imported through `revisions.import_draft` ({d['clauses']} clauses), {d['comments']:,} comments on the
articles ({d['replies']:,} of them replies; the first article has {d['hot_comments']}), {d['votes']:,} clause
votes by {d['users'] - 1} citizens, and the search index rebuilt. It then serves `bench/bare_app.py` (one
route, a 200-byte page) and `wsgi:app` one at a time with
`gunicorn -w 2 -k gthread --threads 4` (RATELIMIT_ENABLED=0) and drives each URL with
`wrk -t2 -c32 -d{report['duration']}s --latency` after a {report['warmup']} s warm-up. Posting uses a session made by
logging in through `/login` and the comment form's CSRF token; every POST has its own body,
spread over the 50 articles of the first page, and is answered with a 302 after the commit and the
search-index update. Ratios are to the mean of the two bare runs ({report['baseline_rps']:,.0f} req/s);
Python {platform.python_version()}, {os.cpu_count()} cores shared with other jobs (1-minute load
{report['load'][0]:.1f} before, {report['load'][1]:.1f} after).

{table(report)}

**Goal, the draft page at 30% or more of the bare route: {'met' if draft['ratio'] >= 0.3 else 'not met'}
({draft['ratio']:.0%}).**{timeouts} The POST run created {post['created']:,} comments; afterwards the draft page
showed the first article's new comment count ({'correct' if post['draft_page_count_ok'] else 'WRONG'}).

What is kept per process. Anonymous readers get micro-cached pages (app/pagecache.py): each worker
keeps a rendered public page for `PAGE_CACHE_SECONDS` (2 s), keyed by path, language and time zone,
so their counts can lag by at most that long; logged-in readers, who may just have commented or
voted, always get a fresh page. Under that, for every render: the HTML of each page of a revision's
clauses is rendered once per (revision id, chain hash, page, links) with stand-ins for the three
counts, filled in per request in the reader's language (a revision never changes); and the draft's
counts, deadline changes and revisions are kept under a stamp read at the start of the request
(`Draft.updated_at`, bumped by `activity.touch_activity` with every comment and vote, and the newest
`Comment.updated_at`), so they are never stale. Nothing is shared between workers; tests/test_reading.py
checks with a second app on the same database that a new comment, a vote and a hidden comment show at
once, and tests/test_pagecache.py that members always see fresh counts. A fresh render of the draft
page costs about 3 ms in process (five small queries, the page shell and Flask; a bare route about
0.3 ms); a clause page about 10-25 ms, mostly dates and Markdown of its comments (rendered Markdown is
kept per process); a POST about 24 ms, two thirds of it the Whoosh index update of the new comment
after the commit. SQLite serialises writers; since the index update stopped holding the database's
write lock while Whoosh writes its segment (app/search/outbox.py), posting went from 25-48 to about
100 comments a second here; a worker that finds the index busy leaves its rows to the next one.
"""
    path = REPO / "BENCHMARKS.md"
    doc = path.read_text()
    start = doc.index(SECTION) + len(SECTION)
    nxt = doc.find("\n## ", start)
    end = nxt if nxt != -1 else len(doc)
    path.write_text(doc[:start] + "\n\n" + text + doc[end:])
    print(f"wrote the section {SECTION[3:]!r} of {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk warm-up before each GET run")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (for debugging)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: a database this run creates (and drops), search on PostgreSQL too")
    args = parser.parse_args()
    for tool in (GUNICORN, WRK):
        if not Path(tool).exists():
            sys.exit(f"{tool} is missing")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below on kill too
    tmp = Path(tempfile.mkdtemp(prefix="muhokama-bench-web-"))
    started = time.monotonic()
    if args.db == "postgresql":
        os.environ["BENCH_DATABASE_URL"] = run_db.create_postgresql("web")
        os.environ["SEARCH_BACKEND"] = "postgresql"
    try:
        report = run(args, tmp)
        report.update(duration=args.duration, warmup=args.warmup, argv=sys.argv[1:],
                      elapsed_s=time.monotonic() - started)
        print()
        print(table(report))
        out = REPO / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / "web.json").write_text(json.dumps(report, indent=1, default=str))
        if args.write:
            command = ".venv/bin/python bench/bench_web.py" + "".join(
                f" {a}" for a in sys.argv[1:] if a not in ("--keep",))
            write_section(report, command)
    finally:
        while STARTED:
            stop(STARTED[-1])
        if args.db == "postgresql":
            run_db.drop_postgresql()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
