"""Telling people from scripts on the public forms without JavaScript or a third party: a honeypot
field people never see, and a minimum time between showing a form and sending it. A deployment
may plug in a CAPTCHA (``CAPTCHA`` in the configuration); none is needed offline."""
from __future__ import annotations

import time
from typing import Protocol

from flask import abort, current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape

from app.pagecache import hole_mark, rendering_shared

HONEYPOT = "website"
STARTED = "form_started"


class Captcha(Protocol):
    """What a CAPTCHA plug-in provides: the HTML it adds to a form, and the check of what came back."""

    def widget(self) -> Markup: ...

    def verify(self, form, remote_addr: str | None) -> bool: ...


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="form-started")


def started_value() -> str:
    """When the form was shown, signed."""
    return _signer().dumps(round(time.time(), 2))  # whole seconds would let a form in up to 1 s early


def fields() -> Markup:
    """The hidden fields a public form carries (and the CAPTCHA's widget, if one is plugged in)."""
    started = hole_mark("started") if rendering_shared() else started_value()  # see shared_pages
    label = escape(_("Leave this field empty"))  # outside the f-string, so the catalogues find it
    html = (f'<div class="hp" aria-hidden="true"><label for="{HONEYPOT}">{label}'
            f'</label><input type="text" id="{HONEYPOT}" name="{HONEYPOT}" value="" tabindex="-1" '
            f'autocomplete="off"></div><input type="hidden" name="{STARTED}" value="{escape(started)}">')
    captcha = current_app.config.get("CAPTCHA")
    return Markup(html) + (captcha.widget() if captcha else Markup(""))


def check() -> None:
    """:raise 400: the honeypot was filled, the form came back too fast (or without its time), or
    the plugged-in CAPTCHA said no."""
    if request.form.get(HONEYPOT):
        abort(400, _("This form could not be accepted. Please reload the page and try again."))
    least = current_app.config.get("MIN_FILL_SECONDS", 3)
    if least > 0:
        try:
            started = float(_signer().loads(request.form.get(STARTED, "")))
        except (BadSignature, TypeError, ValueError):
            abort(400, _("This form could not be accepted. Please reload the page and try again."))
        if time.time() - started < least:
            abort(400, _("That was very fast. Please check what you wrote and send it again."))
    captcha = current_app.config.get("CAPTCHA")
    if captcha is not None and not captcha.verify(request.form, request.remote_addr):
        abort(400, _("Please answer the check that you are a person."))
