"""Bulk import of comments received by letter, email or on paper: checked whole, all or nothing,
and a second run of the same file adds nothing."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

CSV = ("ref,name,body,clause,quote,stance,channel\r\n"
       "L-1,Karimova Zulfiya,Kutubxona yakshanba kuni ham ochiq boʻlsin.,Article 3,free of charge,for,\r\n"
       "L-2,Rustamov Akmal,\"Bir necha satr:\nbirinchi, ikkinchi.\",,,,email\r\n"
       "L-3,Olga Petrova,<script>alert(1)</script> Define 'public'.,2,,against,paper\r\n")


def _count(app, model_name="Comment"):
    from app import models
    from app.extensions import db
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(getattr(models, model_name)))


def _post(client, slug, data: bytes, name="letters.csv", **extra):
    form = {"file": (io.BytesIO(data), name), "channel": "post", "consent": "y", **extra}
    return client.post(f"/staff/drafts/{slug}/import-comments", data=form, content_type="multipart/form-data")


@pytest.mark.both_backends
def test_staff_import_letters_shown_under_each_senders_name_and_a_second_run_adds_nothing(
        app, client, make_user, login_as, make_draft):
    from app.extensions import db
    from app.models import AssistedEntry, Clause, Comment

    slug = make_draft()
    login_as(client, make_user("clerk@example.org", role="staff", agency="Ministry of Culture"))
    assert "name" in client.get(f"/staff/drafts/{slug}/import-comments").get_data(as_text=True)
    r = _post(client, slug, CSV.encode("utf-8-sig"))
    assert r.status_code == 302
    assert "Imported: 3; imported before: 0" in client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        entries = {e.citizen_name: e for e in db.session.scalars(select(AssistedEntry))}
        assert {n: e.channel for n, e in entries.items()} == {
            "Karimova Zulfiya": "post", "Rustamov Akmal": "email", "Olga Petrova": "paper"}
        quoted = db.session.get(Comment, entries["Karimova Zulfiya"].comment_id)
        assert (quoted.quote_exact, quoted.stance) == ("free of charge", "for")
        assert db.session.get(Comment, entries["Rustamov Akmal"].comment_id).clause_key is None
        eid = db.session.scalar(select(Clause.eid).where(Clause.label == "Article 3"))
    page = client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)
    assert "Karimova Zulfiya" in page and "by post" in page and "yakshanba" in page
    again = _post(client, slug, CSV.encode())
    assert "Imported: 0; imported before: 3" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(app) == 3
    # the script is text on the page, never markup
    whole = client.get(f"/drafts/{slug}/comments").get_data(as_text=True) + \
        client.get(f"/drafts/{slug}/clauses/{eid.replace('art_3', 'art_2')}").get_data(as_text=True)
    assert "<script>alert(1)" not in whole
    # findable in search like any other comment
    found = client.get("/search?q=yakshanba").get_data(as_text=True)
    assert "Kutubxona" in found  # a word of the comment the query did not name


def test_one_bad_row_imports_nothing_and_names_every_bad_line(app, client, make_user, login_as, make_draft):
    slug = make_draft()
    login_as(client, make_user("clerk@example.org", role="staff", agency="Ministry of Culture"))
    bad = ("name,body,clause,stance\n"
           "A,Good comment,1,\n"
           "B,,1,\n"                      # line 3: no text
           "C,On a clause that is not there,Article 99,\n"   # line 4
           "D,Odd stance,1,maybe\n"      # line 5
           "E,Another good one,,\n")
    r = _post(client, slug, bad.encode())
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and "Rows with errors: 3" in text
    for line, words in ((3, "empty"), (4, "Article 99"), (5, "stance")):
        assert f"<td>{line}</td>" in text and words in text
    assert _count(app) == 0


@pytest.mark.parametrize("data, name, words", [
    (b"\xff\xfe\x00b\x00a\x00d", "x.csv", "UTF-8"),
    (b"name,body,password\nA,b,c\n", "x.csv", "Unknown columns: password"),
    (b"title,text\nA,b\n", "x.csv", "Unknown columns"),
    (b"[{\"name\": \"A\"", "x.json", "not valid JSON"),
    (b"{\"comments\": 5}", "x.json", "list of comments"),
    (b"[{\"name\": \"A\", \"body\": {\"x\": 1}}]", "x.json", "must be text"),
    (b"name,body\nA,b,extra\n", "x.csv", "more cells"),
])
def test_malformed_files_are_refused_with_a_clear_message(app, client, make_user, login_as, make_draft,
                                                          data, name, words):
    slug = make_draft()
    login_as(client, make_user("clerk@example.org", role="staff", agency="Ministry of Culture"))
    r = _post(client, slug, data, name=name)
    assert r.status_code == 400 and words in r.get_data(as_text=True)
    assert _count(app) == 0


def test_only_staff_of_the_drafts_agency_with_consent_may_import(app, client, make_user, login_as, make_draft):
    slug = make_draft()
    login_as(client, make_user())
    assert client.get(f"/staff/drafts/{slug}/import-comments").status_code == 403
    assert _post(client, slug, CSV.encode()).status_code == 403
    login_as(client, make_user("other@example.org", role="staff", agency="Tax Committee"))
    assert _post(client, slug, CSV.encode()).status_code == 403
    login_as(client, make_user("clerk@example.org", role="staff", agency="Ministry of Culture"))
    no_consent = _post(client, slug, CSV.encode(), consent="")
    assert no_consent.status_code == 400 and "agreed" in no_consent.get_data(as_text=True)
    assert _post(client, slug, b"", name="").status_code == 400
    assert _count(app) == 0


def test_the_command_imports_json_all_or_nothing_and_again_adds_nothing(app, runner, make_user, make_draft, tmp_path):
    slug = make_draft(is_open=False)  # letters sent by the deadline are typed in after it
    make_user("clerk@example.org", role="staff", agency="Ministry of Culture")
    letters = [{"name": f"Sender {i}", "body": f"Letter number {i} about the libraries.", "clause": "Article 1"}
               for i in range(250)]
    path = tmp_path / "letters.json"
    path.write_text(json.dumps({"comments": letters}), encoding="utf-8")
    args = ["drafts", "import-comments", slug, str(path), "--entered-by", "clerk@example.org", "--consent"]
    r = runner.invoke(args=args)
    assert r.exit_code == 0, r.output
    assert "Imported: 250; imported before: 0" in r.output
    assert "Imported: 0; imported before: 250" in runner.invoke(args=args).output
    assert _count(app) == 250 and _count(app, "AssistedEntry") == 250
    letters.append({"name": "Late", "body": "", "clause": "Article 1"})
    path.write_text(json.dumps(letters), encoding="utf-8")
    r = runner.invoke(args=args)
    assert r.exit_code == 1 and "letters.json:251:" in r.output and "empty" in r.output
    assert _count(app) == 250
    assert runner.invoke(args=args[:-1]).exit_code == 2  # no --consent
    assert _count(app) == 250


@pytest.mark.parametrize("backend, search", [("sqlite", "whoosh"), ("postgresql", "postgresql")])
def test_two_workers_bring_an_imported_batch_into_search_each_row_once(app_factory, backend, search):
    """The search outbox is drained by `flask worker`: two at once (on PostgreSQL they share the
    rows with SKIP LOCKED; with Whoosh one holds the index and the other waits its turn)."""
    import threading

    from app.cli import WORKER_HANDLERS, _search_outbox
    from app.extensions import db
    from app.models import Draft, SearchOutbox
    from app.search import get_backend, outbox
    from app.services import accounts, comment_imports, jobs, revisions
    from tests.conftest import SAMPLE_MD

    app = app_factory(backend, SEARCH_BACKEND=search)
    now = datetime.now(UTC)
    with app.app_context():
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Law on Public Libraries",
                                       agency_name="Ministry of Culture", lang="en", opens_at=now - timedelta(days=1),
                                       closes_at=now + timedelta(days=9), author=None)
        db.session.commit()
        outbox.drain(get_backend(), blocking=True)
    rows = [(i, {"name": f"Sender {i}", "body": f"Letter {i} asks for a zebrafinch reading room."})
            for i in range(1, 1201)]
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        staff = accounts.create_user(email="clerk@example.org", password="correct horse battery", role="staff",
                                     display_name="Clerk", agency_name="Ministry of Culture", confirmed=True)
        comment_imports.import_comments(staff, draft, rows, consent=True)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 1200

    def worker():
        with app.app_context():
            jobs.work(WORKER_HANDLERS, once=True, queues=(_search_outbox,))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    found = app.test_client().get("/api/v1/search", query_string={"q": "zebrafinch"}).get_json()
    assert found["counts"]["kind"]["comment"] == 1200
