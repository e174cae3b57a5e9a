"""Who may vote in a round: the verification a round requires (a confirmed email, a phone number
confirmed by an SMS code, or residence confirmed by the district's staff)."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.models import BudgetPhone, BudgetResidency, BudgetRound, User
from app.services import sms
from app.services.audit import audit
from app.services.rules import RuleError, authorize, clean_text

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
_PHONE = re.compile(r"\+?[0-9]{9,15}")


def normalize_phone(raw: str | None) -> str:
    """``+998 90 123-45-67`` -> ``+998901234567``; nine digits are an Uzbek number without the code.

    :raise RuleError: 400 unless it is a phone number."""
    number = re.sub(r"[\s\-().]", "", raw or "")
    if not _PHONE.fullmatch(number):
        raise RuleError(_("Enter a phone number with its country code, such as +998 90 123 45 67."), field="phone")
    digits = number.lstrip("+")
    return "+" + ("998" + digits if len(digits) == 9 else digits)


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def send_code(user: User, raw_number: str) -> BudgetPhone:
    """Send a six-digit code to the number; confirming it links the number to this person.

    :raise RuleError: 409 when the number is another person's; 502 when the gateway fails."""
    number = normalize_phone(raw_number)
    taken = db.session.scalar(select(BudgetPhone).where(BudgetPhone.number == number))
    if taken is not None and taken.user_id != user.id:
        if taken.confirmed_at is not None:
            raise RuleError(_("This phone number is already confirmed for another account."), 409, field="phone")
        db.session.delete(taken)  # an unconfirmed claim does not keep the number from its holder
        db.session.flush()
    phone = db.session.scalar(select(BudgetPhone).where(BudgetPhone.user_id == user.id))
    if phone is None:
        phone = BudgetPhone(user_id=user.id, number=number)
        db.session.add(phone)
    code = f"{secrets.randbelow(10**6):06d}"
    phone.number, phone.code_hash, phone.code_sent_at, phone.attempts = number, _code_hash(code), utcnow(), 0
    phone.confirmed_at = None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # someone confirmed the same number at the same moment
        raise RuleError(_("This phone number is already confirmed for another account."), 409, field="phone")
    try:
        sms.send_sms(number, _("Muhokama code: %(code)s. Do not give it to anyone.", code=code))
    except sms.SMSError as exc:
        raise RuleError(_("The text message could not be sent. Please try again later."), 502) from exc
    return phone


def confirm_code(user: User, code: str | None) -> BudgetPhone:
    """:raise RuleError: 400 for a wrong or expired code, 429 after too many attempts."""
    phone = db.session.scalar(select(BudgetPhone).where(BudgetPhone.user_id == user.id))
    if phone is None or not phone.code_hash:
        raise RuleError(_("Ask for a code first."), field="code")
    if phone.attempts >= MAX_ATTEMPTS:
        raise RuleError(_("Too many wrong codes. Ask for a new code."), 429, field="code")
    phone.attempts += 1
    if phone.code_sent_at < utcnow() - timedelta(minutes=CODE_MINUTES):
        raise RuleError(_("The code has expired. Ask for a new code."), field="code")
    if not hmac.compare_digest(phone.code_hash, _code_hash((code or "").strip())):
        raise RuleError(_("The code is not right. Check the text message and try again."), field="code")
    phone.confirmed_at, phone.code_hash = utcnow(), ""
    return phone


def confirmed_phone(user: User) -> BudgetPhone | None:
    return db.session.scalar(select(BudgetPhone).where(BudgetPhone.user_id == user.id,
                                                       BudgetPhone.confirmed_at.is_not(None)))


def confirm_residence(staff: User, budget_round: BudgetRound, email: str, mahalla: str) -> BudgetResidency:
    """Staff of the round's district confirm that the account's holder lives there (seen at the
    mahalla office). :raise RuleError: 403 for others, 404 for an unknown account."""
    authorize(staff, budget_round)
    resident = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if resident is None:
        raise RuleError(_("There is no account with this email address."), 404, field="email")
    mahalla = clean_text(mahalla, _("The mahalla"), 200, required=False)
    found = db.session.scalar(select(BudgetResidency).where(BudgetResidency.user_id == resident.id,
                                                            BudgetResidency.agency_id == budget_round.agency_id))
    if found is None:
        found = BudgetResidency(user_id=resident.id, agency_id=budget_round.agency_id, confirmed_by_id=staff.id)
        db.session.add(found)
    found.mahalla, found.confirmed_by_id, found.confirmed_at = mahalla, staff.id, utcnow()
    audit(staff, "budget.residence", f"user:{resident.id}", budget_round.agency.name)
    return found


def is_resident(user: User, budget_round: BudgetRound) -> bool:
    return db.session.scalar(select(BudgetResidency.id).where(
        BudgetResidency.user_id == user.id, BudgetResidency.agency_id == budget_round.agency_id)) is not None


def check_verified(user: User, budget_round: BudgetRound) -> None:
    """:raise RuleError: 403 unless the person has the verification the round requires."""
    if not user.is_confirmed:
        raise RuleError(_("Please confirm your email address before voting."), 403)
    if budget_round.requires == "phone" and confirmed_phone(user) is None:
        raise RuleError(_("This round requires a phone number confirmed by a text message."), 403)
    if budget_round.requires == "staff" and not is_resident(user, budget_round):
        raise RuleError(_("This round requires your residence to be confirmed at the mahalla office."), 403)


def resident_agency_ids(user: User | None) -> set[int]:
    """The districts where the person's residence is confirmed (their rounds are listed first)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(BudgetResidency.agency_id).where(BudgetResidency.user_id == user.id)))
