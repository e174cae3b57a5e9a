"""Publishing a revised text: `flask drafts revise`, the staff form, what is refused, and a real
law revised end to end (comments follow their clause; the diff shows word changes and moves)."""
import io

import pytest
from conftest import CORPUS, SAMPLE_MD
from sqlalchemy import func, select
from test_history import V2_MD

import drafts
from app.extensions import db
from app.models import Clause, Draft, Revision

DC = CORPUS / "us-dc-code-t2-ch5"


def revisions(app) -> list[tuple[int, str]]:
    """Every revision's number and chain hash: what must not change when something is refused."""
    with app.app_context():
        return db.session.execute(select(Revision.number, Revision.chain_hash).order_by(Revision.id)).all()


# --- the command line ----------------------------------------------------------------------------

def test_cli_revise_prints_the_new_revision_number(app, runner, make_draft, tmp_path):
    slug = make_draft()
    path = tmp_path / "v2.md"
    path.write_text(V2_MD)
    r = runner.invoke(args=["drafts", "revise", slug, str(path), "--note", "After the hearing."])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2"
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert draft.current_revision_number == 2 and draft.revisions[1].change_note == "After the hearing."


@pytest.mark.parametrize("slug, content, message", [
    ("law-on-public-libraries", b"\x89PNG\x00\x00binary", "binary"),
    ("law-on-public-libraries", b"", "empty"),
    ("law-on-public-libraries", b"   \n\n", "empty"),
    ("law-on-public-libraries", SAMPLE_MD.encode(), "same as the current revision"),
    ("no-such-draft", V2_MD.encode(), "no draft 'no-such-draft'"),
])
def test_cli_revise_refuses_bad_input_in_one_line(app, runner, make_draft, tmp_path, slug, content, message):
    make_draft()
    before = revisions(app)
    path = tmp_path / "v2.md"
    path.write_bytes(content)
    r = runner.invoke(args=["drafts", "revise", slug, str(path)])
    assert r.exit_code == 2 and message in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1 and r.output.startswith("Error:")
    assert revisions(app) == before


def test_cli_revise_missing_file(app, runner, make_draft, tmp_path):
    slug = make_draft()
    r = runner.invoke(args=["drafts", "revise", slug, str(tmp_path / "missing.md")])
    assert r.exit_code == 2 and "cannot read" in r.output and len(revisions(app)) == 1


# --- the staff form --------------------------------------------------------------------------------

@pytest.fixture
def staff(app, client, make_user, login_as):
    login_as(client, make_user("staff@example.org", role="staff", agency="Ministry of Culture"))


def test_staff_preview_then_publish(app, client, make_draft, staff):
    slug = make_draft()
    page = client.get(f"/staff/drafts/{slug}/revise").get_data(as_text=True)
    assert "Publish a revised text" in page and 'name="base" type="hidden" value="1"' in page
    r = client.post(f"/staff/drafts/{slug}/revise", data={
        "note": "After the hearing.", "text": V2_MD, "fmt": "md", "base": "1", "preview": "1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 clauses unchanged" in html and "1 clause changed" in html
    assert "1 clause moved or renumbered" in html and "1 new clause" in html and "1 clause removed" in html
    assert "Article 3 → Article 2" in html and "Publish revision 2" in html
    assert len(revisions(app)) == 1  # a preview publishes nothing
    r = client.post(f"/staff/drafts/{slug}/revise", data={
        "note": "After the hearing.", "text": V2_MD, "fmt": "md", "base": "1", "publish": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/drafts/{slug}/diff?from=1&to=2")
    assert "<ins>and reading room" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert [n for n, _ in revisions(app)] == [1, 2]


def test_staff_upload_a_file(app, client, make_draft, staff):
    slug = make_draft()
    r = client.post(f"/staff/drafts/{slug}/revise", data={
        "note": "x", "file": (io.BytesIO(V2_MD.encode()), "v2.md"), "base": "1", "preview": "1"},
        content_type="multipart/form-data")
    assert r.status_code == 200 and "1 clause changed" in r.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"note": "x", "text": SAMPLE_MD, "publish": "1"}, "same as the current revision"),
    ({"note": "x", "text": "", "publish": "1"}, "Upload a file or paste"),
    ({"note": "", "text": V2_MD, "publish": "1"}, "Say what changed"),
    ({"note": "x", "file": (io.BytesIO(b"\x00\x01\x02\xff" * 50), "v2.md"), "publish": "1"}, "binary"),
])
def test_staff_bad_input_is_a_400_page_and_nothing_is_written(app, client, make_draft, staff, data, message):
    slug = make_draft()
    r = client.post(f"/staff/drafts/{slug}/revise", data={"base": "1", "fmt": "", **data},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert len(revisions(app)) == 1


def test_a_revision_published_meanwhile_is_not_overwritten_unseen(app, client, make_draft, staff):
    slug = make_draft()
    client.post(f"/staff/drafts/{slug}/revise", data={"note": "x", "text": V2_MD, "base": "1", "publish": "1"})
    r = client.post(f"/staff/drafts/{slug}/revise", data={
        "note": "y", "text": V2_MD.replace("five", "six"), "base": "1", "publish": "1"})
    assert r.status_code == 409 and "check the preview against it" in r.get_data(as_text=True)
    assert 'value="2"' in r.get_data(as_text=True) and len(revisions(app)) == 2


@pytest.mark.parametrize("who", ["citizen", "other agency", "anonymous"])
def test_forged_revise_requests_are_refused(app, client, make_draft, make_user, login_as, who):
    slug = make_draft()
    if who == "citizen":
        login_as(client, make_user())
    elif who == "other agency":
        login_as(client, make_user(role="staff", agency="Ministry of Finance"))
    before = revisions(app)
    for method in (client.get, client.post):
        r = method(f"/staff/drafts/{slug}/revise", data={"note": "x", "text": V2_MD, "base": "1", "publish": "1"})
        assert r.status_code == (302 if who == "anonymous" else 403)
    assert revisions(app) == before


def test_another_agencys_unpublished_draft_is_not_even_shown(app, client, make_draft, make_user, login_as):
    slug = make_draft(published=False)
    login_as(client, make_user(role="staff", agency="Ministry of Finance"))
    assert client.post(f"/staff/drafts/{slug}/revise", data={"note": "x", "text": V2_MD}).status_code == 404


def test_admin_may_revise_any_draft(app, client, make_draft, make_user, login_as):
    slug = make_draft()
    login_as(client, make_user(role="admin"))
    r = client.post(f"/staff/drafts/{slug}/revise", data={"note": "x", "text": V2_MD, "base": "1", "publish": "1"})
    assert r.status_code == 302 and len(revisions(app)) == 2


@pytest.mark.parametrize("method, path", [
    ("post", "/drafts/{slug}/revisions/1"),
    ("put", "/drafts/{slug}/revisions/1"),
    ("delete", "/drafts/{slug}/revisions/1"),
    ("post", "/api/v1/drafts/{slug}/revisions/1"),
    ("patch", "/api/v1/drafts/{slug}/revisions/1"),
    ("post", "/drafts/{slug}/diff?from=1&to=1"),
    ("post", "/drafts/{slug}/verify"),
])
def test_existing_revisions_cannot_be_changed_over_http(app, client, make_draft, make_user, login_as, method, path):
    slug = make_draft()
    login_as(client, make_user(role="admin"))
    before = revisions(app)
    r = getattr(client, method)(path.format(slug=slug), data={"text": "Rewritten history.", "note": "x"})
    assert r.status_code == 405
    assert revisions(app) == before


# --- a real law, revised end to end --------------------------------------------------------------

@pytest.mark.corpus
def test_real_law_revised_comments_follow_their_clause_and_the_diff_shows_it(app, client, runner, make_user,
                                                                             login_as):
    if not (DC / "v1.md").exists():
        pytest.skip(f"corpus not found at {DC}")
    r = runner.invoke(args=["drafts", "import", str(DC / "v1.md"), "--title", "Administrative Procedure",
                            "--agency", "DC Council"])
    assert r.exit_code == 0, r.output
    slug = r.output.strip()
    # Which clauses v2 modifies and renumbers, as the engine aligns them.
    changes = drafts.align(drafts.load((DC / "v1.md").read_bytes()).clauses(),
                           drafts.load((DC / "v2.md").read_bytes()).clauses())
    modified = next(c for c in changes if c.kind == "modified")
    renumbered = next(c for c in changes if c.kind == "moved" and c.old.eid != c.new.eid)
    login_as(client, make_user())
    for change, body in ((modified, "This section needs plainer words."), (renumbered, "Keep this paragraph.")):
        r = client.post(f"/drafts/{slug}/comments", data={"clause_key": change.key, "body": body})
        assert r.status_code == 302, r.get_data(as_text=True)

    r = runner.invoke(args=["drafts", "revise", slug, str(DC / "v2.md"), "--note", "The 2022-02-02 release."])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2"

    # The comments are still listed on their clause in revision 2, even where its number changed.
    for change, body in ((modified, "This section needs plainer words."), (renumbered, "Keep this paragraph.")):
        with app.app_context():
            eid = db.session.scalar(select(Clause.eid).join(Revision).where(
                Revision.number == 2, Clause.key == change.key))
        assert eid == change.new.eid
        assert body in client.get(f"/drafts/{slug}/clauses/{eid}").get_data(as_text=True)

    html = client.get(f"/drafts/{slug}/diff?from=1&to=2").get_data(as_text=True)
    assert f"{renumbered.old.label} → {renumbered.new.label}" in html and "Renumbered" in html
    assert "<ins>" in html and "<del>" in html and "unchanged clauses" in html
    data = client.get(f"/api/v1/drafts/{slug}/diff?from=1&to=2").get_json()
    by_key = {ch["key"]: ch for ch in data["changes"]}
    assert by_key[modified.key]["kind"] == "modified"
    ops = by_key[modified.key]["ops"]
    assert any(op == 0 for op, _ in ops) and any(op != 0 for op, _ in ops)  # word-level, not all-new
    assert by_key[renumbered.key]["kind"] == "moved"
    assert (by_key[renumbered.key]["old"], by_key[renumbered.key]["new"]) == (renumbered.old.eid, renumbered.new.eid)
    assert data["totals"]["modified"] >= 1 and sum(data["totals"].values()) == len(data["changes"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 2
    assert runner.invoke(args=["drafts", "verify", slug]).exit_code == 0
