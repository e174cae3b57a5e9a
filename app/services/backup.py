"""Backups and restores of the whole database: the SQLite online backup API, or pg_dump and
pg_restore for PostgreSQL. A restore is checked like any published history: the same chain heads,
``verify`` passing, and the search index rebuilt from the restored rows."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import Draft, Revision
from app.search.outbox import rebuild_index


class BackupError(Exception):
    """The backup or restore could not be made; the message says why."""


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    url = make_url(db.engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def backup(path: Path) -> None:
    """Write a consistent copy of the database to ``path`` while the site keeps running."""
    path = Path(path)
    if db.engine.dialect.name == "sqlite":
        # Into a temporary file first, so a failed backup never leaves a half file under the name.
        tmp = Path(tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")[1])
        try:
            raw = db.engine.raw_connection()
            try:
                with sqlite3.connect(tmp) as target:
                    raw.driver_connection.backup(target)
                    if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                        raise BackupError(_("the copy failed SQLite's integrity check"))
                target.close()
            finally:
                raw.close()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq_url()])


def restore(path: Path) -> int:
    """Replace the database's content with the backup at ``path`` and rebuild the search index;
    returns the number of documents indexed. The site should be stopped meanwhile."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("%(path)s is not a file", path=path))
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
                if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(_("%(path)s failed SQLite's integrity check", path=path))
                source.execute("SELECT version_num FROM alembic_version").fetchone()
                raw = db.engine.raw_connection()
                try:
                    source.backup(raw.driver_connection)
                finally:
                    raw.close()
            source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(_("%(path)s is not a Muhokama SQLite backup: %(problem)s", path=path, problem=exc)) from exc
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url()}", str(path)])
    db.engine.dispose()  # connections opened before the restore may hold the old pages
    return rebuild_index()


def summary() -> dict:
    """What a restore drill compares: rows per table and every draft's chain head."""
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    heads = {slug: chain for slug, chain in db.session.execute(
        select(Draft.slug, Revision.chain_hash).join(Revision, (Revision.draft_id == Draft.id)
                                                     & (Revision.number == Draft.current_revision_number)))}
    return {"rows": counts, "heads": heads}


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError as exc:
        raise BackupError(_("%(program)s is not installed (it comes with the PostgreSQL client)", program=command[0])) from exc
    if done.returncode != 0:
        raise BackupError(_("%(program)s failed: %(problem)s", program=command[0], problem=done.stderr.strip()[-500:]))
