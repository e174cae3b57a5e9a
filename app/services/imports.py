"""Imports of big laws done by `flask worker` instead of the page that received them: the upload is
kept outside the web root, a job names it, and the staff member watches a status page."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from flask import current_app

from app import queries
from app.extensions import db
from app.models import Job, User
from app.search import get_backend, outbox
from app.services import jobs, revisions
from app.services.rules import RuleError

KIND = "draft.import"


def _store() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def queue_import(data: bytes, *, filename: str | None, fmt: str | None, title: str, agency_name: str, lang: str,
                 summary: str, opens_at: datetime, closes_at: datetime, author: User) -> Job:
    """Keep the upload and queue its import; the job exists only if the caller's transaction commits."""
    if closes_at <= opens_at:
        raise RuleError("The consultation must close after it opens.", field="closes")
    name = hashlib.sha256(data).hexdigest()
    (_store() / name).write_bytes(data)
    job = jobs.enqueue(KIND, {"file": name, "filename": filename, "fmt": fmt, "title": title,
                              "agency": agency_name, "lang": lang, "summary": summary,
                              "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
                              "author_id": author.id}, max_attempts=3)
    db.session.flush()
    return job


def status(job: Job) -> dict:
    """What the status page shows: waiting, importing, done (with the draft) or failed (with why)."""
    data = jobs.payload(job)
    state = {"pending": "waiting", "running": "importing", "done": "done", "failed": "failed"}[job.status]
    if job.status == "pending" and job.attempts:
        state = "retrying"
    return {"state": state, "slug": data.get("slug"), "clauses": data.get("clauses"), "title": data["title"],
            "error": job.last_error if job.status in ("failed", "pending") else "", "author_id": data["author_id"]}


def _import(claimed: list[Job]) -> jobs.Action:
    """Import the draft in the worker's transaction and record its address on the job in the same
    one, so a worker that dies afterwards cannot import it twice."""
    job = claimed[0]
    data = jobs.payload(job)
    if data.get("slug"):
        return lambda: None
    upload = _store() / data["file"]
    try:
        draft = revisions.import_draft(
            upload.read_bytes(), fmt=data["fmt"], filename=data["filename"], title=data["title"],
            agency_name=data["agency"], lang=data["lang"], summary=data["summary"],
            opens_at=datetime.fromisoformat(data["opens_at"]), closes_at=datetime.fromisoformat(data["closes_at"]),
            author=db.session.get(User, data["author_id"]))
    except (RuleError, FileNotFoundError) as exc:
        raise jobs.PermanentError(exc.message if isinstance(exc, RuleError) else "the upload is gone") from exc
    data.update(slug=draft.slug, clauses=len(queries.revision_clauses(draft.revisions[0])))
    job.payload = json.dumps(data, ensure_ascii=False, sort_keys=True)

    def after_commit() -> None:
        upload.unlink(missing_ok=True)
        outbox.drain(get_backend(), blocking=True)  # findable at once, as after a web import
    return after_commit


HANDLERS: dict[str, jobs.Handler] = {KIND: _import}
