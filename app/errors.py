"""Error pages: a clear message and the right status, as HTML or, under /api/, as JSON."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
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
    }


def _respond(code: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "message": message}}), code
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
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
        if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _respond(500, _messages()[500])

    app.register_error_handler(InternalServerError, _unexpected)
