"""Spike test (issue 13): a steady load, then ten times that load for 60 s, then the steady load
again. Every request must be served or refused with 429/503 and ``Retry-After``; no gunicorn worker
may die; latency must come back; every acknowledged comment is stored exactly once.

1. Seeds a database like bench/bench_load.py (SQLite file, or a PostgreSQL database it creates
   and drops), serves ``wsgi:app`` with gunicorn (``bench_load.GUNICORN_ARGS``), rate limits off,
   ``MAX_QUEUE_SECONDS`` = 2: the generator stamps each request with ``X-Request-Start`` as nginx
   does, so a request that waited in gunicorn's queue longer than that is refused with 503 at once.
2. Open-loop arrivals (a request every 1/rate seconds whatever the answers, as crowds arrive):
   ``--rate`` per second for ``--before`` s, ten times that for ``--spike`` s, ``--rate`` for
   ``--after`` s. Nine in ten requests read (a clause page, anonymous, or the draft page); one in ten
   posts a comment as one of 40 signed-in people, with its own idempotency key.
3. Prints per phase: answered, served, 429, 503 (and how many carried Retry-After), other statuses
   and connection errors, p50/p95/p99 of the served; the worker pids before and after; the
   reconciliation of the comments, and a per-second series by the second a request was sent (sent,
   served, refused, served median, slowest). Writes bench/out/spike-<db>.json.

    .venv/bin/python bench/bench_spike.py --db sqlite|postgresql [--rate 40] [--spike 60]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_load
import bench_web
import run_db
from bench_load import SECRET, Client, reconcile, seed
from bench_web import Server

SIGNED_IN = 40
CONNECTIONS = 600  #: the generator's connections in flight at most


def workers(server: Server) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True, check=False).stdout
    return {int(p) for p in out.split()}


def one_request(port: int, method: str, path: str, headers: dict, body: dict | None) -> tuple:
    headers = {**headers, "X-Request-Start": f"t={time.time():.3f}"}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, time.perf_counter() - started
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, {}, time.perf_counter() - started
    finally:
        conn.close()


def per_second(timeline: list[tuple[float, object, float]]) -> list[dict]:
    """By the second a request was sent: how many, how answered, and the served ones' median."""
    seconds: dict[int, list] = {}
    for sent, status, took in timeline:
        seconds.setdefault(int(sent), []).append((status, took))
    out = []
    for second in sorted(seconds):
        rows = seconds[second]
        served = sorted(t for s, t in rows if isinstance(s, int) and s < 400)
        out.append({"s": second, "sent": len(rows), "served": len(served),
                    "refused": sum(s in (429, 503) for s, _ in rows),
                    "served_p50_ms": round(served[len(served) // 2] * 1000) if served else None,
                    "slowest_ms": round(max(t for _, t in rows) * 1000)})
    return out


def main() -> None:
    bench_web.GUNICORN_ARGS = bench_load.GUNICORN_ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rate", type=float, default=40, help="steady arrivals per second")
    parser.add_argument("--before", type=float, default=20)
    parser.add_argument("--spike", type=float, default=60)
    parser.add_argument("--after", type=float, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="muhokama-spike-"))
    if args.db == "postgresql":
        url = run_db.create_postgresql("spike")
    else:
        url = f"sqlite:///{tmp / 'spike.db'}"
    server = None
    try:
        data = seed(url, tmp, SIGNED_IN)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
               "SEARCH_INDEX_DIR": str(tmp / "index"), "MAX_QUEUE_SECONDS": "2",
               "SEARCH_BACKEND": "postgresql" if args.db == "postgresql" else "whoosh"}
        server = Server("app", "wsgi:app", env, tmp)
        server.wait_ready()
        slug = data["slug"]
        people = []
        for i in range(SIGNED_IN):
            client = Client(server.port)
            key, eid = data["clauses"][i % len(data["clauses"])]
            token = client.log_in(f"load{i}@example.org", f"/drafts/{slug}/clauses/{eid}")
            people.append((client.cookie, token, client.started, key))
        time.sleep(3.2)  # the forms' minimum fill time
        pids_before = workers(server)
        phases = [("before", args.before, args.rate), ("spike", args.spike, args.rate * 10),
                  ("after", args.after, args.rate)]
        results: dict[str, list] = {name: [] for name, _, _ in phases}
        acknowledged: dict[str, int | None] = {}
        lock = threading.Lock()
        counter = iter(range(10**9))

        def fire(phase: str) -> None:
            n = next(counter)
            sent_at = time.perf_counter() - wall0
            if n % 10 == 9:
                cookie, token, started, key = people[n % SIGNED_IN]
                marker = f"load-{n % SIGNED_IN}-{n}"
                form = {"csrf_token": token, "clause_key": key, "stance": "", "quote": "", "parent_id": "",
                        "idempotency_key": secrets.token_urlsafe(18), "form_started": started, "website": "",
                        "body": f"Comment {marker}: answer sooner."}
                status, headers, took = one_request(server.port, "POST", f"/drafts/{slug}/comments",
                                                    {"Cookie": cookie}, form)
                if status == 302:
                    m = headers.get("location", "").rpartition("#c")[2]
                    with lock:
                        acknowledged[marker] = int(m) if m.isdigit() else None
            else:
                _key, eid = data["clauses"][n % len(data["clauses"])]
                path = f"/drafts/{slug}/clauses/{eid}" if n % 3 else f"/drafts/{slug}"
                status, headers, took = one_request(server.port, "GET", path, {}, None)
            with lock:
                results[phase].append((status, "retry-after" in headers, took))
                timeline.append((sent_at, status, took))

        # At most CONNECTIONS requests in flight: an arrival finding them all busy is not sent and
        # is counted as such (queued here, it would reach the server late and blur the phases).
        free = threading.BoundedSemaphore(CONNECTIONS)
        not_sent: dict[str, int] = {}
        timeline: list[tuple[float, object, float]] = []  # (sent, s after the start; status; seconds)

        def arrive(phase: str) -> None:
            try:
                fire(phase)
            finally:
                free.release()

        cpu0, wall0 = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
            for name, seconds, rate in phases:
                start = time.perf_counter()
                sent = 0
                while (elapsed := time.perf_counter() - start) < seconds:
                    due = int(elapsed * rate)
                    while sent < due:
                        if free.acquire(blocking=False):
                            pool.submit(arrive, name)
                        else:
                            not_sent[name] = not_sent.get(name, 0) + 1
                        sent += 1
                    time.sleep(0.002)
                print(f"  {name}: {sent} requests offered in {seconds:.0f} s ({rate:.0f}/s), "
                      f"{not_sent.get(name, 0)} not sent (all {CONNECTIONS} connections busy)", flush=True)
        generator_share = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        pids_after = workers(server)
        alive = server.proc.poll() is None
        server.stop()
        check = reconcile(url, acknowledged)
        report = {"db": args.db, "gunicorn": " ".join(bench_load.GUNICORN_ARGS), "max_queue_seconds": 2,
                  "rate": args.rate, "phases": {}, "workers_before": sorted(pids_before),
                  "workers_after": sorted(pids_after), "no_worker_died": pids_before == pids_after and alive,
                  "generator_cpu_share_of_one_core": round(generator_share, 2), "reconciliation": check}
        for name, rows in results.items():
            served = sorted(t for s, _, t in rows if isinstance(s, int) and s < 400)
            refused = [(s, ra) for s, ra, _ in rows if s in (429, 503)]
            other: dict[str, int] = {}
            for s, _, _ in rows:
                if not (isinstance(s, int) and (s < 400 or s in (429, 503))):
                    other[str(s)] = other.get(str(s), 0) + 1
            pct = (lambda q, v=served: round(v[min(len(v) - 1, int(q * len(v)))] * 1000, 1) if v else None)
            report["phases"][name] = {
                "not_sent_connections_busy": not_sent.get(name, 0), "answered": len(rows), "served": len(served), "refused_429": sum(s == 429 for s, _ in refused),
                "refused_503": sum(s == 503 for s, _ in refused),
                "refused_with_retry_after": sum(ra for _, ra in refused), "other": other,
                "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99)}
        report["per_second"] = per_second(timeline)
        out = REPO / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / f"spike-{args.db}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        every_answer_ok = all(not p["other"] and p["refused_with_retry_after"] == p["refused_429"] + p["refused_503"]
                              for p in report["phases"].values())
        if not (every_answer_ok and report["no_worker_died"] and check["ok"]):
            sys.exit(1)
    finally:
        if server is not None:
            server.stop()
        if args.db == "postgresql":
            run_db.drop_postgresql()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
