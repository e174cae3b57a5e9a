"""The hash chain covers each revision's text and public record; anyone can recompute it from the API,
and a change note rewritten behind the app's back is caught."""
import hashlib
import json

import pytest
from sqlalchemy import select, update

import drafts
from app.extensions import db
from app.models import Draft, Revision
from app.services.revisions import record_hash


@pytest.mark.both_backends
def test_the_chain_can_be_recomputed_from_the_open_data(app, client, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    slug = client.get("/api/v1/drafts").get_json()["items"][0]["slug"]
    parent = None
    draft = client.get(f"/api/v1/drafts/{slug}").get_json()
    for rev in draft["revisions"]:
        assert rev["record_format"] == 2  # the draft's public metadata is chained too
        record = json.dumps({"content_hash": rev["content_hash"], "number": rev["number"],
                             "change_note": rev["change_note"], "created_at": rev["created_at"],
                             "draft": {k: draft[k] for k in ("title", "summary", "agency", "language")}},
                            sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        expected = drafts.chain_hash(parent, hashlib.sha256(record.encode()).hexdigest())
        assert rev["chain_hash"] == expected
        parent = expected


@pytest.mark.both_backends
def test_a_rewritten_change_note_breaks_the_chain(app, client, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["drafts", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(update(Revision).where(Revision.number == 2).values(change_note="Nothing to see."))
        db.session.commit()
        slug = db.session.scalar(select(Revision.draft_id)) and db.session.scalar(select(Revision).limit(1)).draft.slug
    result = runner.invoke(args=["drafts", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output and "revision 2" in result.output
    assert "revision 2" in client.get(f"/drafts/{slug}/verify").get_data(as_text=True).lower()


@pytest.mark.both_backends
@pytest.mark.parametrize("column, value", [("title", "Law on Something Else"), ("summary", "Rewritten."),
                                           ("language", "ru")])
def test_changed_draft_metadata_breaks_the_chain(app, client, runner, column, value):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        slug = db.session.scalar(select(Draft.slug).join(Revision, Revision.draft_id == Draft.id).limit(1))
        db.session.execute(update(Draft).where(Draft.slug == slug).values({column: value}))
        db.session.commit()
    result = runner.invoke(args=["drafts", "verify", slug])
    assert result.exit_code == 1 and "BROKEN" in result.output and "title, summary, agency and language" in result.output
    assert "revision 1" in client.get(f"/drafts/{slug}/verify").get_data(as_text=True).lower()


def test_revisions_chained_before_metadata_still_verify_and_a_saved_copy_names_a_new_title(
        app, client, runner, make_draft, tmp_path):
    """Format 1 (published before the metadata was chained) keeps its hashes; there a saved copy of
    the export's manifest or the API is what shows a changed title."""
    slug = make_draft()
    with app.app_context():
        revision = db.session.scalar(select(Revision))
        legacy = drafts.chain_hash(None, record_hash(revision.content_hash, revision.number, revision.change_note,
                                                     revision.created_at))
        db.session.execute(update(Revision).where(Revision.id == revision.id)
                           .values(record_format=1, chain_hash=legacy))
        db.session.commit()
    saved = tmp_path / "draft.json"
    saved.write_bytes(client.get(f"/api/v1/drafts/{slug}").data)
    assert runner.invoke(args=["drafts", "verify", slug]).exit_code == 0
    with app.app_context():
        db.session.execute(update(Draft).where(Draft.slug == slug).values(title="Law on Closed Libraries"))
        db.session.commit()
    result = runner.invoke(args=["drafts", "verify", "--against", str(saved)])
    assert result.exit_code == 1 and "title changed from 'Law on Public Libraries' to 'Law on Closed Libraries'" \
        in result.output
