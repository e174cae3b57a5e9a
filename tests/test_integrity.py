"""The hash chain covers each revision's text and public record; anyone can recompute it from the API,
and a change note rewritten behind the app's back is caught."""
import hashlib
import json

import pytest
from sqlalchemy import select, update

import drafts
from app.extensions import db
from app.models import Revision


@pytest.mark.both_backends
def test_the_chain_can_be_recomputed_from_the_open_data(app, client, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    slug = client.get("/api/v1/drafts").get_json()["items"][0]["slug"]
    parent = None
    for rev in client.get(f"/api/v1/drafts/{slug}").get_json()["revisions"]:
        record = json.dumps({"content_hash": rev["content_hash"], "number": rev["number"],
                             "change_note": rev["change_note"], "created_at": rev["created_at"]},
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
