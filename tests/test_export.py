"""The bulk export of a draft (a streamed ZIP with a SHA-256 manifest) and `flask drafts verify
--against` a saved copy: an export, its manifest, the API's JSON or the Atom feed."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from conftest import SAMPLE_MD
from lxml import etree
from sqlalchemy import delete, select, update


@pytest.fixture
def consultation(app, make_draft, make_user):
    """Two revisions, a comment that looks like a spreadsheet formula, a reply, a vote, a decision."""
    from app.extensions import db
    from app.models import Draft, User
    from app.services import comments, decisions, revisions, votes
    slug = make_draft()
    citizen = make_user("secret-address@example.org", name="Sanobar")
    staff = make_user(role="staff", agency="Ministry of Culture")
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        person, clerk = db.session.get(User, citizen), db.session.get(User, staff)
        comment = comments.add_comment(person, draft, body="=HYPERLINK(\"http://evil\")", clause_key="chp_2__art_3")
        comments.add_comment(person, draft, body="Я за! Men qoʻllab-quvvatlayman.", clause_key="chp_1__art_1")
        votes.vote_clause(person, draft, "chp_2__art_3", 1)
        decisions.dispose_comment(clerk, comment, "rejected", "-Not a change to the text.")
        revisions.revise_draft(draft, SAMPLE_MD.replace("free of charge", "free of charge, every day").encode(),
                               fmt="md", note="Every day", author=None)
        db.session.commit()
    return slug


def download(client, slug: str) -> tuple[zipfile.ZipFile, bytes]:
    response = client.get(f"/drafts/{slug}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed
    data = response.get_data()
    return zipfile.ZipFile(io.BytesIO(data)), data


def test_export_manifest_checks_out_and_files_are_safe(client, consultation):
    archive, data = download(client, consultation)
    manifest = json.loads(archive.read(f"{consultation}/manifest.json"))
    names = {f["name"] for f in manifest["files"]}
    assert {"comments.json", "comments.csv", "proposals.json", "votes.csv", "dispositions.csv",
            "revisions/1.md", "revisions/2.md", "revisions/1.akn.xml", "revisions/2.akn.xml"} <= names
    for item in manifest["files"]:  # the manifest checks out
        content = archive.read(f"{consultation}/{item['name']}")
        assert hashlib.sha256(content).hexdigest() == item["sha256"] and len(content) == item["bytes"]
    assert [r["number"] for r in manifest["draft"]["revisions"]] == [1, 2]
    assert b"secret-address" not in data and all(b"secret-address" not in archive.read(n) for n in archive.namelist())

    rows = list(csv.DictReader(io.StringIO(archive.read(f"{consultation}/comments.csv").decode("utf-8-sig"))))
    assert archive.read(f"{consultation}/comments.csv").startswith("\ufeff".encode())
    assert rows[0]["body"] == "'=HYPERLINK(\"http://evil\")" and rows[0]["author"] == "Sanobar"
    assert rows[1]["body"] == "Я за! Men qoʻllab-quvvatlayman."
    decided = list(csv.DictReader(io.StringIO(archive.read(f"{consultation}/dispositions.csv").decode("utf-8-sig"))))
    assert decided[0]["reason"] == "'-Not a change to the text."
    assert json.loads(archive.read(f"{consultation}/comments.json"))[0]["body"].startswith("=HYPERLINK")
    assert json.loads(archive.read(f"{consultation}/votes.json")) == [
        {"clause_key": "chp_2__art_3", "for": 1, "against": 0}]
    text = archive.read(f"{consultation}/revisions/2.md").decode()
    assert "Article 3" in text and "free of charge, every day" in text
    akn = etree.fromstring(archive.read(f"{consultation}/revisions/2.akn.xml"))
    assert "free of charge, every day" in "".join(akn.itertext())


def test_unpublished_and_unknown_drafts_have_no_export(client, make_draft):
    secret = make_draft(title="Secret", published=False)
    assert client.get(f"/drafts/{secret}/export.zip").status_code == 404
    assert client.get("/drafts/nothing/export.zip").status_code == 404


def saved_copy(client, slug: str, tmp_path, kind: str):
    if kind == "zip":
        data = download(client, slug)[1]
    elif kind == "manifest":
        data = download(client, slug)[0].read(f"{slug}/manifest.json")
    elif kind == "api":
        data = client.get(f"/api/v1/drafts/{slug}").data
    else:
        data = client.get(f"/drafts/{slug}/feed.atom").data
    path = tmp_path / f"copy-{kind}"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("kind", ["zip", "manifest", "api", "feed"])
def test_verify_against_a_saved_copy_names_what_differs(app, client, runner, consultation, tmp_path, kind):
    from app.extensions import db
    from app.models import Clause, Draft, Revision
    copy = saved_copy(client, consultation, tmp_path, kind)
    ok = runner.invoke(args=["drafts", "verify", "--against", copy])
    assert ok.exit_code == 0 and f"OK {consultation} (matches 2 published chain heads)" in ok.output

    with app.app_context():  # someone deletes the latest revision and rolls the draft back
        draft = db.session.scalar(select(Draft).where(Draft.slug == consultation))
        latest = db.session.scalar(select(Revision).where(Revision.draft_id == draft.id, Revision.number == 2))
        draft_id = draft.id
        db.session.execute(update(Draft).where(Draft.id == draft_id).values(current_revision_number=1))
        db.session.execute(delete(Clause).where(Clause.revision_id == latest.id))
        db.session.execute(delete(Revision).where(Revision.id == latest.id))
        db.session.commit()
    plain = runner.invoke(args=["drafts", "verify"])
    assert plain.exit_code == 0  # the hashes alone cannot see it ...
    with app.app_context():  # (a changed title they do see: the chain covers the draft's metadata)
        db.session.execute(update(Draft).where(Draft.id == draft_id).values(title="Law on Closed Libraries"))
        db.session.commit()
    assert runner.invoke(args=["drafts", "verify"]).exit_code == 1
    result = runner.invoke(args=["drafts", "verify", "--against", copy])
    assert result.exit_code == 1  # ... the saved copy does
    assert "revision 2 was published but is missing now" in result.output
    assert "the current revision is 1, but 2 was published (rolled back)" in result.output
    if kind != "feed":  # the feed carries no title to compare
        assert "its title changed from 'Law on Public Libraries' to 'Law on Closed Libraries'" in result.output


def test_verify_against_a_rewritten_history(app, client, runner, consultation, tmp_path):
    """Every hash recomputed after changing revision 1's note: only a saved copy shows it."""
    import drafts
    from app.extensions import db
    from app.models import Revision
    from app.services.revisions import public_record, record_hash
    copy = saved_copy(client, consultation, tmp_path, "manifest")
    with app.app_context():
        parent = None
        for revision in db.session.scalars(select(Revision).order_by(Revision.number)):
            note = "Rewritten." if revision.number == 1 else revision.change_note
            revision.change_note = note
            revision.chain_hash = drafts.chain_hash(parent, record_hash(revision.content_hash, revision.number, note,
                                                                        revision.created_at,
                                                                        public_record(revision.draft)))
            parent = revision.chain_hash
        db.session.commit()
    assert runner.invoke(args=["drafts", "verify"]).exit_code == 0
    result = runner.invoke(args=["drafts", "verify", "--against", copy])
    assert result.exit_code == 1 and "revision 1 has chain hash" in result.output


@pytest.mark.parametrize("content, message", [(b"not json", "not an export manifest"),
                                              (b"<feed", "not a readable Atom feed"),
                                              (b"PK\x03\x04broken", "the ZIP has no manifest.json")])
def test_verify_against_unreadable_copies_says_why(runner, tmp_path, content, message):
    path = tmp_path / "copy"
    path.write_bytes(content)
    result = runner.invoke(args=["drafts", "verify", "--against", str(path)])
    assert result.exit_code == 2 and message in result.output
    missing = runner.invoke(args=["drafts", "verify", "--against", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_the_decisions_are_exported_in_constant_memory(app, make_draft, make_user):
    """A draft with four times the decisions takes no more memory to export them (all in a list,
    it took four times as much)."""
    import tracemalloc

    from sqlalchemy import insert

    from app import queries
    from app.extensions import db
    from app.models import Comment, Disposition, Draft
    from app.services import exports
    author, clerk = make_user(), make_user(role="staff", agency="Ministry of Culture")
    sizes = {make_draft(slug="small"): 2 * exports.BATCH, make_draft(slug="large"): 8 * exports.BATCH}
    peaks = {}
    with app.app_context():
        for slug, n in sizes.items():
            draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
            revision = queries.current_revision(draft)
            db.session.execute(insert(Comment), [
                {"draft_id": draft.id, "revision_id": revision.id, "author_id": author, "clause_key": "chp_2__art_3",
                 "body": f"Comment {i}: " + "words " * 40} for i in range(n)])
            ids = db.session.scalars(select(Comment.id).where(Comment.draft_id == draft.id)).all()
            db.session.execute(insert(Disposition), [
                {"draft_id": draft.id, "comment_id": i, "outcome": "noted", "reason": "Noted. " * 30,
                 "decided_by_id": clerk} for i in ids])
        db.session.commit()
        for slug, n in sizes.items():
            draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
            db.session.expire_all()
            tracemalloc.start()
            count = sum(1 for _chunk in exports._csv(exports._disposition_rows(draft)))
            peaks[slug] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert count > 1
    assert peaks["large"] < 1.5 * peaks["small"], peaks
