"""Drafts and their revisions: import a draft, plan and publish revision N+1 (from an upload, a
merge or the command line: one ``publish_revision`` for all), change a consultation's deadline."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from babel import Locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import drafts
from app import queries
from app.clock import utcnow
from app.extensions import db
from app.models import Clause, DeadlineChange, Draft, Proposal, Revision, User
from app.search import outbox as search_outbox
from app.services import notifications, proposals, versions
from app.services.accounts import get_or_create_agency, unique_slug
from app.services.audit import audit
from app.services.rules import RuleError, authorize, clean_text
from drafts.diff import totals as change_totals

#: the languages offered first when publishing a draft; any other ISO 639 code is accepted too
COMMON_LANGUAGES = ("uz", "ru", "kaa", "en", "kk", "tg", "ky", "tk")
_ISO_639 = re.compile(r"[a-z]{2,3}")


def valid_language(code: str | None) -> bool:
    """An ISO 639-1/2/3 code that CLDR names (uz, ru, kaa, kk, tg, ...): a typo such as "xx" is not."""
    return bool(code) and bool(_ISO_639.fullmatch(code)) and code in Locale("en").languages


def parse_upload(data: bytes, fmt: str | None = None, filename: str | None = None) -> drafts.Document:
    """:raise RuleError: with the engine's one-line message when the text cannot be read."""
    try:
        return drafts.load(data, fmt=fmt, filename=filename)
    except drafts.ParseError as exc:
        raise RuleError(str(exc)) from exc


def import_draft(data: bytes, *, fmt: str | None, title: str, agency_name: str, lang: str,
                 opens_at: datetime, closes_at: datetime, author: User | None, summary: str = "",
                 slug: str | None = None, filename: str | None = None, published: bool = True,
                 doc: drafts.Document | None = None, version_of: Draft | None = None) -> Draft:
    """Create a draft and its revision 1 from a file in any format the engine reads (or from
    ``doc`` when the caller parsed it already); ``version_of``: the draft whose law this is, in
    another language."""
    doc = doc or parse_upload(data, fmt, filename)
    if closes_at <= opens_at:
        raise RuleError(_("The consultation must close after it opens."), field="closes")
    if not valid_language(lang):
        raise RuleError(_("The language must be an ISO 639 code, e.g. uz, ru, kaa."), field="lang")
    title = (title or doc.title or "").strip()
    if not title:
        raise RuleError(_("A draft needs a title."), field="title")
    if slug and db.session.scalar(select(Draft.id).where(Draft.slug == slug)):
        raise RuleError(_("The address /drafts/%(slug)s is already taken.", slug=slug), 409)
    draft = Draft(slug=slug or unique_slug(Draft, title), title=title[:300], summary=summary,
                  agency=get_or_create_agency(agency_name), language=lang, published=published,
                  opens_at=opens_at, closes_at=closes_at, current_revision_number=1)
    db.session.add(draft)
    db.session.flush()
    search_outbox.enqueue("draft", draft.id)
    _add_revision(draft, doc.clauses(), number=1, parent=None, note="First published text.",
                  author=author, fmt=fmt or "md")
    audit(author, "draft.import", f"draft:{draft.slug}", title)
    if version_of is not None:
        versions.link_version(draft, version_of, actor=author)
    return draft


def _add_revision(draft: Draft, clauses: list[drafts.Clause], *, number: int, parent: Revision | None,
                  note: str, author: User | None, fmt: str) -> Revision:
    content = drafts.clauses_content_hash(clauses)
    created = utcnow()
    revision = Revision(draft=draft, number=number, title=draft.title, change_note=note, author=author,
                        source_format=fmt, content_hash=content, created_at=created, record_format=2,
                        chain_hash=drafts.chain_hash(parent.chain_hash if parent else None, record_hash(
                            content, number, note, created, public_record(draft))))
    db.session.add(revision)
    db.session.flush()
    db.session.add_all(Clause(revision_id=revision.id, position=i, key=c.key, eid=c.eid, label=c.label,
                              kind=c.kind, num=c.num, heading=c.heading, text=c.text)
                       for i, c in enumerate(clauses))
    db.session.flush()
    search_outbox.enqueue("revision", revision.id)
    return revision


def record_hash(content_hash: str, number: int, change_note: str, created_at: datetime,
                draft_record: dict | None = None) -> str:
    """What the chain covers: a revision's text (its content hash) and its public record (number,
    change note, time), so rewriting a published note or date behind the app's back shows too;
    since record format 2 also the draft's public metadata (``draft_record``, see public_record), so
    a changed title shows. Anyone can recompute it from /api/v1/drafts/<slug>: sha256 of this
    compact, key-sorted JSON (with "draft" only for record_format 2)."""
    record = {"content_hash": content_hash, "number": number, "change_note": change_note,
              "created_at": record_time(created_at)}
    if draft_record is not None:
        record["draft"] = draft_record
    payload = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def public_record(draft: Draft) -> dict:
    """The draft's public metadata a format-2 chain covers. None of it changes after import."""
    return {"title": draft.title, "summary": draft.summary, "agency": draft.agency.name, "language": draft.language}


def record_time(value: datetime) -> str:
    """A revision's time as the chain and the API write it: UTC, always with microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class RevisionPlan:
    """A revised text read once and aligned once with the head revision: what a preview shows is
    what ``publish_revision`` publishes."""
    head: Revision
    doc: drafts.Document
    changes: list  #: the engine's aligned changes, in order
    clauses: list[drafts.Clause]  #: the new revision's clauses, with lineage keys

    @cached_property
    def markdown(self) -> str:
        """The text as Markdown, put back in the form so a preview need not ask for the file again;
        the engine's round trip (tests/drafts) guarantees it parses to these same clauses."""
        return drafts.to_markdown(self.doc)

    @property
    def totals(self) -> dict[str, int]:
        return change_totals(self.changes)

    @property
    def unchanged(self) -> bool:
        return drafts.clauses_content_hash(self.clauses) == self.head.content_hash


def plan_revision(draft: Draft, data: bytes, *, fmt: str | None, filename: str | None = None) -> RevisionPlan:
    """Parse a revised text and line its clauses up with the head revision. Keys of clauses deleted
    in earlier revisions stay retired: a new clause must not inherit their comments.

    :raise RuleError: when the text cannot be read.
    """
    doc = parse_upload(data, fmt, filename)
    head = queries.current_revision(draft)
    used = set(db.session.scalars(select(Clause.key).join(Revision).where(Revision.draft_id == draft.id)))
    changes = drafts.align(queries.revision_clauses(head), doc.clauses(), reserved_keys=used)
    return RevisionPlan(head, doc, changes, [ch.new for ch in changes if ch.new is not None])


def revise_draft(draft: Draft, data: bytes, *, fmt: str | None, note: str, author: User | None,
                 filename: str | None = None) -> Revision:
    """Publish a revised text (an upload or a file given to the command line) as revision N+1;
    aligned clauses keep their lineage keys, so comments and votes follow them."""
    plan = plan_revision(draft, data, fmt=fmt, filename=filename)
    return publish_revision(draft, plan.clauses, head=plan.head, note=note.strip() or "Revised text.", author=author,
                            fmt=fmt or "md")


def publish_revision(draft: Draft, clauses: list[drafts.Clause], *, head: Revision, note: str,
                     author: User | None, fmt: str = "md", merged: Sequence[Proposal] = ()) -> Revision:
    """The one way a revision N+1 is published, whether it came from an upload, a merge or the
    command line: check it changes something and that nobody published meanwhile, store it, chain
    it, mark the ``merged`` proposals, supersede the ones it makes moot, and tell the people whose
    input it touches.

    :raise RuleError: 400 if nothing changes; 409 if ``head`` is no longer the current revision.
    """
    # Lock the draft row: of two publishes from the same base, the second waits, then sees the first.
    current = db.session.scalar(select(Draft.current_revision_number).where(Draft.id == draft.id)
                                .with_for_update())
    if head.number != current:
        raise RuleError(_("Revision %(number)d was published meanwhile.", number=current), 409)
    if drafts.clauses_content_hash(clauses) == head.content_hash:
        raise RuleError(_("The text is the same as the current revision; nothing was published."))
    note = clean_text(note, _l("The change note"), 5000)
    revision = _add_revision(draft, clauses, number=head.number + 1, parent=head, note=note,
                             author=author, fmt=fmt)
    draft.current_revision_number = revision.number
    for proposal in merged:
        proposal.merged_revision_id = revision.id
    audit(author, "draft.revise", f"draft:{draft.slug}", f"revision {revision.number}")
    changed = _changed_keys(head, revision)
    proposals.supersede_moot(draft, revision, changed)
    notifications.revision_published(draft, head, revision, changed)
    return revision


def _changed_keys(old: Revision, new: Revision) -> dict[str, str | None]:
    """Keys of the old revision's clauses whose text changed, with the new text (None: deleted)."""
    new_text = {c.key: c.text for c in queries.revision_clauses(new)}
    return {c.key: new_text.get(c.key) for c in queries.revision_clauses(old)
            if new_text.get(c.key) != c.text}


def extend_deadline(draft: Draft, new_closes_at: datetime, *, reason: str, actor: User) -> DeadlineChange:
    """Move the end of a consultation; every change is public, with its reason."""
    authorize(actor, draft)
    if new_closes_at <= draft.opens_at:
        raise RuleError(_("The consultation must close after it opens."), field="closes")
    change = DeadlineChange(draft_id=draft.id, old_closes_at=draft.closes_at, new_closes_at=new_closes_at,
                            reason=clean_text(reason, _l("The reason"), 2000), changed_by_id=actor.id)
    draft.closes_at = new_closes_at
    db.session.add(change)
    audit(actor, "draft.deadline", f"draft:{draft.slug}", new_closes_at.isoformat())
    return change
