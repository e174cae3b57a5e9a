"""Backups and restores of the whole database, the photos of budget projects and the documents
attached to comments and proposals: one tar file holding the database (the SQLite online backup API,
or pg_dump) and every stored file. A restore is checked like any published history: the same chain
heads, ``verify`` passing, every file's content matching its name (photos and attachments are named
by their SHA-256), and the search index rebuilt from the restored rows. Older backups (a bare
database file, or a tar without attachments) still restore."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Attachment, BudgetPhoto, Draft, Revision
from app.search.outbox import rebuild_index
from app.services.attachments import attachment_dir
from app.services.budget_photos import photo_dir

DATABASE = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
#: the folders of stored files in a backup: the name inside the tar, how a file there is named
#: (the SHA-256 of its content is the first group), and where it lives on this instance
FOLDERS = {"photos": (re.compile(r"([0-9a-f]{64})\.jpg"), photo_dir),
           "attachments": (re.compile(r"([0-9a-f]{64})"), attachment_dir)}
MEMBER = re.compile(r"(photos|attachments)/([^/]+)")


def _stored(prefix: str, name: str) -> str | None:
    """The SHA-256 a stored file's name claims, or None for a name that does not belong there."""
    found = FOLDERS[prefix][0].fullmatch(name)
    return found.group(1) if found else None


class BackupError(Exception):
    """The backup or restore could not be made; the message says why."""


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    url = make_url(db.engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _dump_database(target: Path) -> None:
    if db.engine.dialect.name == "sqlite":
        raw = db.engine.raw_connection()
        try:
            with sqlite3.connect(target) as copy:
                raw.driver_connection.backup(copy)
                if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(_("the copy failed SQLite's integrity check"))
            copy.close()
        finally:
            raw.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url()])


def backup(path: Path) -> None:
    """Write a consistent copy of the database, the photos and the attachments to ``path`` while
    the site keeps running. The database is copied first: files are only ever added (a file is
    written before its row commits), so every file the copy names is in its folder by then."""
    path = Path(path)
    # Into a temporary file first, so a failed backup never leaves a half file under the name.
    tmp = Path(tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")[1])
    dump = Path(tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.db.")[1])
    try:
        _dump_database(dump)
        with tarfile.open(tmp, "w") as archive:
            archive.add(dump, arcname=DATABASE[db.engine.dialect.name])
            for prefix, (_name, where) in FOLDERS.items():
                folder = where()
                for file in sorted(folder.iterdir()) if folder.is_dir() else ():
                    if file.is_file() and _stored(prefix, file.name):  # not a half-written upload
                        archive.add(file, arcname=f"{prefix}/{file.name}")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        dump.unlink(missing_ok=True)


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> str:
    """Copy one member out (never ``extractall``: names are checked first); returns its SHA-256."""
    digest = hashlib.sha256()
    with archive.extractfile(member) as src, target.open("wb") as out:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _read_archive(path: Path, workdir: Path) -> tuple[Path, list[Path]]:
    """The database file and the stored files of a backup, copied into ``workdir``, every file
    checked against its name.

    :raise BackupError: for a damaged archive, a member that does not belong, or a changed file."""
    database, files = None, []
    expected = DATABASE[db.engine.dialect.name]
    for prefix in FOLDERS:
        (workdir / prefix).mkdir()
    try:
        with tarfile.open(path, "r") as archive:
            for member in archive:
                found = MEMBER.fullmatch(member.name)
                digest = found and _stored(found.group(1), found.group(2))
                if member.name == expected and member.isfile():
                    database = workdir / expected
                    _extract(archive, member, database)
                elif digest and member.isfile():
                    files.append(workdir / member.name)
                    if _extract(archive, member, files[-1]) != digest:
                        raise BackupError(_("the file %(name)s in %(path)s is damaged", name=member.name, path=path))
                else:
                    raise BackupError(_("%(path)s holds %(name)s, which is not part of a Muhokama backup",
                                        path=path, name=member.name))
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(_("%(path)s is not a Muhokama backup: %(problem)s", path=path, problem=exc)) from exc
    if database is None:
        raise BackupError(_("%(path)s has no %(name)s", path=path, name=expected))
    return database, files


def restore(path: Path) -> int:
    """Replace the database's content with the backup at ``path``, put its photos and attachments
    back and rebuild the search index; returns the number of documents indexed. The site should be
    stopped meanwhile. Everything is checked before anything is replaced."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("%(path)s is not a file", path=path))
    with tempfile.TemporaryDirectory() as workdir:
        database, files = _read_archive(path, Path(workdir)) if tarfile.is_tarfile(path) else (path, [])
        _restore_database(database, shown_as=path)
        for _name, where in FOLDERS.values():
            where().mkdir(parents=True, exist_ok=True)
        for file in files:  # files already there are kept: the same name is the same content
            target = FOLDERS[file.parent.name][1]() / file.name
            if not _intact(target):
                shutil.copyfile(file, target)
    return rebuild_index()


def _intact(file: Path) -> bool:
    if not file.is_file():
        return False
    with file.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest() == file.name[:64]


def _restore_database(path: Path, shown_as: Path) -> None:
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
                if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(_("%(path)s failed SQLite's integrity check", path=shown_as))
                source.execute("SELECT version_num FROM alembic_version").fetchone()
                raw = db.engine.raw_connection()
                try:
                    source.backup(raw.driver_connection)
                finally:
                    raw.close()
            source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(_("%(path)s is not a Muhokama SQLite backup: %(problem)s", path=shown_as,
                                problem=exc)) from exc
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url()}", str(path)])
    db.engine.dispose()  # connections opened before the restore may hold the old pages


def summary() -> dict:
    """What a restore drill compares: rows per table, every draft's chain head, and the photos and
    attachments the database names that are in their folder with the content their name says."""
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    heads = {slug: chain for slug, chain in db.session.execute(
        select(Draft.slug, Revision.chain_hash).join(Revision, (Revision.draft_id == Draft.id)
                                                     & (Revision.number == Draft.current_revision_number)))}
    folder = photo_dir()
    photos = sorted(name for name in set(db.session.scalars(select(BudgetPhoto.filename))) if _intact(folder / name))
    folder = attachment_dir()
    attachments = sorted(name for name in set(db.session.scalars(select(Attachment.sha256)))
                         if _intact(folder / name))
    return {"rows": counts, "heads": heads, "photos": photos, "attachments": attachments}


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError as exc:
        raise BackupError(_("%(program)s is not installed (it comes with the PostgreSQL client)", program=command[0])) from exc
    if done.returncode != 0:
        raise BackupError(_("%(program)s failed: %(problem)s", program=command[0], problem=done.stderr.strip()[-500:]))
