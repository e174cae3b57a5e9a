"""The flask commands staff use: users create, drafts import, demo."""
import pytest
from conftest import CORPUS, SAMPLE_MD
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, Draft, Revision, User


def test_users_create_with_password_from_stdin(app, runner):
    r = runner.invoke(args=["users", "create", "Staff@Example.org", "--role", "staff", "--agency", "Tax Committee",
                            "--password-stdin"], input="long enough password\n")
    assert r.exit_code == 0, r.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "staff@example.org" and user.agency.name == "Tax Committee" and user.is_confirmed
        assert "long enough" not in user.password_hash


@pytest.mark.parametrize("args, stdin, message", [
    (["x@example.org", "--role", "staff", "--password-stdin"], "long enough password\n", "agency"),
    (["x@example.org", "--password-stdin"], "short\n", "at least 8"),
    (["x@example.org", "--role", "king", "--password-stdin"], "long enough password\n", "Invalid value"),
])
def test_users_create_refuses_bad_input(app, runner, args, stdin, message):
    r = runner.invoke(args=["users", "create", *args], input=stdin)
    assert r.exit_code != 0 and message in r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_drafts_import_prints_the_slug(app, runner, tmp_path):
    path = tmp_path / "law.md"
    path.write_text(SAMPLE_MD)
    r = runner.invoke(args=["drafts", "import", str(path), "--title", "Law on Public Libraries",
                            "--agency", "Ministry of Culture", "--opens", "2026-01-01", "--closes", "2026-02-01"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "law-on-public-libraries"  # the result alone, for scripts
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert draft.closes_at.isoformat() == "2026-02-01T00:00:00+00:00"
        assert len(draft.revisions) == 1 and draft.revisions[0].chain_hash
    # the command also brought the search index up to date: nothing is left waiting in the outbox
    from app.search import outbox
    with app.app_context():
        assert outbox.pending_count() == 0


@pytest.mark.parametrize("content, args, message", [
    (b"\x89PNG\x00\x00binary", [], ""),
    (b"", [], ""),
    (b"# Law\n\nText", ["--opens", "not a date"], "not a date"),
    (b"# Law\n\nText", ["--opens", "2026-02-01", "--closes", "2026-01-01"], "close after it opens"),
])
def test_drafts_import_refuses_bad_input_without_a_traceback(app, runner, tmp_path, content, args, message):
    path = tmp_path / "law.md"
    path.write_bytes(content)
    r = runner.invoke(args=["drafts", "import", str(path), "--title", "T", "--agency", "A", *args])
    assert r.exit_code == 2 and "Error:" in r.output and message in r.output and "Traceback" not in r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


@pytest.mark.corpus
def test_drafts_import_reads_a_real_law(app, runner):
    path = CORPUS / "us-dc-code-t2-ch5" / "v1.md"
    if not path.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    r = runner.invoke(args=["drafts", "import", str(path), "--title", "Administrative Procedure", "--agency", "DC"])
    assert r.exit_code == 0, r.output
    slug = r.output.strip()
    html = app.test_client().get(f"/drafts/{slug}").get_data(as_text=True)
    assert "2-501" in html


def test_demo_loads_a_living_consultation_once(app, runner):
    r = runner.invoke(args=["demo"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        draft = db.session.scalar(select(Draft).order_by(Draft.id))
        assert draft.current_revision_number == 2
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 3  # and the Russian text's
        assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))) >= 1
        assert db.session.scalar(select(func.count()).select_from(User)) >= 4
    client = app.test_client()
    html = client.get(f"/drafts/{draft.slug}").get_data(as_text=True)
    assert "text message" in html and "Revision 2 of 2" in html
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 2  # the law and its Russian text
