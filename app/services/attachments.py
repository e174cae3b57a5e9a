"""Attachments of comments and proposals: PDF, DOCX and ODT, recognised by their content.

The name a file came with decides nothing: a PDF starts with ``%PDF-`` and ends with ``%%EOF``; a
DOCX is a ZIP whose ``[Content_Types].xml`` declares a Word document (not a macro-enabled one); an
ODT is a ZIP whose first entry ``mimetype`` says it is an OpenDocument text. ZIPs are unpacked in
full, counting bytes, so a bomb (or a ZIP whose headers lie about sizes) is refused. The bytes are
stored under ATTACHMENT_DIR, outside the web root, named by their SHA-256."""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Comment, Proposal, User
from app.services.rules import RuleError

MIME_TYPES = {"pdf": "application/pdf",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "odt": "application/vnd.oasis.opendocument.text"}
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
#: a real document unpacks to a few times its size; a bomb to thousands
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
_UNSAFE = re.compile(r"[^\w .,()\-]+")


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks, not yet stored."""
    name: str
    kind: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def attachment_dir() -> Path:
    return Path(current_app.config.get("ATTACHMENT_DIR") or Path(current_app.instance_path) / "attachments")


def max_files() -> int:
    return current_app.config["ATTACHMENTS_PER_CONTRIBUTION"]


def max_bytes() -> int:
    return current_app.config["ATTACHMENT_MAX_BYTES"]


def _not_a_document(name: str) -> RuleError:
    return RuleError(_("%(name)s is not a PDF, DOCX or ODT document.", name=name), 400, field="attachments")


def _zip_kind(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if not entries or len(entries) > MAX_ZIP_ENTRIES or any(e.flag_bits & 0x1 for e in entries):
                raise _not_a_document(name)  # empty, absurdly many parts, or encrypted
            if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                raise _not_a_document(name)
            unpacked, heads = 0, {}
            for entry in entries:  # unpack everything, counting: headers may lie about sizes
                with archive.open(entry) as member:
                    first = member.read(4096)
                    heads[entry.filename] = first
                    unpacked += len(first)
                    while chunk := member.read(1 << 16):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise _not_a_document(name)
            names = set(heads)
            if (entries[0].filename == "mimetype" and entries[0].compress_type == zipfile.ZIP_STORED
                    and heads["mimetype"] == _ODT_MIMETYPE and "content.xml" in names):
                return "odt"
            if ("[Content_Types].xml" in names and "word/document.xml" in names
                    and not any(n.lower().endswith("vbaproject.bin") for n in names)
                    and _DOCX_MAIN in archive.read("[Content_Types].xml")):
                return "docx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        pass  # corrupt, a bad CRC, or a compression method we do not know
    raise _not_a_document(name)


def sniff(data: bytes, name: str = "") -> str:
    """The kind of a document from its bytes: "pdf", "docx" or "odt".

    :raise RuleError: 400 for anything else (HTML, programs, plain ZIPs, bombs, broken files)."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-4096:]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data, name)
    raise _not_a_document(name)


def clean_name(filename: str, kind: str) -> str:
    """The sender's file name as shown and offered on download: no folders, no control or quote
    characters, at most 120 characters, and always the extension of what the file really is."""
    base = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = " ".join(_UNSAFE.sub(" ", stem).split()).strip(" .")[:120] or _("document")
    return f"{stem}.{kind}"


def check_uploads(files: Iterable[tuple[str, BinaryIO]], existing: int = 0) -> list[Upload]:
    """Read and check the files sent with a comment or proposal (empty file inputs are skipped).

    :raise RuleError: 400 for a file that is no PDF, DOCX or ODT or too many files; 413 for one over
        ATTACHMENT_MAX_BYTES (read no further than that)."""
    uploads = []
    limit = max_bytes()
    for filename, stream in files:
        data = stream.read(limit + 1)
        if not filename and not data:
            continue
        shown = clean_name(filename, "pdf").rsplit(".", 1)[0]
        if len(data) > limit:
            raise RuleError(_("%(name)s is too large: a file can be at most %(size)d MB.", name=shown,
                              size=limit // (1024 * 1024) or 1), 413, field="attachments")
        if not data:
            raise RuleError(_("%(name)s is empty.", name=shown), 400, field="attachments")
        kind = sniff(data, shown)
        uploads.append(Upload(clean_name(filename, kind), kind, data))
    if existing + len(uploads) > max_files():
        raise RuleError(_("At most %(count)d files can come with one contribution.", count=max_files()), 400,
                        field="attachments")
    return uploads


def _store(upload: Upload) -> None:
    folder = attachment_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / upload.sha256
    if path.exists():  # the same bytes sent before: one copy serves both
        return
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(upload.data)
        os.replace(tmp, path)  # a rolled-back contribution leaves a harmless unreferenced file
    finally:
        Path(tmp).unlink(missing_ok=True)


def attach(user: User, target: Comment | Proposal, uploads: Sequence[Upload]) -> list[Attachment]:
    """Store checked files and link them to a comment or proposal of ``user``'s.

    :raise RuleError: 403 for someone else's contribution, 400 beyond ATTACHMENTS_PER_CONTRIBUTION."""
    if not uploads:
        return []
    if target.author_id != user.id:
        raise RuleError(_("Only its author can add files to a contribution."), 403)
    column = Attachment.comment_id if isinstance(target, Comment) else Attachment.proposal_id
    existing = db.session.scalar(select(func.count()).select_from(Attachment).where(column == target.id))
    if existing + len(uploads) > max_files():
        raise RuleError(_("At most %(count)d files can come with one contribution.", count=max_files()), 400,
                        field="attachments")
    rows = []
    for upload in uploads:
        _store(upload)
        row = Attachment(uploader_id=user.id, kind=upload.kind, name=upload.name, sha256=upload.sha256,
                         size=len(upload.data), **{column.key: target.id})
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def file_of(attachment: Attachment) -> Path | None:
    """The stored bytes of an attachment, or None when the file is missing."""
    path = attachment_dir() / attachment.sha256
    return path if re.fullmatch(r"[0-9a-f]{64}", attachment.sha256) and path.is_file() else None
