"""Several worker processes writing to one SQLite file at once: nobody sees "database is locked"."""
import multiprocessing as mp

from conftest import login, make_config
from sqlalchemy import func, select

from app.extensions import db
from app.models import ClauseVote, Comment


def _worker(url, tmp, user_ids, slug, key, eid, n, out):
    from app import create_app
    app = create_app(make_config(url, tmp))
    statuses = []
    for uid in user_ids:
        client = app.test_client()
        with app.app_context():
            from app.models import User
            email = db.session.get(User, uid).email
        statuses.append(login(client, email).status_code)
        for i in range(n):
            statuses.append(client.post(f"/drafts/{slug}/comments",
                                        data={"body": f"c{uid}-{i}", "clause_key": key}).status_code)
            statuses.append(client.post(f"/drafts/{slug}/clauses/{eid}/vote",
                                        data={"value": "1" if i % 2 else "-1"}).status_code)
    out.put(statuses)


def test_parallel_writers_never_fail(app, make_user, make_draft, tmp_path):
    slug = make_draft()
    with app.app_context():
        from app import queries
        from app.models import Draft
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = queries.revision_clauses(queries.current_revision(draft))[-1]
    users = [make_user() for _ in range(4)]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, tmp_path, [u], slug, clause.key, clause.eid, 15, out))
             for u in users]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    statuses = [s for r in results for s in r]
    assert set(statuses) == {302}, f"some writes failed: {sorted(set(statuses))}"  # each a redirect to the result
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 60
        assert db.session.scalar(select(func.count()).select_from(ClauseVote)) == 4
