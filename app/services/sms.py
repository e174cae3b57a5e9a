"""The SMS gateway: one interface, a backend chosen by ``SMS_BACKEND``.

* ``log`` (default, for development): the message is written to the log and kept in ``SENT``.
* ``http``: a JSON POST ``{"to": NUMBER, "text": TEXT}`` to ``SMS_HTTP_URL`` with
  ``Authorization: Bearer SMS_HTTP_TOKEN``, as most providers' HTTP APIs take it.
Rate limits per number and per address are the web layer's (app/views/budget.py)."""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections import deque

from flask import current_app

log = logging.getLogger(__name__)

#: the last messages the log backend "sent" (development and tests read codes here)
SENT: deque[tuple[str, str]] = deque(maxlen=100)


class SMSError(Exception):
    """The gateway did not take the message."""


def send_sms(number: str, text: str) -> None:
    """:raise SMSError: when the configured gateway refuses or cannot be reached."""
    backend = current_app.config.get("SMS_BACKEND", "log")
    if backend == "log":
        SENT.append((number, text))
        log.info("SMS to %s: %s", number, text)
    elif backend == "http":
        _send_http(number, text)
    else:
        raise SMSError(f"unknown SMS_BACKEND {backend!r}: use log or http")


def _send_http(number: str, text: str) -> None:
    config = current_app.config
    request = urllib.request.Request(
        config["SMS_HTTP_URL"], data=json.dumps({"to": number, "text": text}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.get('SMS_HTTP_TOKEN', '')}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status >= 300:
                raise SMSError(f"the SMS gateway answered {response.status}")
    except (urllib.error.URLError, OSError) as exc:
        raise SMSError(f"the SMS gateway could not be reached: {exc}") from exc
