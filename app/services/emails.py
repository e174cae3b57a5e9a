"""Email through the job outbox: account emails (confirmation, reset) and notices (a new revision
with the redline of the clauses one follows, a consultation opening or closing soon, a decision,
an official answer or a reply on one's input), at once or as a daily digest, in the person's
language, each with a one-click unsubscribe link and ``List-Unsubscribe`` header.

Services queue with ``queue_account_email`` / ``queue_notice`` inside their transaction; the
handlers in ``HANDLERS`` run in `flask worker` and render each email when it is sent.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from app import queries
from app.clock import utcnow
from app.extensions import db
from app.i18n import valid_timezone
from app.links import diff_path, path_for, safe_next
from app.models import BudgetProject, Draft, Job, MailSettings, User
from app.services import jobs, mail
from app.services.rules import RuleError
from drafts.diff import DELETE, INSERT, diff_html, word_diff

ACCOUNT_PURPOSES = ("register", "resend", "reset")
NOTICE_KINDS = ("revision", "opened", "closing", "decided", "answered", "reply", "received",
                "budget_vetted", "budget_voting", "budget_results")
DIGEST_HOUR = 7  #: local time of the daily digest
MAX_REDLINES = 20  #: clauses shown in one email; the rest are behind the diff link


# --- settings -------------------------------------------------------------------------------

def settings_for(user_id: int) -> MailSettings:
    """The person's settings, or the defaults (not stored) when they never chose."""
    row = db.session.get(MailSettings, user_id)
    return row or MailSettings(user_id=user_id, frequency="immediate")


def language_of(user: User) -> str:
    """The one language a person is written to in: their account's, else the site's default."""
    return user.language if user.language in current_app.config["LANGUAGES"] \
        else current_app.config["BABEL_DEFAULT_LOCALE"]


def save_settings(user: User, *, frequency: str | None = None, language: str | None = None) -> MailSettings:
    """How often the person is emailed; ``language`` is the account's, for pages and emails alike."""
    if frequency is not None and frequency not in ("immediate", "daily", "off"):
        raise RuleError(_("Choose how often we may email you."), field="frequency")
    if language is not None and language not in current_app.config["LANGUAGES"]:
        raise RuleError(_("Choose one of the offered languages."), field="language")
    row = db.session.get(MailSettings, user.id)
    if row is None:
        row = settings_for(user.id)
        db.session.add(row)
    if frequency is not None:
        row.frequency = frequency
    if language is not None:
        user.language = language
    row.updated_at = utcnow()
    return row


def unsubscribe(user_id: int) -> None:
    """The one-click unsubscribe: no more notice emails (account emails still come)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise RuleError(_("This link is not valid."), 404)
    save_settings(user, frequency="off")


# --- queueing ---------------------------------------------------------------------------------

def queue_account_email(purpose: str, address: str, language: str, next_path: str | None = None) -> None:
    """Queue a confirmation or reset email for an address. Whether the address has an account is
    decided by the worker, so the page does the same work (and takes as long) either way.
    ``next_path``: the page the person was on, where confirming their address takes them back."""
    assert purpose in ACCOUNT_PURPOSES
    data = {"purpose": purpose, "email": address, "lang": language}
    if safe_next(next_path):
        data["next"] = next_path[:500]
    jobs.enqueue("email.account", data)


def next_digest(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    at = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=local.tzinfo)
    return at if at > local else at + timedelta(days=1)


def _zone(user: User) -> str:
    return user.timezone if valid_timezone(user.timezone) else current_app.config["DEFAULT_TIMEZONE"]


def queue_notice(user_id: int, kind: str, draft: Draft | None, link: str, **params) -> None:
    """Queue an email notice for one person, at once or for their daily digest; nothing for people
    who turned email off or never confirmed their address. ``draft`` is None for the budget's."""
    assert kind in NOTICE_KINDS
    user = db.session.get(User, user_id)
    settings = settings_for(user_id)
    if user is None or not user.is_confirmed or settings.frequency == "off":
        return
    data = {"user_id": user_id, "kind": kind, "draft_id": draft.id if draft else None, "link": link, **params}
    if settings.frequency == "daily":
        jobs.enqueue("email.notice", data, batch_key=f"digest:{user_id}",
                     run_after=next_digest(utcnow(), _zone(user)))
    else:
        jobs.enqueue("email.notice", data)


# --- rendering --------------------------------------------------------------------------------

def absolute(path: str) -> str:
    return current_app.config.get("BASE_URL", "http://localhost:5000").rstrip("/") + path


def redline_text(ops) -> str:
    marks = {DELETE: ("[-", "-]"), INSERT: ("{+", "+}")}
    return "".join(marks.get(op, ("", ""))[0] + text + marks.get(op, ("", ""))[1] for op, text in ops)


def redlines(draft: Draft, old_number: int, new_number: int, keys: list[str] | None) -> tuple[list[dict], int]:
    """The changed clauses (only ``keys``, or all) between two revisions, as text and HTML
    redlines; and how many more changed clauses there are than shown."""
    old, new = queries.revision_by_number(draft, old_number), queries.revision_by_number(draft, new_number)
    if old is None or new is None:
        return [], 0
    before = {c.key: c for c in queries.revision_clauses(old)}
    after = {c.key: c for c in queries.revision_clauses(new)}
    order = [c.key for c in queries.revision_clauses(new)] + [k for k in before if k not in after]
    wanted = set(keys) if keys is not None else None
    changed = [k for k in order if (wanted is None or k in wanted)
               and (before[k].text if k in before else None) != (after[k].text if k in after else None)]
    out = []
    for key in changed[:MAX_REDLINES]:
        a, b = before.get(key), after.get(key)
        old_text, new_text = (a.text if a else ""), (b.text if b else "")
        label = (b or a).label
        state = _("deleted") if b is None else _("new") if a is None else _("changed")
        out.append({"label": f"{label} ({state})", "text": redline_text(word_diff(old_text, new_text)),
                    "html": diff_html(old_text, new_text), "link": absolute(
                        path_for("reading.clause", slug=draft.slug, eid=b.eid) if b else
                        diff_path(draft.slug, old_number, new_number))})
    return out, max(len(changed) - MAX_REDLINES, 0)


def _when(value: str, user: User, lang: str) -> str:
    return format_datetime(datetime.fromisoformat(value), "medium", tzinfo=ZoneInfo(_zone(user)),
                           locale=lang.replace("uz_Cyrl", "uz_Cyrl_UZ"))


def notice_item(data: dict, user: User, lang: str) -> dict | None:
    """One notice as the email shows it, in the current (forced) locale; None if it must not be
    sent any more (the draft is gone or no longer visible to the person)."""
    if data["kind"].startswith("budget_"):
        if db.session.get(BudgetProject, data.get("project_id")) is None:
            return None
        title, lines = budget_notice(data, user, lang)
        return {"link": absolute(data["link"]), "title": title, "lines": lines, "redlines": [], "more": 0}
    draft = db.session.get(Draft, data["draft_id"])
    if draft is None or not queries.may_see(user, draft):
        return None
    kind, title = data["kind"], draft.title
    item = {"link": absolute(data["link"]), "lines": [], "redlines": [], "more": 0}
    if kind == "revision":
        item["title"] = _("Revision %(n)d of %(title)s is published", n=data["new"], title=title)
        if data.get("note"):
            item["lines"].append(_("What changed and why: %(note)s", note=data["note"]))
        item["redlines"], item["more"] = redlines(draft, data["old"], data["new"], data.get("keys"))
        if data.get("keys") is not None:
            item["lines"].append(_("Below: the clauses you follow or commented on, as they changed."))
    elif kind == "opened":
        item["title"] = _("Consultation opened: %(title)s", title=title)
        item["lines"].append(_("Comments are welcome until %(when)s.", when=_when(data["closes_at"], user, lang)))
    elif kind == "closing":
        item["title"] = _("Closing soon: %(title)s", title=title)
        item["lines"].append(_("The consultation closes on %(when)s.", when=_when(data["closes_at"], user, lang)))
    elif kind == "decided":
        outcome = {"accepted": _("accepted"), "partly_accepted": _("partly accepted"), "noted": _("noted"),
                   "rejected": _("rejected")}.get(data["outcome"], data["outcome"])
        item["title"] = (_("Your proposal on %(title)s was %(outcome)s", title=title, outcome=outcome)
                         if data.get("on") == "proposal" else
                         _("Your comment on %(title)s was marked %(outcome)s", title=title, outcome=outcome))
        item["lines"].append(_("The reason given: %(reason)s", reason=data.get("reason", "")))
    elif kind == "received":
        item["title"] = (_("We received your proposal on %(title)s", title=title) if data.get("what") == "proposal"
                         else _("We received your comment on %(title)s", title=title))
        item["lines"].append(_("Its receipt number is %(receipt)s. Keep it: it finds your input again.",
                               receipt=data.get("receipt", "")))
    elif kind == "answered":
        item["title"] = _("An official answer to your comment on %(title)s", title=title)
    else:
        item["title"] = _("%(name)s replied to your comment on %(title)s", name=data.get("name", ""), title=title)
    return item


def _money(amount: int) -> str:
    return _("%(amount)s so'm", amount=format_decimal(amount))


def budget_notice(data: dict, user: User, lang: str) -> tuple[str, list[str]]:
    """What a proposer is told about their project, in the current (forced) locale: the in-app
    notification and the email say the same. ``data`` holds the facts as they were decided."""
    title, lines = data["title"], []
    if data["kind"] == "budget_vetted":
        if data["eligible"]:
            head = _("Your project “%(title)s” is on the ballot of %(round)s.", title=title, round=data["round"])
            if data.get("approved_cost") not in (None, data["cost"]):
                lines.append(_("Its cost was adjusted in vetting from %(estimate)s to %(cost)s.",
                               estimate=_money(data["cost"]), cost=_money(data["approved_cost"])))
        else:
            head = _("Your project “%(title)s” is not eligible for %(round)s.", title=title, round=data["round"])
        lines.append(_("The reason given: %(reason)s", reason=data.get("reason", "")))
    elif data["kind"] == "budget_voting":
        head = _("Voting has opened in %(round)s.", round=data["round"])
        lines.append(_("Your project “%(title)s” is on the ballot. Voting closes on %(when)s.", title=title,
                       when=_when(data["closes_at"], user, lang)))
    else:
        head = (_("Your project “%(title)s” is funded.", title=title) if data["funded"] else
                _("Your project “%(title)s” is not funded.", title=title))
        lines.append(ngettext("It received %(num)d vote.", "It received %(num)d votes.", data["votes"]))
        if data.get("reason") and not data["funded"]:
            lines.append(_("The reason given: %(reason)s", reason=data["reason"]))
        lines.append(_("The round page shows the results with their arithmetic."))
    return head, lines


def _headers(user_id: int) -> tuple[str, dict[str, str]]:
    url = absolute(path_for("alerts.unsubscribe", token=mail.make_unsubscribe_token(user_id)))
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _message_id(job: Job) -> str:
    return f"<job-{job.id}-{int(job.created_at.timestamp())}@muhokama>"  # the same if a retry sends it again


# --- the worker's handlers --------------------------------------------------------------------

def _account(batch: list[Job]) -> jobs.Action:
    job = batch[0]
    data = jobs.payload(job)
    user = db.session.scalar(select(User).where(User.email == data.get("email")))
    purpose, lang = data.get("purpose"), data.get("lang") or "en"
    if user is None or (purpose == "resend" and user.is_confirmed):
        return lambda: None  # nobody to write to: the page said the same anyway
    with force_locale(lang):
        if purpose == "reset":
            hours = int(mail.RESET_MAX_AGE.total_seconds() // 3600)
            subject = _("Choose a new password for Muhokama")
            text = render_template("accounts/email/reset.txt", hours=hours, link=absolute(
                path_for("accounts.reset", token=mail.make_reset_token(user))))
        elif user.is_confirmed:
            subject = _("You already have a Muhokama account")
            text = render_template("accounts/email/already_registered.txt",
                                   login=absolute(path_for("accounts.login")),
                                   forgot=absolute(path_for("accounts.forgot")))
        else:
            subject = _("Confirm your email address for Muhokama")
            text = render_template("accounts/email/confirm.txt", days=mail.CONFIRM_MAX_AGE.days, link=absolute(
                path_for("accounts.confirm", token=mail.make_confirm_token(user, safe_next(data.get("next"))))))
    msg = mail.message(user.email, subject, text, message_id=_message_id(job))
    return lambda: mail.deliver(msg)


def _notices(batch: list[Job]) -> jobs.Action:
    """One email for the batch: a single notice, or a person's daily digest."""
    first = jobs.payload(batch[0])
    user = db.session.get(User, first["user_id"])
    settings = settings_for(first["user_id"])
    if user is None or settings.frequency == "off":
        return lambda: None  # unsubscribed since: drop quietly
    lang = language_of(user)
    with force_locale(lang):
        items = [item for item in (notice_item(jobs.payload(j), user, lang) for j in batch) if item]
        if not items:
            return lambda: None
        subject = items[0]["title"] if len(items) == 1 else ngettext(
            "Muhokama: %(num)d update", "Muhokama: %(num)d updates", len(items))
        unsubscribe_url, headers = _headers(user.id)
        context = {"items": items, "name": user.display_name, "unsubscribe": unsubscribe_url,
                   "settings": absolute(path_for("alerts.settings")), "lang": lang}
        text = render_template("emails/notices.txt", **context)
        html = render_template("emails/notices.html", **context)
    msg = mail.message(user.email, subject, text, html, message_id=_message_id(batch[0]), headers=headers)
    return lambda: mail.deliver(msg)


HANDLERS: dict[str, jobs.Handler] = {"email.account": _account, "email.notice": _notices}
