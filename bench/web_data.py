"""Seed data for bench/bench_web.py: a 551-clause draft with 10,000 comments, replies and votes,
imported through the app's own services into a migrated SQLite file."""
from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SLUG = "law-on-benchmarks"
EMAIL, PASSWORD = "bench@example.org", "bench-password-1"
SECRET = "bench-web-secret-key"


def database_url(tmp: Path) -> str:
    """A SQLite file in the run's directory, or BENCH_DATABASE_URL (a PostgreSQL database the
    benchmark created for itself)."""
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"


def markdown_draft(chapters: int = 50, articles: int = 10) -> str:
    words = ["the", "authority", "shall", "publish", "every", "decision", "within", "thirty", "days", "of",
             "its", "adoption", "and", "keep", "a", "public", "register", "of", "reasons", "open", "to", "anyone"]
    rng = random.Random(7)
    out = ["# Law on Benchmarks\n"]
    n = 0
    for c in range(1, chapters + 1):
        out.append(f"## Chapter {c}. Provisions of part {c}\n")
        for _ in range(articles):
            n += 1
            out.append(f"### Article {n}. Rule {n}\n")
            for p in range(1, 3):
                out.append(f"({p}) " + " ".join(rng.choice(words) for _ in range(rng.randint(25, 45))).capitalize() + ".\n")
    return "\n".join(out)


def seed(tmp: Path, n_comments: int, n_users: int = 300, seed_value: int = 42) -> dict:
    """Create and fill the database; returns what the load needs (slug, hot clause, keys)."""
    import flask_migrate
    from sqlalchemy import delete, insert, select, text

    from app import config, create_app, queries
    from app.extensions import db
    from app.models import Clause, ClauseVote, Comment, SearchOutbox, User
    from app.search import get_backend
    from app.search.outbox import all_docs as _all_docs
    from app.services import accounts, revisions

    started = time.perf_counter()
    app = create_app({**config.from_env(), "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": database_url(tmp),
                      "RATELIMIT_ENABLED": False, "SEARCH_INDEX_DIR": str(tmp / "index"), "MAIL_SERVER": ""})
    rng = random.Random(seed_value)
    with app.app_context():
        flask_migrate.upgrade()
        accounts.create_user(email=EMAIL, password=PASSWORD, display_name="Bench Reader", confirmed=True)
        now = datetime.now(UTC)
        draft = revisions.import_draft(markdown_draft().encode(), fmt="md", title="Law on Benchmarks",
                                      agency_name="Ministry of Benchmarks", lang="en", opens_at=now - timedelta(days=10),
                                      closes_at=now + timedelta(days=30), author=None, slug=SLUG)
        db.session.commit()
        revision = queries.current_revision(draft)
        articles = db.session.execute(select(Clause.key, Clause.eid).where(
            Clause.revision_id == revision.id, Clause.kind == "article").order_by(Clause.position)).all()
        total_clauses = len(queries.revision_clauses(revision))

        one_hash = accounts.hash_password("citizen-password")  # scrypt is slow: one hash for all
        first_uid = db.session.scalar(select(User.id).order_by(User.id.desc())) + 1
        db.session.execute(insert(User), [
            {"id": first_uid + i, "email": f"citizen{i}@example.org", "display_name": f"Citizen {i}",
             "password_hash": one_hash, "role": "citizen", "email_confirmed_at": now - timedelta(days=20),
             "session_token": f"{i:032x}", "created_at": now - timedelta(days=20)} for i in range(n_users)])
        user_ids = list(range(first_uid, first_uid + n_users))

        # comments: one hot article (the first) has 5%, the rest follow a long tail over all articles
        hot_key, hot_eid = articles[0]
        weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(articles))]
        rng.shuffle(weights)
        keys = [k for k, _ in articles]
        n_hot = n_comments // 20
        chosen = [hot_key] * n_hot + rng.choices(keys, weights=weights, k=n_comments - n_hot)
        rng.shuffle(chosen)
        roots: dict[str, list[int]] = {}
        rows = []
        start = now - timedelta(days=9)
        step = timedelta(days=9) / n_comments
        phrases = ("I support this rule, but the deadline is too short for small municipalities.",
                   "Who pays for the register? The law should say so.",
                   "Thirty days is fine; please add an appeal to the court.",
                   "This repeats Article 2. Merge them.", "The wording is unclear: what is a decision?",
                   "Agree.", "Please publish the reasons in Uzbek and Russian as well.")
        for i, key in enumerate(chosen, start=1):
            when = start + step * i
            parent = root = None
            if roots.get(key) and rng.random() < 0.25:  # a reply to an earlier thread of this clause
                root = rng.choice(roots[key])
                parent = root
            else:
                roots.setdefault(key, []).append(i)
            rows.append({"id": i, "draft_id": draft.id, "revision_id": revision.id, "clause_key": key,
                         "parent_id": parent, "root_id": root, "author_id": rng.choice(user_ids),
                         "body": f"{rng.choice(phrases)} (comment {i})",
                         "stance": rng.choice((None, "for", "against", "neutral")), "status": "visible",
                         "is_official": False, "created_at": when, "updated_at": when})
        db.session.execute(insert(Comment), rows)

        votes = []
        for uid in user_ids:
            for key in rng.sample(keys, 20):
                votes.append({"user_id": uid, "draft_id": draft.id, "clause_key": key, "revision_id": revision.id,
                              "value": 1 if rng.random() < 0.6 else -1, "created_at": now, "updated_at": now})
        db.session.execute(insert(ClauseVote), votes)
        if db.engine.dialect.name == "postgresql":  # rows inserted with their ids: move the sequences on
            for table in ("comment", "user_account"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        seeded = time.perf_counter() - started

        # the search index, as `flask search rebuild` makes it, so posting indexes one comment at a time
        t = time.perf_counter()
        get_backend().rebuild(_all_docs())
        db.session.execute(delete(SearchOutbox))
        db.session.commit()
        indexed = time.perf_counter() - t
        db.session.remove()
        db.engine.dispose()
    page_keys = [k for k, _ in articles[:50]]  # articles of the draft's first page, for posting
    return {"slug": SLUG, "hot_key": hot_key, "hot_eid": hot_eid, "hot_comments": chosen.count(hot_key),
            "post_keys": page_keys, "clauses": total_clauses, "articles": len(articles), "comments": n_comments,
            "replies": sum(1 for r in rows if r["parent_id"]), "votes": len(votes), "users": n_users + 1,
            "seed_s": round(seeded, 1), "index_s": round(indexed, 1)}


