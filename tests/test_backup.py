"""The restore drill: back up a live instance, restore into a fresh one, and find the same rows, the
same chain heads, the same budget photos and attachments, ``flask drafts verify`` passing and the search index
rebuilt; a damaged backup is refused and changes nothing."""
from __future__ import annotations

import io
import os
import tarfile

import pytest
from conftest import PG_ADMIN_URL, make_config
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, BudgetProject, BudgetRound, Comment, Draft, User


def _summary(app) -> dict:
    from app.services import backup
    with app.app_context():
        return backup.summary()


@pytest.fixture
def source(app_factory, request):
    app = app_factory(request.param) if request.param == "sqlite" else \
        app_factory("postgresql", SEARCH_BACKEND="postgresql")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _add_photo(app)
    _add_attachment(app)
    return app


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _add_attachment(app) -> None:
    """A position paper attached by its author to the demo's first comment."""
    from app.services import attachments
    with app.app_context():
        comment = db.session.scalar(select(Comment).order_by(Comment.id))
        [upload] = attachments.check_uploads([("position.pdf", io.BytesIO(PDF))])
        attachments.attach(db.session.get(User, comment.author_id), comment, [upload])
        db.session.commit()


def _add_photo(app) -> None:
    """A photo of the demo's funded school roof, published by its district's staff."""
    from app.services import budget_photos
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(picture, "PNG")
    with app.app_context():
        project = db.session.scalar(select(BudgetProject).where(BudgetProject.funded.is_(True))
                                    .order_by(BudgetProject.id))
        staff = db.session.scalar(select(User).where(User.email == "district@demo.muhokama.test"))
        budget_photos.add_photo(staff, db.session.get(BudgetRound, project.round_id), project, picture.getvalue(),
                                kind="implementation", caption="The new roof")
        db.session.commit()


@pytest.fixture
def fresh(request, app_factory, tmp_path):
    """An empty instance to restore into (on PostgreSQL a database of its own)."""
    folders = {"BUDGET_PHOTO_DIR": str(tmp_path / "restored_photos"),  # not the source's folders
               "ATTACHMENT_DIR": str(tmp_path / "restored_attachments")}
    if request.node.callspec.params["source"] == "sqlite":
        yield app_factory("sqlite", **folders)
        return
    import psycopg

    from app import create_app
    name = f"muhokama_restore_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(make_config(f"{base}/{name}", tmp_path, SEARCH_BACKEND="postgresql", **folders))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("source", ["sqlite", "postgresql"], indirect=True)
def test_restore_drill(source, fresh, tmp_path):
    file = tmp_path / "muhokama.backup"
    result = source.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0 and file.stat().st_size > 0, result.output
    before = _summary(source)
    assert before["heads"] and before["rows"]["comment"] > 0 and len(before["photos"]) == 1
    assert len(before["attachments"]) == 1
    assert not (tmp_path / "restored_photos").exists() and not (tmp_path / "restored_attachments").exists()

    result = fresh.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    after = _summary(fresh)
    assert after == before
    result = fresh.test_cli_runner().invoke(args=["drafts", "verify"])
    assert result.exit_code == 0 and "OK" in result.output
    hits = fresh.test_client().get("/api/v1/search", query_string={"q": "text message"}).get_json()
    assert hits["total"] > 0  # the index was rebuilt from the restored rows
    [photo] = after["photos"]
    with fresh.test_client().get(f"/budget/photos/{photo}") as served, \
            source.test_client().get(f"/budget/photos/{photo}") as original:
        assert served.status_code == 200 and served.data == original.data
    [document] = after["attachments"]
    assert (tmp_path / "restored_attachments" / document).read_bytes() == PDF
    with fresh.app_context():
        attachment = db.session.scalar(select(Attachment).where(Attachment.sha256 == document))
        url = f"/drafts/{db.session.get(Draft, attachment.comment.draft_id).slug}/attachments/{attachment.id}"
    with fresh.test_client().get(url) as served:
        assert served.status_code == 200 and served.data == PDF


def _rewrite(file, change) -> None:
    """Rewrite a backup's tar with ``change(name, data) -> [(name, data), ...]`` applied to each member."""
    with tarfile.open(file) as archive:
        members = [(m.name, archive.extractfile(m).read()) for m in archive]
    with tarfile.open(file, "w") as archive:
        for name, data in members:
            for new_name, new_data in change(name, data):
                info = tarfile.TarInfo(new_name)
                info.size = len(new_data)
                archive.addfile(info, io.BytesIO(new_data))


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
@pytest.mark.parametrize("damage", ["photo", "attachment", "stranger", "no_database"])
def test_a_backup_with_a_changed_photo_or_a_stranger_inside_is_refused_and_changes_nothing(source, fresh, tmp_path,
                                                                                           damage):
    file = tmp_path / "muhokama.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    changes = {
        "photo": lambda name, data: [(name, data + b"x" if name.startswith("photos/") else data)],
        "attachment": lambda name, data: [(name, PDF.replace(b"1.4", b"1.7") if name.startswith("attachments/")
                                           else data)],
        "stranger": lambda name, data: [(name, data), ("../../etc/cron.d/evil", b"* * * * * root true")],
        "no_database": lambda name, data: [] if name.startswith("database") else [(name, data)],
    }
    _rewrite(file, changes[damage])
    before = _summary(fresh)
    result = fresh.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 1
    assert {"photo": "is damaged", "attachment": "is damaged", "stranger": "not part of a Muhokama backup", "no_database": "has no"}[damage] \
        in result.output
    assert _summary(fresh) == before
    for folder in ("restored_photos", "restored_attachments"):
        assert not (tmp_path / folder).exists() or not any((tmp_path / folder).iterdir())
    assert not (tmp_path.parent.parent / "etc").exists()


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_a_backup_made_before_photos_were_included_still_restores(source, fresh, tmp_path):
    file = tmp_path / "muhokama.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    with tarfile.open(file) as archive:
        (tmp_path / "old.backup").write_bytes(archive.extractfile("database.sqlite").read())
    result = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "old.backup"), "--yes"])
    assert result.exit_code == 0, result.output
    assert _summary(fresh)["rows"] == _summary(source)["rows"]


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_a_backup_made_before_attachments_were_included_still_restores_its_photos(source, fresh, tmp_path):
    file = tmp_path / "muhokama.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    _rewrite(file, lambda name, data: [] if name.startswith("attachments/") else [(name, data)])
    result = fresh.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    after, before = _summary(fresh), _summary(source)
    assert after["rows"] == before["rows"] and after["photos"] == before["photos"]
    assert after["attachments"] == []  # the rows are back; their files were never in this backup


@pytest.mark.parametrize("source", ["sqlite"], indirect=True)
def test_a_damaged_backup_is_refused_and_changes_nothing(source, fresh, tmp_path):
    file = tmp_path / "muhokama.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    data = bytearray(file.read_bytes())
    data[:100] = b"\0" * 100  # the SQLite header is gone
    file.write_bytes(bytes(data))
    before = _summary(fresh)
    result = fresh.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 1 and "not a Muhokama SQLite backup" in result.output
    assert _summary(fresh) == before
    with fresh.app_context():
        assert db.session.scalar(select(Draft.id)) is None
    missing = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "nothing"), "--yes"])
    assert missing.exit_code == 1 and "is not a file" in missing.output
