"""The bulk download of one draft: a ZIP streamed as it is written (constant memory, whatever the
number of comments): comments, proposals, vote totals, decisions and organisations' positions (with
signatory counts) as JSON and CSV, every revision as Markdown and Akoma Ntoso XML, and manifest.json
with the SHA-256 of every file and the chain heads of the revisions, so anyone can later check the
record (`flask drafts verify --against`). Only public things; email addresses never."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select

import drafts
from app import queries
from app.clock import utcnow
from app.extensions import db
from app.links import public_url
from app.models import (
    Attachment,
    Clause,
    ClauseVote,
    Comment,
    Draft,
    Proposal,
    Revision,
    User,
)
from app.services import positions
from app.services.revisions import record_time

BATCH = 1000  #: rows fetched at a time
_FORMULA = frozenset("=+-@")


def spreadsheet_safe(value):
    """Cells a spreadsheet may read as a formula get a quote in front: those starting with = + - @
    tab or CR, also after leading spaces or separators such as ``;=``, and their full-width forms
    (＝ ＋ － ＠), which spreadsheets fold to ASCII. The one rule for every CSV we write."""
    if not isinstance(value, str) or not value:
        return value
    head = unicodedata.normalize("NFKC", value).lstrip(" ;,\u3000")[:1]
    return "'" + value if head in _FORMULA or value[0] in "\t\r" else value


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


class _Sink:
    """A write-only stream the ZIP is written into; what was written is taken out in chunks.
    Without ``seek`` zipfile writes data descriptors instead of going back: streaming works."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._pos = self._taken = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    @property
    def pending(self) -> int:
        return self._pos - self._taken

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._taken = self._pos
        return data


def metadata(draft: Draft) -> dict:
    """The draft's public record: what the manifest and the feeds publish and verify compares."""
    revisions = db.session.scalars(select(Revision).where(Revision.draft_id == draft.id).order_by(Revision.number))
    return {"slug": draft.slug, "title": draft.title, "agency": draft.agency.name, "summary": draft.summary,
            "language": draft.language, "opens": _iso(draft.opens_at), "closes": _iso(draft.closes_at),
            "current_revision": draft.current_revision_number,
            "revisions": [{"number": r.number, "created_at": record_time(r.created_at), "change_note": r.change_note,
                           "content_hash": r.content_hash, "chain_hash": r.chain_hash,
                           "record_format": r.record_format} for r in revisions]}


def _comment_rows(draft: Draft) -> Iterator[dict]:
    query = (select(Comment, User.display_name, Clause.label)
             .join(User, User.id == Comment.author_id)
             .outerjoin(Clause, and_(Clause.revision_id == Comment.revision_id, Clause.key == Comment.clause_key))
             .where(Comment.draft_id == draft.id, queries.public(Comment)).order_by(Comment.id))
    for c, name, label in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield {"id": c.id, "clause_key": c.clause_key or "", "clause": label or "", "parent_id": c.parent_id,
               "stance": c.stance or "", "official": c.is_official, "author": name,
               "respondent_type": c.respondent_type, "organisation": c.organisation, "body": c.body,
               "quote": c.quote_exact or "", "created_at": _iso(c.created_at), "edited_at": _iso(c.edited_at)}


def _proposal_rows(draft: Draft) -> Iterator[dict]:
    query = (select(Proposal, User.display_name).join(User, User.id == Proposal.author_id)
             .where(Proposal.draft_id == draft.id, queries.public(Proposal)).order_by(Proposal.id))
    for p, name in db.session.execute(query.execution_options(yield_per=BATCH)):
        votes = queries.proposal_votes([p.id])[p.id]
        yield {"id": p.id, "clause_key": p.clause_key, "action": p.action, "author": name,
               "respondent_type": p.respondent_type, "organisation": p.organisation,
               "proposed_text": p.proposed_text, "rationale": p.rationale, "status": p.status,
               "decision_reason": p.decision_reason, "votes_for": votes["for"], "votes_against": votes["against"],
               "created_at": _iso(p.created_at)}


def _vote_rows(draft: Draft) -> Iterator[dict]:
    query = (select(ClauseVote.clause_key, func.sum(case((ClauseVote.value > 0, 1), else_=0)),
                    func.sum(case((ClauseVote.value < 0, 1), else_=0)))
             .where(ClauseVote.draft_id == draft.id).group_by(ClauseVote.clause_key).order_by(ClauseVote.clause_key))
    for key, pro, contra in db.session.execute(query):
        yield {"clause_key": key, "for": int(pro or 0), "against": int(contra or 0)}


def _attachment_rows(draft: Draft) -> Iterator[dict]:
    """The documents of public comments and proposals, listed (name, type, size, SHA-256, link) but
    not copied: the export stays text, and a copy fetched from the link is checked by its hash."""
    for model, column in ((Comment, Attachment.comment_id), (Proposal, Attachment.proposal_id)):
        query = (select(Attachment).join(model, model.id == column)
                 .where(model.draft_id == draft.id, queries.public(model)).order_by(Attachment.id))
        for a in db.session.scalars(query.execution_options(yield_per=BATCH)):
            yield {"id": a.id, "comment_id": a.comment_id, "proposal_id": a.proposal_id, "name": a.name,
                   "type": a.kind, "bytes": a.size, "sha256": a.sha256,
                   "url": public_url("attachments.download", slug=draft.slug, attachment_id=a.id)}


def _position_rows(draft: Draft) -> Iterator[dict]:
    for row in positions.public_rows(draft, BATCH):
        yield {**row, "created_at": _iso(row["created_at"]),
               "url": public_url("positions.position", slug=draft.slug, position_id=row["id"])}


def _disposition_rows(draft: Draft) -> Iterator[dict]:
    for row in queries.iter_register_rows(draft, BATCH):
        yield {**row, "decided_at": _iso(row["decided_at"])}


def _json_lines(rows: Iterable[dict]) -> Iterator[bytes]:
    """A JSON array written one item at a time."""
    yield b"["
    for i, row in enumerate(rows):
        yield (",\n" if i else "\n").encode() + json.dumps(row, ensure_ascii=False).encode()
    yield b"\n]\n"


def _csv(rows: Iterable[dict]) -> Iterator[bytes]:
    """CSV with a byte-order mark (spreadsheets then read UTF-8 right) and formula cells defused."""
    out = io.StringIO()
    writer = None
    yield "\ufeff".encode()
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
        if out.tell() > 64 * 1024:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def revision_document(draft: Draft, revision: Revision) -> drafts.Document:
    """The stored clauses back as a provision tree (a clause nests under the one whose eid prefixes it)."""
    top: list[drafts.Provision] = []
    by_eid: dict[str, drafts.Provision] = {}
    for c in queries.revision_clauses(revision):
        node = drafts.Provision(kind=c.kind, num=c.num, heading=c.heading, text=c.text, eid=c.eid)
        parent = c.eid.rpartition("__")[0]
        (by_eid[parent].children if parent in by_eid else top).append(node)
        by_eid[c.eid] = node
    return drafts.Document(title=revision.title, provisions=top, lang=draft.language)


def _files(draft: Draft) -> Iterator[tuple[str, Callable[[], Iterable[bytes]]]]:
    for name, rows in (("comments", _comment_rows), ("proposals", _proposal_rows), ("votes", _vote_rows),
                       ("dispositions", _disposition_rows), ("attachments", _attachment_rows),
                       ("positions", _position_rows)):
        yield f"{name}.json", lambda rows=rows: _json_lines(rows(draft))
        yield f"{name}.csv", lambda rows=rows: _csv(rows(draft))
    for number in queries.revision_numbers(draft):
        revision = queries.revision_by_number(draft, number)
        yield f"revisions/{number}.md", lambda r=revision: [drafts.to_markdown(revision_document(draft, r)).encode()]
        yield f"revisions/{number}.akn.xml", lambda r=revision: [drafts.to_akn(revision_document(draft, r)).encode()]


def stream_zip(draft: Draft) -> Iterator[bytes]:
    """The export as ZIP bytes, produced piece by piece; manifest.json comes last."""
    sink = _Sink()
    manifest = {"draft": metadata(draft), "generated_at": _iso(utcnow()),
                "source": public_url("reading.draft", slug=draft.slug), "files": []}
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, produce in _files(draft):
            digest, size = hashlib.sha256(), 0
            with archive.open(f"{draft.slug}/{name}", "w", force_zip64=True) as out:
                for chunk in produce():
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if sink.pending > 64 * 1024:
                        yield sink.take()
            manifest["files"].append({"name": name, "sha256": digest.hexdigest(), "bytes": size})
            yield sink.take()
        archive.writestr(f"{draft.slug}/manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    yield sink.take()
