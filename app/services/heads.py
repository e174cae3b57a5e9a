"""Compare the database with chain heads someone saved earlier, outside it: an export's manifest
(or the export ZIP), the API's draft JSON, or an Atom feed. What the hashes alone cannot show, a
saved copy does: a deleted latest revision, a rolled-back current revision, a changed title or
summary, a history rewritten with every hash recomputed."""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy import select

from app.extensions import db
from app.models import Draft, Revision
from app.services.revisions import public_record

ATOM = "{http://www.w3.org/2005/Atom}"
_ENTRY_ID = re.compile(r"draft/([^/]+)/revision/(\d+)$")
_HASH = re.compile(r"\b[0-9a-f]{64}\b")
PUBLIC_FIELDS = ("title", "agency", "summary", "language")


class HeadsError(ValueError):
    """The saved copy cannot be read."""


@dataclass
class SavedDraft:
    slug: str
    heads: dict[int, str] = field(default_factory=dict)  #: revision number -> chain hash
    fields: dict[str, str] = field(default_factory=dict)  #: public metadata, where the copy has it


def _from_metadata(data: dict) -> SavedDraft:
    saved = SavedDraft(data["slug"], {int(r["number"]): r["chain_hash"] for r in data.get("revisions", [])})
    saved.fields = {k: data[k] for k in PUBLIC_FIELDS if isinstance(data.get(k), str)}
    return saved


def _from_feed(root) -> list[SavedDraft]:
    found: dict[str, SavedDraft] = {}
    for entry in root.iter(f"{ATOM}entry"):
        match = _ENTRY_ID.search(entry.findtext(f"{ATOM}id") or "")
        digest = _HASH.search(entry.findtext(f"{ATOM}content") or "")
        if match and digest:
            found.setdefault(match.group(1), SavedDraft(match.group(1))).heads[int(match.group(2))] = digest.group(0)
    return list(found.values())


def read_saved(data: bytes) -> list[SavedDraft]:
    """The drafts and chain heads in a saved export ZIP, manifest.json, API draft JSON or Atom feed."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                name = next(n for n in archive.namelist() if n.endswith("manifest.json"))
                data = archive.read(name)
        except (zipfile.BadZipFile, StopIteration) as exc:
            raise HeadsError("the ZIP has no manifest.json") from exc
    text = data.lstrip()
    if text[:1] == b"<":
        try:
            root = etree.fromstring(text, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise HeadsError(f"not a readable Atom feed: {exc}") from exc
        return _from_feed(root)
    try:
        doc = json.loads(text)
        return [_from_metadata(doc["draft"] if "draft" in doc and isinstance(doc["draft"], dict) else doc)]
    except (ValueError, KeyError, TypeError) as exc:
        raise HeadsError("not an export manifest, an API draft or an Atom feed") from exc


def differences(saved: SavedDraft) -> list[str]:
    """What differs between the saved copy and the database now, one line each ([] if nothing)."""
    draft = db.session.scalar(select(Draft).where(Draft.slug == saved.slug))
    if draft is None:
        return [f"the draft {saved.slug} is gone"]
    problems = []
    now = public_record(draft)
    problems += [f"its {name} changed from {saved.fields[name]!r} to {now[name]!r}"
                 for name in PUBLIC_FIELDS if name in saved.fields and saved.fields[name] != now[name]]
    stored = dict(db.session.execute(select(Revision.number, Revision.chain_hash)
                                     .where(Revision.draft_id == draft.id)).all())
    for number, chain in sorted(saved.heads.items()):
        if number not in stored:
            problems.append(f"revision {number} was published but is missing now")
        elif stored[number] != chain:
            problems.append(f"revision {number} has chain hash {stored[number][:12]}… now, {chain[:12]}… was published")
    if saved.heads and draft.current_revision_number < max(saved.heads):
        problems.append(f"the current revision is {draft.current_revision_number}, but {max(saved.heads)} "
                        f"was published (rolled back)")
    return problems
