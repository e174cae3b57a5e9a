"""Use cases and the rules around them. Services never read the request; the acting user is
passed in. They flush but never commit: the view commits once, so a failure leaves nothing half-done.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

import drafts
from app.activity import touch_activity
from app.extensions import db
from app.search import outbox as search_outbox
from app.models import (Agency, AuditLog, Clause, ClauseVote, Comment, CommentVersion, DeadlineChange,
                        Draft, Revision, User, utcnow)

MAX_COMMENT_CHARS = 5000


class RuleError(Exception):
    """A request that breaks a rule of the consultation; the message is shown to the person."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def slugify(text: str, max_len: int = 80) -> str:
    """ASCII slug for URLs; Cyrillic is transliterated so Russian and Uzbek titles read well."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:max_len].strip("-") or "draft"


_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяўқғҳ",
    ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "o", "q", "g", "h"]))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


# --- users and agencies ---------------------------------------------------------------------

def get_or_create_agency(name: str) -> Agency:
    name = name.strip()
    agency = db.session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        base = slugify(name, 60)
        slug, n = base, 1
        while db.session.scalar(select(Agency.id).where(Agency.slug == slug)):
            n += 1
            slug = f"{base}-{n}"
        agency = Agency(name=name, slug=slug)
        db.session.add(agency)
        db.session.flush()
    return agency


def create_user(*, email: str, password: str, display_name: str, role: str = "citizen",
                agency_name: str | None = None, confirmed: bool = False) -> User:
    """:raise RuleError: when the email is taken, the role unknown, or staff has no agency."""
    email = email.strip().lower()
    if role not in ("citizen", "staff", "admin"):
        raise RuleError(f"Unknown role {role!r}: use citizen, staff or admin.")
    if role == "staff" and not agency_name:
        raise RuleError("Staff accounts belong to an agency: give --agency.")
    if len(password) < 8:
        raise RuleError("The password must be at least 8 characters long.")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise RuleError("An account with this email address already exists.", 409)
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password),
                role=role, agency=get_or_create_agency(agency_name) if agency_name else None,
                email_confirmed_at=utcnow() if confirmed else None)
    db.session.add(user)
    db.session.flush()
    audit(user, "user.create", f"user:{user.id}", role)
    return user


def audit(actor: User | None, action: str, target: str = "", detail: str = "") -> None:
    db.session.add(AuditLog(actor_id=actor.id if actor else None, action=action, target=target,
                            detail=detail))


# --- drafts and revisions -------------------------------------------------------------------

def parse_upload(data: bytes, fmt: str | None = None, filename: str | None = None) -> drafts.Document:
    """:raise RuleError: with the engine's one-line message when the text cannot be read."""
    try:
        return drafts.load(data, fmt=fmt, filename=filename)
    except drafts.ParseError as exc:
        raise RuleError(str(exc)) from exc


def unique_slug(title: str) -> str:
    base = slugify(title)
    slug, n = base, 1
    while db.session.scalar(select(Draft.id).where(Draft.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def import_draft(data: bytes, *, fmt: str | None, title: str, agency_name: str, lang: str,
                 opens_at: datetime, closes_at: datetime, author: User | None, summary: str = "",
                 slug: str | None = None, filename: str | None = None, published: bool = True) -> Draft:
    """Create a draft and its revision 1 from a file in any format the engine reads."""
    doc = parse_upload(data, fmt, filename)
    if closes_at <= opens_at:
        raise RuleError("The consultation must close after it opens.")
    if lang not in ("en", "ru", "uz"):
        raise RuleError("The language must be one of en, ru, uz.")
    title = (title or doc.title or "").strip()
    if not title:
        raise RuleError("A draft needs a title.")
    if slug and db.session.scalar(select(Draft.id).where(Draft.slug == slug)):
        raise RuleError(f"The address /drafts/{slug} is already taken.", 409)
    draft = Draft(slug=slug or unique_slug(title), title=title[:300], summary=summary,
                  agency=get_or_create_agency(agency_name), language=lang, published=published,
                  opens_at=opens_at, closes_at=closes_at, current_revision_number=1)
    db.session.add(draft)
    db.session.flush()
    search_outbox.enqueue("draft", draft.id)
    _add_revision(draft, doc.clauses(), number=1, parent=None, note="First published text.",
                  author=author, fmt=fmt or "md")
    audit(author, "draft.import", f"draft:{draft.slug}", title)
    return draft


def _add_revision(draft: Draft, clauses: list[drafts.Clause], *, number: int, parent: Revision | None,
                  note: str, author: User | None, fmt: str) -> Revision:
    content = drafts.clauses_content_hash(clauses)
    created = utcnow()
    revision = Revision(draft=draft, number=number, title=draft.title, change_note=note, author=author,
                        source_format=fmt, content_hash=content, created_at=created,
                        chain_hash=drafts.chain_hash(parent.chain_hash if parent else None,
                                                     record_hash(content, number, note, created)))
    db.session.add(revision)
    db.session.flush()
    db.session.add_all(Clause(revision_id=revision.id, position=i, key=c.key, eid=c.eid, label=c.label,
                              kind=c.kind, num=c.num, heading=c.heading, text=c.text)
                       for i, c in enumerate(clauses))
    db.session.flush()
    search_outbox.enqueue("revision", revision.id)
    return revision


def record_hash(content_hash: str, number: int, change_note: str, created_at: datetime) -> str:
    """What the chain covers: a revision's text (its content hash) and its public record (number,
    change note, time), so rewriting a published note or date behind the app's back shows too.
    Anyone can recompute it from /api/v1/drafts/<slug>: sha256 of this compact, key-sorted JSON."""
    payload = json.dumps({"content_hash": content_hash, "number": number, "change_note": change_note,
                          "created_at": record_time(created_at)},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def record_time(value: datetime) -> str:
    """A revision's time as the chain and the API write it: UTC, always with microseconds."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def revision_clauses(revision: Revision) -> list[drafts.Clause]:
    rows = db.session.scalars(select(Clause).where(Clause.revision_id == revision.id)
                              .order_by(Clause.position))
    return [drafts.Clause(key=c.key, eid=c.eid, label=c.label, heading=c.heading, text=c.text,
                          kind=c.kind, num=c.num) for c in rows]


def current_revision(draft: Draft) -> Revision:
    return db.session.scalar(select(Revision).where(Revision.draft_id == draft.id,
                                                    Revision.number == draft.current_revision_number))


def revise_draft(draft: Draft, data: bytes, *, fmt: str | None, note: str, author: User | None,
                 filename: str | None = None) -> tuple[Revision, list]:
    """Publish a revised text as revision N+1; aligned clauses keep their lineage keys,
    so comments and votes follow them. Returns the revision and the aligned changes."""
    doc = parse_upload(data, fmt, filename)
    head = current_revision(draft)
    # keys of clauses deleted in earlier revisions stay retired: a new clause must not inherit their comments
    used = set(db.session.scalars(select(Clause.key).join(Revision).where(Revision.draft_id == draft.id)))
    changes = drafts.align(revision_clauses(head), doc.clauses(), reserved_keys=used)
    new_clauses = [ch.new for ch in changes if ch.new is not None]
    if drafts.clauses_content_hash(new_clauses) == head.content_hash:
        raise RuleError("The uploaded text is the same as the current revision; nothing was published.")
    revision = _add_revision(draft, new_clauses, number=head.number + 1, parent=head,
                             note=note.strip() or "Revised text.", author=author, fmt=fmt or "md")
    draft.current_revision_number = revision.number
    audit(author, "draft.revise", f"draft:{draft.slug}", f"revision {revision.number}")
    from app.merging import after_new_revision  # merging builds on these services
    after_new_revision(draft, head, revision)
    return revision, changes


def extend_deadline(draft: Draft, new_closes_at: datetime, *, reason: str, actor: User) -> DeadlineChange:
    if not actor.can_manage(draft):
        raise RuleError("Only staff of the draft's agency can change its deadline.", 403)
    if new_closes_at <= draft.opens_at:
        raise RuleError("The consultation must close after it opens.")
    change = DeadlineChange(draft_id=draft.id, old_closes_at=draft.closes_at, new_closes_at=new_closes_at,
                            reason=reason.strip(), changed_by_id=actor.id)
    draft.closes_at = new_closes_at
    db.session.add(change)
    audit(actor, "draft.deadline", f"draft:{draft.slug}", new_closes_at.isoformat())
    return change


# --- taking part ----------------------------------------------------------------------------

def check_can_take_part(user: User, draft: Draft, now: datetime | None = None) -> None:
    """:raise RuleError: unless the user may comment and vote on this draft now."""
    if not user.is_confirmed:
        raise RuleError("Please confirm your email address before taking part.", 403)
    status = draft.status(now)
    if status == "upcoming":
        raise RuleError("This consultation has not opened yet; you can read the draft but not take part.", 403)
    if status == "closed":
        raise RuleError("This consultation is closed; you can read the draft but no longer take part.", 403)


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise RuleError("The comment is empty.")
    if len(body) > MAX_COMMENT_CHARS:
        raise RuleError(f"A comment can be at most {MAX_COMMENT_CHARS} characters long.", 413)
    return body


def find_clause(revision: Revision, key: str) -> Clause | None:
    return db.session.scalar(select(Clause).where(Clause.revision_id == revision.id, Clause.key == key))


def add_comment(user: User, draft: Draft, *, body: str, clause_key: str | None = None,
                parent: Comment | None = None, stance: str | None = None, quote: str | None = None,
                proposal_id: int | None = None, now: datetime | None = None) -> Comment:
    """Comment on a clause (optionally quoting a phrase of it), on the whole draft, or reply."""
    check_can_take_part(user, draft, now)
    body = _clean_body(body)
    if stance not in (None, "", "for", "against", "neutral"):
        raise RuleError("The stance must be for, against or neutral.")
    revision = current_revision(draft)
    if parent is not None:
        if parent.draft_id != draft.id or parent.status != "visible":
            raise RuleError("You can only reply to a visible comment of this draft.", 404)
        clause_key, proposal_id = parent.clause_key, parent.proposal_id
        quote = None
    comment = Comment(draft_id=draft.id, revision_id=revision.id, clause_key=clause_key or None,
                      parent_id=parent.id if parent else None, proposal_id=proposal_id,
                      root_id=(parent.root_id or parent.id) if parent else None, author_id=user.id, body=body,
                      stance=stance or None)
    if clause_key:
        clause = find_clause(revision, clause_key)
        if clause is None:
            raise RuleError("That clause is not part of the current revision.", 404)
        if quote and quote.strip():
            selector = drafts.quote_from_exact(clause.text, quote.strip())
            if selector is None:
                raise RuleError("The quoted phrase was not found in the clause; copy it exactly.")
            comment.quote_exact, comment.quote_prefix = selector.exact, selector.prefix
            comment.quote_suffix, comment.quote_start = selector.suffix, selector.start
    elif quote and quote.strip():
        raise RuleError("A quote must come from a clause.")
    db.session.add(comment)
    db.session.flush()
    search_outbox.enqueue("comment", comment.id)
    touch_activity(draft)
    return comment


def edit_comment(user: User, comment: Comment, *, body: str, stance: str | None,
                 now: datetime | None = None) -> Comment:
    """Edit one's own comment while the consultation is open; the earlier text is kept."""
    if comment.author_id != user.id:
        raise RuleError("You can only edit your own comments.", 403)
    draft = db.session.get(Draft, comment.draft_id)
    check_can_take_part(user, draft, now)
    body = _clean_body(body)
    if stance not in (None, "", "for", "against", "neutral"):
        raise RuleError("The stance must be for, against or neutral.")
    if body == comment.body and (stance or None) == comment.stance:
        return comment
    db.session.add(CommentVersion(comment_id=comment.id, body=comment.body, stance=comment.stance,
                                  created_at=comment.edited_at or comment.created_at))
    comment.body, comment.stance = body, stance or None
    comment.edited_at = comment.updated_at = utcnow()
    search_outbox.enqueue("comment", comment.id)
    return comment


def vote_clause(user: User, draft: Draft, clause_key: str, value: int,
                now: datetime | None = None) -> ClauseVote | None:
    """Vote +1/-1 on a clause; voting again changes the vote; value 0 withdraws it."""
    check_can_take_part(user, draft, now)
    if value not in (-1, 0, 1):
        raise RuleError("A vote is for or against.")
    revision = current_revision(draft)
    if find_clause(revision, clause_key) is None:
        raise RuleError("That clause is not part of the current revision.", 404)
    vote = db.session.scalar(select(ClauseVote).where(
        ClauseVote.user_id == user.id, ClauseVote.draft_id == draft.id, ClauseVote.clause_key == clause_key))
    touch_activity(draft)
    if value == 0:
        if vote is not None:
            db.session.delete(vote)
        return None
    if vote is None:
        vote = ClauseVote(user_id=user.id, draft_id=draft.id, clause_key=clause_key,
                          revision_id=revision.id, value=value)
        db.session.add(vote)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # the same person voted twice at once: keep one vote, update it
            vote = db.session.scalar(select(ClauseVote).where(
                ClauseVote.user_id == user.id, ClauseVote.draft_id == draft.id,
                ClauseVote.clause_key == clause_key))
    vote.value, vote.revision_id, vote.updated_at = value, revision.id, utcnow()
    return vote


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
