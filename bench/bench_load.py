"""Load test: many signed-in people post comments through the real form for a while, on SQLite or
PostgreSQL, served by gunicorn; afterwards every acknowledged submission must be stored exactly once
and nothing else stored. With --kill, one gunicorn worker is killed with SIGKILL mid-run: clients
whose request died send it again with the same idempotency key, as a browser retry would.

1. Creates its own database (a SQLite file in a temporary directory, or a PostgreSQL database named
   ``muhokama_bench_load_<pid>`` that it drops afterwards: it never touches another), migrates it,
   imports a 20-article draft and creates the users (one shared password hash: scrypt is slow).
2. Serves ``wsgi:app`` with gunicorn (``-w 2 -k gthread --threads 2``, or ``--gunicorn``), rate limits off, and the
   bare route of ``bench/bare_app.py`` the same way, measured with the same client for the ratio.
3. Each client thread logs in through /login, reads the CSRF token from a clause page, then posts
   comments (each with its own idempotency key and a body that names it) until the time is up:
   at once after each answer (closed loop: the server flat out), or with ``--rate R`` as posts fall
   due, R a second on average (open loop: the latency at that load, counted from when each post was due).
4. Reconciles against the database, prints req/s and latency percentiles, writes bench/out/load-<db>.json.

    .venv/bin/python bench/bench_load.py --db sqlite --clients 16 --duration 60 [--kill]
    .venv/bin/python bench/bench_load.py --db postgresql --clients 16 --duration 60 [--kill] [--worker]
    .venv/bin/python bench/bench_load.py --db postgresql --clients 32 --duration 60 --rate 200

The load generator runs on the same 2 cores as the server: its share is printed (CPU seconds of
this process against the wall time).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_web
import run_db
from bench_web import Server, csrf_token, session_cookie

PASSWORD = "bench-password-load"
SECRET = "bench-load-secret"
#: as many processes as cores, two threads each to cover the waits on the database: more processes or
#: threads than that only take turns on the 2 cores (BENCHMARKS.md: -w 4 --threads 4 about 190
#: comments/s with p95 140-170 ms; -w 2 --threads 4 about 220/s, 110-130 ms; -w 2 --threads 2 about 230/s, 85-105 ms)
GUNICORN_ARGS = ["-w", "2", "-k", "gthread", "--threads", "2"]
IDLE_SECONDS = 1.5  #: a kept-alive connection idle longer than this is not reused (gunicorn's keepalive: 2 s)


def law(articles: int = 20) -> str:
    out = ["# Law on Load\n"]
    for n in range(1, articles + 1):
        out.append(f"### Article {n}. Rule {n}\n\nEvery office shall answer a letter within {n + 9} days.\n")
    return "\n".join(out)


def seed(url: str, tmp: Path, users: int) -> dict:
    import flask_migrate
    from sqlalchemy import insert

    from app import create_app, queries
    from app.extensions import db
    from app.models import User
    from app.services import accounts, revisions
    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": "", "DEFAULT_TIMEZONE": "UTC",
                      "SEARCH_BACKEND": "postgresql" if url.startswith("postgresql") else "whoosh"})
    with app.app_context():
        flask_migrate.upgrade(directory=str(REPO / "migrations"))
        now = datetime.now(UTC)
        draft = revisions.import_draft(law().encode(), fmt="md", title="Law on Load", agency_name="Ministry",
                                       lang="en", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9),
                                       author=None)
        hashed = accounts.hash_password(PASSWORD)
        db.session.execute(insert(User), [{"email": f"load{i}@example.org", "display_name": f"Load {i}",
                                           "password_hash": hashed, "role": "citizen", "email_confirmed_at": now,
                                           "session_token": secrets.token_hex(16), "created_at": now}
                                          for i in range(users)])
        db.session.commit()
        clauses = [c for c in queries.revision_clauses(queries.current_revision(draft)) if c.text]
        out = {"slug": draft.slug, "clauses": [(c.key, c.eid) for c in clauses]}
        db.engine.dispose()
    return out


class Client:
    """One person in a browser: keeps a connection open, retries a dead request with the same key."""

    def __init__(self, port: int):
        self.port, self.conn, self.cookie, self.used = port, None, None, 0.0

    def send(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        if self.conn is not None and time.monotonic() - self.used > IDLE_SECONDS:
            # gunicorn has closed it by now (keepalive 2 s); a browser sees the close and opens a new
            # connection, it does not send into the dead one and retry
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            text = r.read().decode("utf-8", "replace")
            self.used = time.monotonic()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        found = {k.lower(): v for k, v in r.getheaders()}
        self.cookie = session_cookie(found, self.cookie)
        return r.status, found, text

    def log_in(self, email: str, clause_path: str) -> str:
        _, _, html = self.send("GET", "/login")
        status, _, _ = self.send("POST", "/login", {"email": email, "password": PASSWORD,
                                                    "csrf_token": csrf_token(html)})
        assert status == 302, ("login failed", status)
        status, _, html = self.send("GET", clause_path)
        assert status == 200 and 'name="body"' in html
        # the form's signed start time (a form sent sooner than MIN_FILL_SECONDS after it was shown is a script's)
        m = re.search(r'name="form_started" value="([^"]+)"', html)
        self.started = m.group(1) if m else ""
        return csrf_token(html)


def run_clients(port: int, data: dict, clients: int, duration: float, stats: dict,
                rate: float | None = None) -> None:
    """Closed loop (``rate`` None): each client posts again as soon as it is answered, so the server
    runs flat out and the latency is what ``clients`` people waiting on each other see. Open loop:
    posts are due at ``rate`` a second on average (Poisson arrivals, as from many independent
    people), sent by whichever client is free; a post's latency runs from when it was due, so time
    spent waiting for a free client (the server falling behind) counts too."""
    deadline = time.monotonic() + duration
    lock = threading.Lock()
    arrivals = random.Random(1)
    due = [0.0]

    def start_schedule() -> None:
        due[0] = time.monotonic()

    ready = threading.Barrier(clients, action=start_schedule)

    def next_due() -> float:
        with lock:
            at = due[0]
            due[0] += arrivals.expovariate(rate)
        return at

    def person(i: int) -> None:
        client = Client(port)
        key, eid = data["clauses"][i % len(data["clauses"])]
        token = client.log_in(f"load{i}@example.org", f"/drafts/{data['slug']}/clauses/{eid}")
        time.sleep(3.2)  # a person reads before writing; MIN_FILL_SECONDS is 3
        ready.wait()
        # The session as the page after each post leaves it: a browser follows the redirect and that
        # page shows (and so removes) the post's flash messages. Kept, they would pile up in the
        # cookie, two per post, and every later request would carry and re-sign them.
        signed_in = client.cookie
        n = 0
        while True:
            at = next_due() if rate else time.monotonic()  # when this post is due: its latency runs from here
            if at >= deadline:
                break
            time.sleep(max(0.0, at - time.monotonic()))
            n += 1
            marker = f"load-{i}-{n}"
            form = {"csrf_token": token, "clause_key": key, "stance": "", "quote": "", "parent_id": "",
                    "idempotency_key": secrets.token_urlsafe(18), "body": f"Comment {marker}: answer sooner.",
                    "form_started": client.started, "website": ""}
            tries = 0
            while True:
                tries += 1
                try:
                    status, headers, _ = client.send("POST", f"/drafts/{data['slug']}/comments", form)
                except (OSError, http.client.HTTPException):
                    status = None
                took = time.monotonic() - at
                client.cookie = signed_in
                if status == 302:
                    m = re.search(r"#c(\d+)$", headers.get("location", ""))
                    with lock:
                        stats["latencies"].append(took)
                        stats["answered_at"].append((time.monotonic(), took))
                        stats["first_post"][i] = min(stats["first_post"].get(i, float("inf")), time.monotonic())
                        stats["acknowledged"][marker] = int(m.group(1)) if m else None
                        stats["retries"] += tries - 1
                    break
                with lock:
                    stats["errors"][str(status)] = stats["errors"].get(str(status), 0) + 1
                if tries >= 20:
                    break
                time.sleep(0.05)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def bare_rate(tmp: Path, env: dict, clients: int, seconds: float) -> float:
    server = Server("bare", "bare_app:app", env, tmp, chdir=REPO / "bench")
    try:
        server.wait_ready()
        count = [0]
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def loop():
            client = Client(server.port)
            while time.monotonic() < deadline:
                client.send("GET", "/")
                with lock:
                    count[0] += 1
        threads = [threading.Thread(target=loop) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return count[0] / seconds
    finally:
        server.stop()


def reconcile(url: str, acknowledged: dict) -> dict:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, body FROM comment")).all()
    engine.dispose()
    stored: dict[str, list[int]] = {}
    for comment_id, body in rows:
        m = re.match(r"Comment (load-\d+-\d+):", body)
        stored.setdefault(m.group(1) if m else body, []).append(comment_id)
    doubled = {k: v for k, v in stored.items() if len(v) > 1}
    missing = [k for k in acknowledged if k not in stored]
    unacknowledged = [k for k in stored if k not in acknowledged]
    wrong_id = [k for k, cid in acknowledged.items() if cid is not None and stored.get(k) != [cid]]
    return {"stored": len(rows), "acknowledged": len(acknowledged), "doubled": len(doubled),
            "missing": len(missing), "stored_unacknowledged": len(unacknowledged), "wrong_id": len(wrong_id),
            "ok": not (doubled or missing or unacknowledged or wrong_id)}


def kill_a_worker(server: Server, after: float, killed: list) -> None:
    time.sleep(after)
    out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout.split()
    if out:
        os.kill(int(out[0]), signal.SIGKILL)
        killed.append(int(out[0]))


def steady(stats: dict, ended: float) -> dict:
    """Rate and latency once every client is posting: without the logins and the first form's
    wait (the rate over the whole run understates the load the server carried)."""
    since = max(stats["first_post"].values(), default=ended)
    took = sorted(t for at, t in stats["answered_at"] if at > since)
    if not took or ended - since < 1:
        return {}
    pct = lambda q: round(took[min(len(took) - 1, int(q * len(took)))] * 1000, 1)
    return {"steady_seconds": round(ended - since, 1), "steady_comments_per_s": round(len(took) / (ended - since), 1),
            "steady_p50_ms": pct(0.50), "steady_p95_ms": pct(0.95), "steady_p99_ms": pct(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rate", type=float, default=None,
                        help="open loop: posts due at this many a second (Poisson arrivals) instead of each "
                             "client posting again as soon as it is answered")
    parser.add_argument("--kill", action="store_true", help="SIGKILL one worker halfway through")
    parser.add_argument("--worker", action="store_true",
                        help="a `flask worker` applies the search outbox; requests do not index (SEARCH_PROCESS_ON_REQUEST=0)")
    parser.add_argument("--gunicorn", default=" ".join(GUNICORN_ARGS),
                        help=f"gunicorn's worker options (default: {' '.join(GUNICORN_ARGS)})")
    args = parser.parse_args()
    bench_web.GUNICORN_ARGS = args.gunicorn.split()  # Server reads it when it starts gunicorn
    tmp = Path(tempfile.mkdtemp(prefix="muhokama-load-"))
    if args.db == "postgresql":
        url = run_db.create_postgresql("load")
    else:
        url = f"sqlite:///{tmp / 'load.db'}"
    server = None
    try:
        data = seed(url, tmp, args.clients)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
               "SEARCH_INDEX_DIR": str(tmp / "index"), "PAGE_CACHE_SECONDS": "0",
               "SEARCH_BACKEND": "postgresql" if args.db == "postgresql" else "whoosh"}
        if args.worker:
            env["SEARCH_PROCESS_ON_REQUEST"] = "0"
        bare = bare_rate(tmp, env, args.clients, min(15.0, args.duration / 2))
        worker = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "worker", "--poll", "0.5"],
                                  cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True) if args.worker else None
        server = Server("app", "wsgi:app", env, tmp)
        server.wait_ready()
        stats = {"latencies": [], "acknowledged": {}, "errors": {}, "retries": 0, "answered_at": [], "first_post": {}}
        killed: list[int] = []
        if args.kill:
            threading.Thread(target=kill_a_worker, args=(server, args.duration / 2, killed), daemon=True).start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        run_clients(server.port, data, args.clients, args.duration + 4, stats, args.rate)
        wall, ended = time.perf_counter() - wall0, time.monotonic()
        generator_share = (time.process_time() - cpu0) / wall
        answering = server.proc.poll() is None and Client(server.port).send("GET", "/")[0] == 200
        server.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        check = reconcile(url, stats["acknowledged"])
        lat = sorted(stats["latencies"])
        pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
        result = {"db": args.db, "clients": args.clients, "duration_s": round(wall, 1),
                  "load": f"open loop, {args.rate:g} posts/s due (Poisson)" if args.rate else "closed loop",
                  "gunicorn": args.gunicorn, "comments_per_s": round(len(lat) / wall, 1),
                  "p50_ms": round(pct(0.50), 1), "p95_ms": round(pct(0.95), 1), "p99_ms": round(pct(0.99), 1),
                  "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
                  **steady(stats, ended),
                  "bare_route_per_s": round(bare, 1), "ratio_to_bare": round(len(lat) / wall / bare, 3),
                  "errors": stats["errors"], "retries": stats["retries"], "killed_worker": killed,
                  "still_answering": answering, "search_by_worker": args.worker, "generator_cpu_share_of_one_core": round(generator_share, 2),
                  "reconciliation": check}
        out = REPO / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / f"load-{args.db}{f'-rate{args.rate:g}' if args.rate else ''}{'-kill' if args.kill else ''}{'-worker' if args.worker else ''}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
        if not check["ok"]:
            sys.exit(1)
    finally:
        if server is not None:
            server.stop()
        if args.db == "postgresql":
            run_db.drop_postgresql()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
