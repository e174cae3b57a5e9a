"""Error pages: a clear message and the right status, as HTML or, under /api/, as JSON."""
from __future__ import annotations

import time

from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.i18n import html_lang
from app.services.rules import RuleError


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you sent and try again."),
        401: _("Please log in to do that."),
        403: _("You are not allowed to do that."),
        404: _("Nothing was found at this address."),
        405: _("That method is not allowed here."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Please wait a little and try again."),
        500: _("Something went wrong on our side. Nothing you sent was lost; please try again later."),
        503: _("Muhokama is very busy. Nothing you sent was saved; please try again in a few seconds."),
    }


def _busy():
    """503 with Retry-After: the database was locked or out of connections for longer than it
    waits, or the request queued too long. The transaction was rolled back, so a retry is safe."""
    db.session.rollback()
    # answer without the database, which is what is busy: the page shows the person as a visitor
    # (the account is not read again), and any read left begins without asking for the write lock
    g._login_user = current_app.login_manager.anonymous_user()
    g.sqlite_deferred = True
    response = make_response(_respond(503, _messages()[503]))
    response.headers["Retry-After"] = str(current_app.config.get("RETRY_AFTER_SECONDS", 5))
    return response


def _queued_too_long() -> bool:
    """The proxy stamps when it received the request (nginx: ``X-Request-Start: t=${msec}``). A
    request that waited in the queue longer than MAX_QUEUE_SECONDS is answered at once with 503:
    its person has likely given up, and working on it would only make everyone after it wait too."""
    limit = current_app.config.get("MAX_QUEUE_SECONDS", 0)
    stamp = request.headers.get("X-Request-Start", "")
    if not limit or not stamp.startswith("t="):
        return False
    try:
        received = float(stamp[2:])
    except ValueError:
        return False
    if received > 1e12:  # milliseconds or microseconds, as some proxies send
        received /= 1000 if received < 1e15 else 1_000_000
    return 0 < time.time() - received < 86_400 and time.time() - received > limit


def _respond(code: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "message": message}}), code
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.before_request
    def _shed_stale_requests():
        """The cheapest answer there is (no template, no database): under a flood, every
        millisecond spent refusing is taken from the requests still worth serving."""
        if not _queued_too_long():
            return None
        g._login_user = current_app.login_manager.anonymous_user()
        message = escape(_messages()[503])
        if request.path.startswith("/api/"):
            response = jsonify({"error": {"status": 503, "message": str(message)}})
        else:
            response = make_response(f'<!doctype html><html lang="{html_lang(get_locale())}"><meta charset="utf-8">'
                                     f"<title>503</title><p>{message}</p></html>")
        response.status_code = 503
        response.headers["Retry-After"] = str(current_app.config.get("RETRY_AFTER_SECONDS", 5))
        return response

    @app.errorhandler(OperationalError)
    def _database_busy(error: OperationalError):
        text = str(error.orig).lower()
        if "locked" in text or "lock timeout" in text or "canceling statement" in text or "too many" in text:
            app.logger.warning("database busy: %s", text[:200])
            return _busy()
        return _unexpected(error)

    @app.errorhandler(PoolTimeout)
    def _no_connection(error: PoolTimeout):
        app.logger.warning("no database connection free: %s", error)
        return _busy()

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _respond(400, _("Your form had expired or was not sent from this site. "
                               "Please reload the page and try again."))

    @app.errorhandler(RuleError)
    def _rule(error: RuleError):
        """A broken rule of the consultation, raised by a service: its message, its status.
        Views catch it only where they re-show a form with what the person typed."""
        db.session.rollback()
        return _respond(error.status, error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            db.session.rollback()
        message = _messages().get(code) or error.description or ""
        if code in (400, 403, 404, 409) and error.description and \
                error.description != type(error).description:
            message = error.description  # a specific message given by the view
        response = make_response(_respond(code, message))  # HTML pages answer (body, code): make a response
        if code == 503:
            response.headers.setdefault("Retry-After", str(app.config.get("RETRY_AFTER_SECONDS", 5)))
        if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _respond(500, _messages()[500])

    app.register_error_handler(InternalServerError, _unexpected)
