"""Emails: signed links (account links expire; unsubscribe links do not), building a message and
handing it to the SMTP server. Sending happens in `flask worker` (app/services/emails.py).

Links carry an itsdangerous token with a salt per purpose, so a confirmation token can never be
used as a reset token. A reset token also carries a fingerprint of the password hash it was made
for: once the password changes, every earlier reset link stops working (single use).
With MAIL_SERVER empty the message is written to the log instead, so a laptop needs no mail server.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

log = logging.getLogger(__name__)

CONFIRM_MAX_AGE = timedelta(days=7)
RESET_MAX_AGE = timedelta(hours=2)
_SALTS = {"confirm": "muhokama.confirm-email.v1", "reset": "muhokama.reset-password.v1",
          "unsubscribe": "muhokama.unsubscribe.v1"}
_MAX_AGES = {"confirm": CONFIRM_MAX_AGE, "reset": RESET_MAX_AGE}


class TokenError(Exception):
    """A link that cannot be used; ``reason`` is "expired", "invalid" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[purpose])


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the hash: enough to notice a change, useless for cracking."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def make_confirm_token(user, next_path: str | None = None) -> str:
    """``next_path``: where the person was when they registered, to return them there once confirmed."""
    data = {"uid": user.id, "email": user.email}
    if next_path:
        data["next"] = next_path[:500]
    return _serializer("confirm").dumps(data)


def make_reset_token(user) -> str:
    return _serializer("reset").dumps({"uid": user.id, "pw": password_fingerprint(user.password_hash)})


def read_token(purpose: str, token: str) -> dict:
    """The token's payload. :raise TokenError: when it is expired, tampered with or malformed."""
    if not token or len(token) > 1000:
        raise TokenError("invalid")
    try:
        data = _serializer(purpose).loads(token, max_age=int(_MAX_AGES[purpose].total_seconds()))
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise TokenError("invalid")
    return data


def check_reset_fingerprint(data: dict, user) -> None:
    """:raise TokenError("used"): when the password changed since the link was made."""
    if not hmac.compare_digest(str(data.get("pw", "")), password_fingerprint(user.password_hash)):
        raise TokenError("used")


def make_unsubscribe_token(user_id: int) -> str:
    """For the link in every notification email; it never expires (an old email must still work)."""
    return _serializer("unsubscribe").dumps({"uid": user_id})


def read_unsubscribe_token(token: str) -> int:
    """:raise TokenError: when the token was not made here."""
    if not token or len(token) > 500:
        raise TokenError("invalid")
    try:
        data = _serializer("unsubscribe").loads(token)
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise TokenError("invalid")
    return data["uid"]


def message(to: str, subject: str, text: str, html: str | None = None, *, message_id: str | None = None,
            headers: dict[str, str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="muhokama")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def deliver(msg: EmailMessage) -> None:
    """Hand one message to the SMTP server. :raise OSError or smtplib.SMTPException: on failure
    (the job is retried later). With MAIL_SERVER empty the message is written to the log."""
    config = current_app.config
    server = config.get("MAIL_SERVER") or ""
    if not server:
        text = msg.get_body(("plain",)).get_content() if msg.is_multipart() else msg.get_content()
        log.warning("MAIL_SERVER is not set, so this email is written to the log instead of sent:\n"
                    "To: %s\nSubject: %s\n\n%s", msg["To"], msg["Subject"], text)
        return
    with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 25), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)
