"""Accounts and agencies."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.activity import touch_drafts_of
from app.clock import utcnow
from app.extensions import db
from app.models import Agency, Draft, User
from app.services.audit import audit
from app.services.rules import RuleError, check_role


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


def unique_slug(model: type[Agency | Draft], text: str, max_len: int = 80) -> str:
    """A slug for ``text`` not yet used by any row of ``model`` (``-2``, ``-3``... appended)."""
    base = slugify(text, max_len)
    slug, n = base, 1
    while db.session.scalar(select(model.id).where(model.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def name_key(name: str) -> str:
    """How a name reads, for comparing: compatibility forms folded, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def copies_an_official(name: str, user_id: int | None = None) -> bool:
    """True when a name reads like a staff member's, a moderator's or an agency's (people must
    not pass for officials); the person's own current name is allowed."""
    key = name_key(name)
    if not key:
        return False
    officials = db.session.scalars(select(User.display_name).where(
        User.role.in_(("staff", "moderator", "admin")), User.id != (user_id or 0)))
    agencies = db.session.scalars(select(Agency.name))
    return any(name_key(n) == key for n in officials) or any(
        name_key(a) == key or name_key(a) in key for a in agencies)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def get_or_create_agency(name: str) -> Agency:
    name = name.strip()
    agency = db.session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        agency = Agency(name=name, slug=unique_slug(Agency, name, 60))
        db.session.add(agency)
        db.session.flush()
    return agency


def create_user(*, email: str, password: str, display_name: str, role: str = "citizen",
                agency_name: str | None = None, confirmed: bool = False, language: str | None = None) -> User:
    """:raise RuleError: when the email is taken, the role unknown, or staff has no agency."""
    email = email.strip().lower()
    check_role(role)
    if role == "staff" and not agency_name:
        raise RuleError(_("Staff accounts belong to an agency: give --agency."))
    if len(password) < 8:
        raise RuleError(_("The password must be at least 8 characters long."))
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise RuleError(_("An account with this email address already exists."), 409)
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password),
                role=role, agency=get_or_create_agency(agency_name) if agency_name else None,
                email_confirmed_at=utcnow() if confirmed else None, language=language)
    db.session.add(user)
    db.session.flush()
    audit(user, "user.create", f"user:{user.id}", role)
    return user


def set_profile(user: User, display_name: str, timezone: str | None) -> None:
    """The name shown beside a person's contributions (their drafts' pages change with it) and their zone."""
    if display_name != user.display_name:
        touch_drafts_of(user)
    user.display_name, user.timezone = display_name, timezone


def set_language(user: User, code: str) -> None:
    """Remember the interface language with the account, so it follows the person to any device."""
    user.language = code
