"""Benchmark: votes per second in the last-day rush of an initiative budget round, on PostgreSQL.

1. Creates a scratch PostgreSQL database (``--pg``, default postgresql://postgres@127.0.0.1:5432/test
   as the admin connection), migrates it with Alembic, and seeds one round in its voting phase with
   20 eligible projects whose ballot log already holds ``--prefill`` ballots (a valid hash chain,
   each with its voter row and account), as on the last day of a season, plus the voters of the rush.
2. The rush: ``--workers`` processes at once, each casting ``--votes`` ballots for distinct people
   through ``budget_ballots.cast`` (the round-row lock, the one-vote constraint, the chain) and
   committing each ballot in its own transaction, as a web request does.
3. The baseline, in the same run and the same way: the same number of people voting at once on a
   clause of a draft through ``votes.vote_clause`` (the one vote upsert; no chain, no lock).
4. Prints votes per second of both and their ratio; ``--write`` puts the section into BENCHMARKS.md.

    .venv/bin/python bench/bench_budget.py [--workers 4] [--votes 500] [--prefill 50000] [--write]

The scratch database is dropped on exit, also on errors.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SECTION = "## Initiative budget: votes per second in the last-day rush"


def config(url: str, tmp: str) -> dict:
    return {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
            "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": tmp, "SEARCH_PROCESS_ON_REQUEST": False,
            "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "TESTING": False}


def seed(url: str, tmp: str, prefill: int, rush: int) -> dict:
    import flask_migrate
    from sqlalchemy import insert

    from app import create_app
    from app.extensions import db
    from app.models import BudgetBallot, BudgetProject, BudgetVoter, User
    from app.services import budget, revisions
    from app.services.accounts import hash_password
    from app.services.budget_ballots import (
        GENESIS,
        ballot_chain,
        ballot_record,
        receipt_hash,
    )

    app = create_app(config(url, tmp))
    with app.app_context():
        flask_migrate.upgrade()
        now = datetime.now(UTC)
        r = budget.create_round(None, title="Rush", district="Bench district", envelope=10**10,
                                voting_opens=now - timedelta(days=9), voting_closes=now + timedelta(days=1))
        projects = [BudgetProject(round_id=r.id, title=f"Project {i}", mahalla=f"M{i % 7}", cost=10**8,
                                  status="eligible") for i in range(20)]
        db.session.add_all(projects)
        draft = revisions.import_draft(b"# Law\n\n## Article 1\n\nText.\n", fmt="md", title="Baseline law",
                                      agency_name="Bench agency", lang="en", opens_at=now - timedelta(days=1),
                                      closes_at=now + timedelta(days=9), author=None)
        db.session.flush()
        password = hash_password("bench-password")
        total = prefill + 2 * rush
        db.session.execute(insert(User), [{"email": f"b{n}@bench.test", "display_name": f"B{n}",
                                           "password_hash": password, "role": "citizen",
                                           "email_confirmed_at": now - timedelta(days=30),
                                           "session_token": f"{n:032x}", "created_at": now - timedelta(days=30)}
                                          for n in range(total)])
        ids = [u for u, in db.session.execute(db.select(User.id).where(User.email.like("%@bench.test"))
                                              .order_by(User.id))]
        previous, ballots, voters = GENESIS, [], []
        for seq in range(1, prefill + 1):
            at = now - timedelta(days=9) + timedelta(seconds=seq)
            digest = receipt_hash(f"{seq:012X}")
            project = projects[seq % 20].id
            previous = ballot_chain(previous, ballot_record(seq, project, digest, at))
            ballots.append({"round_id": r.id, "seq": seq, "project_id": project, "receipt_hash": digest,
                            "cast_at": at, "chain_hash": previous})
            voters.append({"round_id": r.id, "user_id": ids[seq - 1], "address": "10.0.0.1",
                           "network": "10.0.0.0/24", "cast_at": at})
        for start in range(0, prefill, 5000):
            db.session.execute(insert(BudgetVoter), voters[start:start + 5000])
            db.session.execute(insert(BudgetBallot), ballots[start:start + 5000])
        from app import queries
        clause_key = queries.revision_clauses(queries.current_revision(draft))[-1].key
        db.session.commit()
        return {"round": r.slug, "projects": [p.id for p in projects], "draft": draft.slug, "clause": clause_key,
                "rush_ids": ids[prefill:prefill + rush], "baseline_ids": ids[prefill + rush:]}


def worker(kind: str, url: str, tmp: str, setup: dict, user_ids: list[int], start, out) -> None:
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import BudgetProject, BudgetRound, Draft, User
    from app.services import budget_ballots, votes

    app = create_app(config(url, tmp))
    with app.app_context():
        db.session.execute(select(1))
        start.wait()
        failures = 0
        for n, uid in enumerate(user_ids):
            try:
                user = db.session.get(User, uid)
                if kind == "budget":
                    r = db.session.scalar(select(BudgetRound).where(BudgetRound.slug == setup["round"]))
                    project = db.session.get(BudgetProject, setup["projects"][(uid * 7 + n) % 20])
                    budget_ballots.cast(user, r, project, address=f"10.1.{n % 250}.{uid % 250}")
                else:
                    draft = db.session.scalar(select(Draft).where(Draft.slug == setup["draft"]))
                    votes.vote_clause(user, draft, setup["clause"], 1)
                db.session.commit()
            except Exception:  # noqa: BLE001 - counted and reported
                db.session.rollback()
                failures += 1
            db.session.expunge_all()
        out.put(failures)


def rush(kind: str, url: str, tmp: str, setup: dict, ids: list[int], workers: int) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(workers + 1), ctx.Queue()
    chunks = [ids[i::workers] for i in range(workers)]
    procs = [ctx.Process(target=worker, args=(kind, url, tmp, setup, chunk, start, out)) for chunk in chunks]
    for p in procs:
        p.start()
    start.wait()
    began = time.perf_counter()
    failures = sum(out.get(timeout=1800) for _ in procs)
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join(timeout=60)
    return elapsed, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--votes", type=int, default=500, help="ballots per worker")
    parser.add_argument("--prefill", type=int, default=50_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    import tempfile

    import psycopg

    name = f"muhokama_bench_budget_{os.getpid()}"
    base = args.pg.rpartition("/")[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            n = args.workers * args.votes
            t0 = time.perf_counter()
            setup = seed(url, tmp, args.prefill, n)
            print(f"seeded {args.prefill} ballots in {time.perf_counter() - t0:.1f} s")
            b_time, b_fail = rush("budget", url, tmp, setup, setup["rush_ids"], args.workers)
            c_time, c_fail = rush("clause", url, tmp, setup, setup["baseline_ids"], args.workers)
            check = verify(url, tmp, setup["round"])
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    rows = [("ballots (`budget_ballots.cast`: lock, one-vote constraint, hash chain)", n, b_time, b_fail),
            ("baseline: clause votes (`votes.vote_clause`, the one upsert)", n, c_time, c_fail)]
    command = (f"Command: `.venv/bin/python bench/bench_budget.py --workers {args.workers} --votes {args.votes} "
               f"--prefill {args.prefill} --write`")
    setting = (f"(Python {platform.python_version()}, PostgreSQL on 127.0.0.1, {args.workers} processes at once, "
               f"each vote its own transaction; the ballot log already held {args.prefill:,} ballots; "
               f"recount afterwards: {check}). Noisy shared 2-core machine: read the ratio.")
    lines = [SECTION, "", command, setting, "",
             "| what | votes | seconds | votes/s | failures | ratio |", "|---|---|---|---|---|---|"]
    for label, count, seconds, fails in rows:
        lines.append(f"| {label} | {count} | {seconds:.2f} | {count / seconds:.0f} | {fails} | "
                     f"{(count / seconds) / (rows[1][1] / rows[1][2]):.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        current = path.read_text()
        if SECTION in current:
            head, _, rest = current.partition(SECTION)
            tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
            current = head + text + tail
        else:
            current = current.rstrip("\n") + "\n\n" + text
        path.write_text(current)


def verify(url: str, tmp: str, slug: str) -> str:
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import BudgetRound
    from app.services import budget_ballots

    app = create_app(config(url, tmp))
    with app.app_context():
        result = budget_ballots.recount(db.session.scalar(select(BudgetRound).where(BudgetRound.slug == slug)))
        return f"{result.ballots:,} ballots, chain intact" if result.ok else f"BROKEN at {result.broken}"


if __name__ == "__main__":
    main()
