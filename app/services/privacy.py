"""A person's own data: download it, and delete the account. Deleting keeps every contribution in
the public record (under "deleted participant") but erases the name and the email address from
everything the site shows or exports, and ends every session of the account."""
from __future__ import annotations

import json
import re
import secrets
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from werkzeug.security import check_password_hash

from app.activity import touch_drafts_of
from app.clock import utcnow
from app.extensions import db
from app.models import (
    AgencyFollow,
    BudgetPhone,
    ClauseFollow,
    ClauseVote,
    Comment,
    Draft,
    Follow,
    IdempotencyKey,
    Job,
    MailSettings,
    Notification,
    Position,
    PositionSignature,
    Proposal,
    ProposalVote,
    Report,
    User,
)
from app.search import outbox as search_outbox
from app.services.audit import audit
from app.services.rules import RuleError

_ANCHOR = re.compile(r"#c(\d+)$")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(user: User) -> dict:
    """Everything stored about ``user`` and by them, and nothing about anyone else."""
    slugs = dict(db.session.execute(select(Draft.id, Draft.slug)).all())
    comments = db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    proposals = db.session.scalars(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
    return {
        "account": {"id": user.id, "email": user.email, "display_name": user.stored_name, "role": user.role,
                    "created_at": _iso(user.created_at), "email_confirmed_at": _iso(user.email_confirmed_at),
                    "language": user.language, "timezone": user.timezone,
                    "blocked_until": _iso(user.blocked_until)},
        "comments": [{"id": c.id, "draft": slugs.get(c.draft_id), "clause_key": c.clause_key,
                      "parent_id": c.parent_id, "proposal_id": c.proposal_id, "body": c.body, "stance": c.stance,
                      "respondent_type": c.respondent_type, "organisation": c.organisation,
                      "status": c.status, "hidden_reason": c.hidden_reason, "created_at": _iso(c.created_at),
                      "edited_at": _iso(c.edited_at), "earlier_versions": [v.body for v in c.versions]}
                     for c in comments],
        "proposals": [{"id": p.id, "draft": slugs.get(p.draft_id), "clause_key": p.clause_key, "action": p.action,
                       "proposed_text": p.proposed_text, "rationale": p.rationale, "status": p.status,
                       "respondent_type": p.respondent_type, "organisation": p.organisation,
                       "hidden": p.hidden, "created_at": _iso(p.created_at)} for p in proposals],
        "votes": {
            "clauses": [{"draft": slugs.get(v.draft_id), "clause_key": v.clause_key, "value": v.value,
                         "updated_at": _iso(v.updated_at)}
                        for v in db.session.scalars(select(ClauseVote).where(ClauseVote.user_id == user.id))],
            "proposals": [{"proposal_id": v.proposal_id, "value": v.value, "created_at": _iso(v.created_at)}
                          for v in db.session.scalars(select(ProposalVote).where(ProposalVote.user_id == user.id))],
        },
        "follows": {
            "drafts": [slugs.get(f.draft_id) for f in db.session.scalars(
                select(Follow).where(Follow.user_id == user.id, Follow.following.is_(True)))],
            "clauses": [{"draft": slugs.get(f.draft_id), "clause_key": f.clause_key} for f in db.session.scalars(
                select(ClauseFollow).where(ClauseFollow.user_id == user.id))],
            "agencies": [f.agency_id for f in db.session.scalars(
                select(AgencyFollow).where(AgencyFollow.user_id == user.id))],
        },
        "positions": [{"id": p.id, "draft": slugs.get(p.draft_id), "organisation": p.organisation, "title": p.title,
                       "body": p.body, "created_at": _iso(p.created_at)}
                      for p in db.session.scalars(select(Position).where(Position.author_id == user.id))],
        "signatures": [{"position_id": s.position_id, "show_name": s.show_name, "created_at": _iso(s.created_at)}
                       for s in db.session.scalars(select(PositionSignature).where(
                           PositionSignature.user_id == user.id))],
        "budget_phone": [{"number": b.number, "confirmed_at": _iso(b.confirmed_at)} for b in db.session.scalars(
            select(BudgetPhone).where(BudgetPhone.user_id == user.id))],
        # the reports they made; never who reported them
        "reports": [{"comment_id": r.comment_id, "proposal_id": r.proposal_id, "reason": r.reason, "note": r.note,
                     "created_at": _iso(r.created_at)}
                    for r in db.session.scalars(select(Report).where(Report.reporter_id == user.id))],
    }


def delete_account(user: User, password: str, *, now: datetime | None = None) -> None:
    """Erase the name and email of ``user`` wherever they are stored beside contributions; keep the
    contributions (they are part of the record) under "deleted participant".

    :raise RuleError: wrong password (403), or a staff or admin account (their answers are official)."""
    if not check_password_hash(user.password_hash, password or ""):
        raise RuleError(_("This is not your password."), 403, field="password")
    if user.role in ("staff", "admin"):
        raise RuleError(_("Staff and administrator accounts are closed by an administrator."), 403)
    now = now or utcnow()
    name, email = user.stored_name, user.email
    touch_drafts_of(user)  # their name leaves the pages of the drafts they took part in
    comment_ids = list(db.session.scalars(select(Comment.id).where(Comment.author_id == user.id)))
    _scrub_replies(name, set(comment_ids))
    _scrub_jobs(user.id, name, email)
    # a confirmed phone number stays (as does the budget vote it allowed): freeing it would let the
    # same number confirm a new account and vote again in the same round
    for model in (Notification, Follow, ClauseFollow, AgencyFollow, MailSettings, IdempotencyKey):
        db.session.execute(delete(model).where(model.user_id == user.id))
    user.stored_name, user.email = "", f"deleted-{user.id}-{secrets.token_hex(4)}@deleted.invalid"
    user.password_hash, user.session_token = "!", secrets.token_hex(16)  # no login, every session ends
    user.timezone = user.language = None
    user.deleted_at = now
    for comment_id in comment_ids:  # the index shows authors from the database; refresh it anyway
        search_outbox.enqueue("comment", comment_id)
    audit(user, "user.delete", f"user:{user.id}")
    db.session.flush()


def _scrub_replies(name: str, comment_ids: set[int]) -> None:
    """Others' "NAME replied to your comment." notices about the person's comments lose the name."""
    if not name or not comment_ids:
        return
    for note in db.session.scalars(select(Notification).where(
            Notification.kind == "comment.reply",
            or_(Notification.message.contains(name), Notification.params.contains(json.dumps(name)[1:-1])))):
        found = _ANCHOR.search(note.link or "")
        if found and int(found.group(1)) in comment_ids:
            recipient = db.session.get(User, note.user_id)
            with force_locale((recipient.language if recipient else None) or "en"):
                deleted = str(_l("deleted participant"))
            note.message = note.message.replace(name, deleted)  # rows written out in one language
            if note.params:  # rows translated when shown keep the name among their parameters
                params = json.loads(note.params)
                note.params = json.dumps({k: deleted if v == name else v for k, v in params.items()},
                                         ensure_ascii=False, sort_keys=True)


def _scrub_jobs(user_id: int, name: str, email: str) -> None:
    """Queued or sent emails naming the person: to them, dropped; about them, without the name."""
    quoted = [json.dumps(v, ensure_ascii=False) for v in (email, name) if v]
    for job in db.session.scalars(select(Job).where(or_(*(Job.payload.contains(q) for q in quoted)))):
        data = json.loads(job.payload)
        if data.get("email") == email or data.get("user_id") == user_id:
            job.payload = "{}"
            if job.status in ("pending", "running"):
                job.status, job.last_error = "failed", "account deleted"
        elif data.get("name") == name:
            job.payload = json.dumps({**data, "name": "deleted participant"}, ensure_ascii=False, sort_keys=True)
