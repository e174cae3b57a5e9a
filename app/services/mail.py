"""Account emails: signed, expiring links and sending them over SMTP.

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

from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

log = logging.getLogger(__name__)

CONFIRM_MAX_AGE = timedelta(days=7)
RESET_MAX_AGE = timedelta(hours=2)
_SALTS = {"confirm": "muhokama.confirm-email.v1", "reset": "muhokama.reset-password.v1"}
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


def make_confirm_token(user) -> str:
    return _serializer("confirm").dumps({"uid": user.id, "email": user.email})


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


def send(to: str, subject: str, template: str, **context) -> bool:
    """Send a plain-text email rendered from ``template``; False (and a log entry) on failure.

    Account mail is sent at once rather than through a queue: a person waits for it on the screen.
    """
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="muhokama")
    body = render_template(template, **context)
    msg.set_content(body)
    server = config.get("MAIL_SERVER") or ""
    if not server:
        log.warning("MAIL_SERVER is not set, so this email is written to the log instead of sent:\n"
                    "To: %s\nSubject: %s\n\n%s", to, subject, body)
        return True
    try:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 25), timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not send %r to a user via %s:%s: %s", subject, server, config.get("MAIL_PORT"), exc)
        return False
    return True
