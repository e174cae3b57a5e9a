"""Moderation that never deletes and always explains: reports by readers (N of them hide an item
pending review), hiding with a public reason and restoring, blocking people for a while, and "this
was not me" disputes. Every action is written to the hash-chained audit log."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import queries
from app.activity import touch_activity
from app.clock import utcnow
from app.extensions import db
from app.labels import N_
from app.links import path_for
from app.models import (
    REPORT_REASONS,
    BudgetProject,
    BudgetRound,
    BudgetUpdate,
    Comment,
    Draft,
    Position,
    Proposal,
    Report,
    User,
    UserBlock,
)
from app.services.audit import audit
from app.services.notifications import comment_link, notify, proposal_link
from app.services.rules import (
    MAX_REASON_CHARS,
    RuleError,
    authorize_moderator,
    check_not_blocked,
    clean_text,
)

Item = Comment | Proposal | BudgetProject | BudgetUpdate | Position
#: what people publish and moderators may hide: the kind in addresses, the model, the report's column
KINDS = {"comment": Comment, "proposal": Proposal, "project": BudgetProject, "update": BudgetUpdate,
         "position": Position}
REPORT_COLUMN = {"comment": "comment_id", "proposal": "proposal_id", "project": "budget_project_id",
                 "update": "budget_update_id", "position": "position_id"}


PENDING_REASON = N_("Hidden pending review after reports from readers.")


def kind_of(item: Item) -> str:
    return next(kind for kind, model in KINDS.items() if isinstance(item, model))


def target(item: Item) -> str:
    return f"{kind_of(item)}:{item.id}"


def _round_of(item: BudgetProject | BudgetUpdate) -> tuple[BudgetRound, BudgetProject]:
    project = item if isinstance(item, BudgetProject) else db.session.get(BudgetProject, item.project_id)
    return db.session.get(BudgetRound, project.round_id), project


def link_of(item: Item) -> str:
    if isinstance(item, (BudgetProject, BudgetUpdate)):
        budget_round, project = _round_of(item)
        return path_for("budget.project", slug=budget_round.slug, project_id=project.id,
                        anchor=f"u{item.id}" if isinstance(item, BudgetUpdate) else None)
    draft = db.session.get(Draft, item.draft_id)
    if isinstance(item, Position):
        return path_for("positions.position", slug=draft.slug, position_id=item.id)
    return comment_link(draft, item) if isinstance(item, Comment) else proposal_link(draft, item)


def place_of(item: Item) -> tuple[str, str]:
    """The title and address of what the item belongs to: its draft, or its budget round."""
    if isinstance(item, (BudgetProject, BudgetUpdate)):
        budget_round, _project = _round_of(item)
        return budget_round.title, path_for("budget.round_page", slug=budget_round.slug)
    draft = db.session.get(Draft, item.draft_id)
    return draft.title, path_for("reading.draft", slug=draft.slug)


def _set_public(item: Item, public: bool) -> None:
    """Hide or show; the draft's cached counts and clusters are derived from this, so move their stamp."""
    if isinstance(item, Comment):
        item.status = "visible" if public else "hidden"
        item.updated_at = utcnow()
    else:
        item.hidden = not public
    if isinstance(item, (Comment, Proposal, Position)):  # budget items have no draft and no cached counts
        touch_activity(db.session.get(Draft, item.draft_id))


def _report_filter(item: Item):
    return getattr(Report, REPORT_COLUMN[kind_of(item)]) == item.id


def _tell_author(item: Item, message: str) -> None:
    if item.author_id is None:  # a project imported from a file has no author to tell
        return
    draft = db.session.get(Draft, item.draft_id) if hasattr(item, "draft_id") else None
    notify(item.author_id, draft, "moderation", message, link_of(item))


def report(user: User, item: Item, *, reason: str, note: str = "", threshold: int = 3,
           now: datetime | None = None) -> Report:
    """Report a public contribution once; the ``threshold``-th open report hides it pending review."""
    now = now or utcnow()
    if not user.is_confirmed:
        raise RuleError(_("Please confirm your email address before taking part."), 403)
    check_not_blocked(user, now)
    if reason not in REPORT_REASONS:
        raise RuleError(_("Choose a reason for the report."), field="reason")
    if not queries.is_public(item):
        raise RuleError(_("This contribution is already hidden."), 409)
    if item.author_id == user.id:
        raise RuleError(_("You cannot report your own contribution."), 403)
    note = clean_text(note, _("The note"), MAX_REASON_CHARS, required=False)
    if db.session.scalar(select(Report.id).where(_report_filter(item), Report.reporter_id == user.id)):
        raise RuleError(_("You have already reported this."), 409)
    row = Report(reporter_id=user.id, reason=reason, note=note, created_at=now,
                 **{REPORT_COLUMN[kind_of(item)]: item.id})
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise RuleError(_("You have already reported this."), 409) from None
    audit(user, "report.create", target(item), reason)
    open_reports = db.session.scalar(select(func.count()).select_from(Report).where(
        _report_filter(item), Report.resolved_at.is_(None)))
    # a project on the ballot waits for a moderator: reports alone must not take it off the vote
    on_ballot = isinstance(item, BudgetProject) and item.status in ("eligible", "disqualified")
    if open_reports >= max(1, threshold) and not on_ballot:
        _set_public(item, False)
        item.pending_review, item.hidden_reason, item.hidden_at = True, PENDING_REASON, now
        _tell_author(item, N_("One of your contributions was hidden pending review after reports from readers. "
                              "A moderator will look at it."))
        audit(None, "moderation.auto_hide", target(item), "reports")
    return row


def hide(moderator: User, item: Item, *, reason: str, explanation: str, now: datetime | None = None) -> None:
    """Hide a contribution with a public reason; it stays in the database and leaves a tombstone."""
    authorize_moderator(moderator)
    if reason not in REPORT_REASONS:
        raise RuleError(_("Choose a reason for the report."), field="reason")
    explanation = clean_text(explanation, _("The public reason"), MAX_REASON_CHARS)
    now = now or utcnow()
    _set_public(item, False)
    item.pending_review, item.hidden_reason, item.hidden_at = False, explanation, now
    _resolve(item, now)
    _tell_author(item, N_("A moderator hid one of your contributions. The reason is shown in its place."))
    audit(moderator, "moderation.hide", target(item), reason)


def restore(moderator: User, item: Item, *, now: datetime | None = None) -> None:
    """Show a hidden contribution again (its reports are closed)."""
    authorize_moderator(moderator)
    now = now or utcnow()
    if queries.is_public(item) and not item.pending_review:
        raise RuleError(_("This contribution is not hidden."), 409)
    _set_public(item, True)
    item.pending_review, item.hidden_reason, item.hidden_at = False, "", None
    _resolve(item, now)
    _tell_author(item, N_("A moderator restored one of your contributions."))
    audit(moderator, "moderation.restore", target(item))


def dismiss(moderator: User, item: Item, *, now: datetime | None = None) -> None:
    """Close the reports on a contribution that stays public."""
    authorize_moderator(moderator)
    _resolve(item, now or utcnow())
    audit(moderator, "moderation.dismiss", target(item))


def _resolve(item: Item, now: datetime) -> None:
    db.session.execute(update(Report).where(_report_filter(item), Report.resolved_at.is_(None))
                       .values(resolved_at=now))


def block(moderator: User, person: User, *, reason: str, ends_at: datetime | None,
          now: datetime | None = None) -> UserBlock:
    """Stop a person taking part until ``ends_at``; they read everything and see why."""
    authorize_moderator(moderator)
    now = now or utcnow()
    if person.id == moderator.id:
        raise RuleError(_("You cannot block yourself."), 403)
    if person.is_staff or (person.is_moderator and moderator.role != "admin"):
        raise RuleError(_("Staff and moderators cannot be blocked here."), 403)
    reason = clean_text(reason, _("The reason"), MAX_REASON_CHARS)
    if ends_at is None or ends_at.tzinfo is None or ends_at <= now:
        raise RuleError(_("The end of the block must be a date in the future."), field="ends_at")
    row = UserBlock(user_id=person.id, reason=reason, ends_at=ends_at, created_by_id=moderator.id, created_at=now)
    db.session.add(row)
    person.blocked_until, person.block_reason = ends_at, reason
    audit(moderator, "moderation.block", f"user:{person.id}", f"until {ends_at:%Y-%m-%d}: {reason}")
    return row


def unblock(moderator: User, person: User, *, now: datetime | None = None) -> None:
    authorize_moderator(moderator)
    now = now or utcnow()
    if not person.blocked_at(now):
        raise RuleError(_("This person is not blocked."), 409)
    db.session.execute(update(UserBlock).where(UserBlock.user_id == person.id, UserBlock.lifted_at.is_(None),
                                               UserBlock.ends_at > now)
                       .values(lifted_at=now, lifted_by_id=moderator.id))
    person.blocked_until, person.block_reason = None, ""
    audit(moderator, "moderation.unblock", f"user:{person.id}")


def dispute(user: User, item: Item, *, now: datetime | None = None) -> None:
    """"This was not me": the account holder marks a contribution made under their address as
    disputed. It stays in the record, marked, and moderators see it in their queue."""
    if item.author_id != user.id:
        raise RuleError(_("You can only dispute contributions made under your own account."), 403)
    if item.disputed_at is not None:
        raise RuleError(_("You have already disputed this."), 409)
    item.disputed_at = now or utcnow()
    audit(user, "contribution.dispute", target(item))


# --- what moderators see ---------------------------------------------------------------------

def queue() -> list[dict]:
    """Contributions with open reports, hidden pending review, or disputed: the most reported first,
    each with its open reports counted by reason."""
    by_item: dict[tuple[str, int], dict[str, int]] = {}
    columns = [getattr(Report, name) for name in REPORT_COLUMN.values()]
    for *ids, reason, n in db.session.execute(
            select(*columns, Report.reason, func.count()).where(Report.resolved_at.is_(None))
            .group_by(*columns, Report.reason)):
        kind, item_id = next((k, i) for k, i in zip(REPORT_COLUMN, ids, strict=True) if i is not None)
        by_item.setdefault((kind, item_id), {})[reason] = n
    for kind, model in KINDS.items():
        for item_id in db.session.scalars(select(model.id).where(
                model.pending_review.is_(True) | model.disputed_at.is_not(None)).limit(500)):
            by_item.setdefault((kind, item_id), {})
    rows = [_row(kind, db.session.get(KINDS[kind], item_id), reasons) for (kind, item_id), reasons in by_item.items()]
    rows.sort(key=lambda r: (not r["item"].pending_review, -r["total"], r["item"].id))
    return rows


def _row(kind: str, item: Item, reasons: dict[str, int]) -> dict:
    title, url = place_of(item)
    return {"kind": kind, "item": item, "reasons": reasons, "total": sum(reasons.values()),
            "place": {"title": title, "url": url}, "public": queries.is_public(item)}


def recently_hidden(limit: int = 50) -> list[dict]:
    """What moderators hid lately (it has left the queue), newest first, so one can be restored."""
    items = [(kind, item) for kind, model in KINDS.items()
             for item in db.session.scalars(select(model).where(~queries.public(model), model.pending_review.is_(False))
                                            .order_by(model.hidden_at.desc(), model.id.desc()).limit(limit))]
    items.sort(key=lambda pair: (pair[1].hidden_at is not None, pair[1].hidden_at or utcnow()), reverse=True)
    return [_row(kind, item, {}) for kind, item in items[:limit]]


def active_blocks(now: datetime | None = None) -> list[User]:
    return list(db.session.scalars(select(User).where(User.blocked_until > (now or utcnow()))
                                   .order_by(User.blocked_until)))


def hidden_counts() -> dict[str, int]:
    """How many contributions are hidden now (pending review and by a moderator), for the public."""
    counts = {"pending": 0, "hidden": 0}
    for model in KINDS.values():
        for pending, n in db.session.execute(select(model.pending_review, func.count())
                                             .where(~queries.public(model)).group_by(model.pending_review)):
            counts["pending" if pending else "hidden"] += n
    return counts
