"""Accounts: register, confirm the email address, log in and out, reset a password, settings.

Nothing here tells a stranger whether an email address has an account: registering a taken
address and asking for a reset link answer exactly as for a new one (the owner gets an email).
"""
from __future__ import annotations

import secrets
from functools import lru_cache

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from app.clock import utcnow
from app.extensions import db, limiter, login_manager
from app.links import safe_next
from app.models import User
from app.services import accounts as account_service
from app.services import emails, mail
from app.services.audit import audit
from app.services.rules import RuleError
from app.views import humans
from app.views.account_forms import (
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    SettingsForm,
)
from app.views.common import whole_number

bp = Blueprint("accounts", __name__)
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.localize_callback = str  # the lazy message, translated for this request
login_manager.session_protection = "basic"  # "strong" logs out people whose mobile IP changes

POST_LIMIT = "10/minute"
MAIL_LIMIT = "5/minute"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Sessions carry "id:session_token"; a rotated token logs that session out."""
    uid, _sep, token = user_id.partition(":")
    uid = whole_number(uid)
    if uid is None or not token:
        return None
    user = db.session.execute(_USER, {"id": uid}).scalar()  # every signed-in request: built once
    return user if user is not None and secrets.compare_digest(user.session_token.encode(), token.encode()) else None


_USER = select(User).where(User.id == bindparam("id"))


# --- helpers ----------------------------------------------------------------------------------

def _home() -> str:
    return url_for("reading.home")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return account_service.hash_password(secrets.token_hex(16))


def _find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _start_session(user: User, remember: bool = False) -> None:
    """A fresh session for the logged-in user (no session fixation); only messages survive."""
    flashes = session.get("_flashes")
    session.clear()
    if flashes:
        session["_flashes"] = flashes
    login_user(user, remember=remember)
    if not remember and "remember_token" in request.cookies:
        session["_remember"] = "clear"  # someone else's "keep me logged in" must not outlive this


def _end_session() -> None:
    """Log out and forget everything; clearing first keeps Flask-Login's order to drop the remember cookie."""
    session.clear()
    logout_user()


def _queue(purpose: str, email: str, next_path: str | None = None) -> None:
    """Queue an account email for `flask worker`; the page never waits for the mail server, and
    the worker decides whether the address gets anything, so every answer takes the same time."""
    emails.queue_account_email(purpose, email, str(get_locale()), safe_next(next_path))
    db.session.commit()


def _sent_page(message: str):
    return render_template("accounts/check_email.html", message=message)


def _link_problem(reason: str, purpose: str):
    messages = {
        "expired": _("This link has expired. Please ask for a new one below."),
        "invalid": _("This link is not valid. Please check that you opened the whole link from the email, "
                     "or ask for a new one below."),
        "used": _("This link has already been used, or your password was changed since it was sent. "
                  "Please ask for a new one below if you still need it."),
    }
    response = render_template("accounts/link_problem.html", message=messages[reason], purpose=purpose)
    return _private(response, 400)


def _private(body, status: int = 200):
    """Pages reached by a secret link: no Referer leaks the token, no cache keeps it."""
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _status() -> int:
    return 400 if request.method == "POST" else 200


# --- logging in and out -----------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data) or _home())
    error = None
    if form.validate_on_submit():
        user = _find_user(form.email.data)
        # Check a hash even for an unknown address, so the answer takes as long either way.
        valid = check_password_hash(user.password_hash if user else _dummy_hash(), form.password.data)
        if user is not None and valid:
            _start_session(user, remember=form.remember.data)
            if user.is_confirmed:
                flash(_("You are logged in. Welcome, %(name)s.", name=user.display_name))
            else:
                flash(_("You are logged in, but your email address is not confirmed yet: open the link we "
                        "emailed you before you comment or vote. You can ask for a new link in your "
                        "account settings."), "error")
            return redirect(safe_next(form.next.data) or _home())
        error = _("The email address or password is not correct.")
    return render_template("accounts/login.html", form=form, error=error), _status()


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:  # a copy of the session cookie kept from before must not work after
        current_user.session_token = secrets.token_hex(16)
        db.session.commit()
    _end_session()
    flash(_("You are logged out."))
    return redirect(_home())


# --- registering and confirming ---------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegisterForm()
    if form.is_submitted():
        humans.check()
    if form.validate_on_submit():
        email = form.email.data
        user = _find_user(email)
        if user is None:
            try:
                user = account_service.create_user(email=email, password=form.password.data,
                                                   display_name=form.display_name.data,
                                                   language=str(get_locale()))
                db.session.commit()
            except (IntegrityError, RuleError):  # registered by a request at the same moment
                db.session.rollback()
                user = _find_user(email)
        else:
            account_service.hash_password(form.password.data)  # the same work as for a new account
        _queue("register", email, request.args.get("next"))
        return _sent_page(_("We have sent an email to %(email)s. Open the link in it within %(days)d days "
                            "to confirm your address, then log in.", email=email,
                            days=mail.CONFIRM_MAX_AGE.days))
    return render_template("accounts/register.html", form=form), _status()


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The emailed link opens a page with one button: mail scanners that follow links confirm nothing."""
    try:
        data = mail.read_token("confirm", token)
    except mail.TokenError as exc:
        return _link_problem(exc.reason, "confirm")
    user = db.session.get(User, data["uid"])
    if user is None or user.email != data.get("email"):
        return _link_problem("invalid", "confirm")
    if user.is_confirmed:
        flash(_("Your email address is already confirmed."))
        return redirect(_home() if current_user.is_authenticated else url_for("accounts.login"))
    form = FlaskForm()
    if form.validate_on_submit():
        user.email_confirmed_at = utcnow()
        audit(user, "user.confirm", f"user:{user.id}")
        db.session.commit()
        # The link proves the address is theirs: sign them in (unless someone else is signed in here)
        # and take them back to where they were when they registered.
        if not current_user.is_authenticated:
            _start_session(user)
        flash(_("Thank you: your email address is confirmed. You can now comment and vote."))
        return redirect(safe_next(data.get("next")) or _home())
    return _private(render_template("accounts/confirm.html", form=form, email=user.email))


@bp.route("/confirm/again", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def resend():
    form = EmailForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.email
    if form.validate_on_submit():
        _queue("resend", form.email.data, request.args.get("next"))
        return _sent_page(_("If an account with the address %(email)s is waiting for confirmation, we have "
                            "sent it a new link.", email=form.email.data))
    return render_template("accounts/resend.html", form=form), _status()


# --- forgotten passwords ----------------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def forgot():
    form = EmailForm()
    if form.validate_on_submit():
        _queue("reset", form.email.data)
        return _sent_page(_("If an account exists for %(email)s, we have sent it a link to choose a new "
                            "password. The link works for %(hours)d hours.", email=form.email.data,
                            hours=int(mail.RESET_MAX_AGE.total_seconds() // 3600)))
    return render_template("accounts/forgot.html", form=form), _status()


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
def reset(token: str):
    try:
        data = mail.read_token("reset", token)
        user = db.session.get(User, data["uid"])
        if user is None:
            raise mail.TokenError("invalid")
        mail.check_reset_fingerprint(data, user)
    except mail.TokenError as exc:
        return _link_problem(exc.reason, "reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        # Compare-and-set on the old hash: of two simultaneous uses of one link, only one wins.
        changed = db.session.execute(
            update(User).where(User.id == user.id, User.password_hash == user.password_hash).values(
                password_hash=account_service.hash_password(form.password.data),
                session_token=secrets.token_hex(16),
                email_confirmed_at=user.email_confirmed_at or utcnow()),  # the link proved the address
            execution_options={"synchronize_session": False}).rowcount
        if changed != 1:
            db.session.rollback()
            return _link_problem("used", "reset")
        audit(user, "user.password_reset", f"user:{user.id}")
        db.session.commit()
        _end_session()
        flash(_("Your password is changed and every device was logged out. Please log in with your new "
                "password."))
        return redirect(url_for("accounts.login"))
    return _private(render_template("accounts/reset.html", form=form), _status())


# --- settings ---------------------------------------------------------------------------------

def _settings_page(form: SettingsForm | None = None, password_form: ChangePasswordForm | None = None,
                   status: int = 200):
    if form is None:
        form = SettingsForm(formdata=None, display_name=current_user.display_name,
                            timezone=current_user.timezone or "")
    return render_template("accounts/settings.html", form=form,
                           password_form=password_form or ChangePasswordForm(formdata=None)), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    if form.validate_on_submit():
        account_service.set_profile(current_user, form.display_name.data, form.timezone.data or None)
        audit(current_user, "user.settings", f"user:{current_user.id}")
        db.session.commit()
        flash(_("Your settings are saved."))
        return redirect(url_for("accounts.settings"))
    return _settings_page(form=form, status=400)


@bp.route("/account/password", methods=["POST"])
@login_required
@limiter.limit(POST_LIMIT)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if check_password_hash(current_user.password_hash, form.current_password.data):
            user = current_user._get_current_object()
            user.password_hash = account_service.hash_password(form.new_password.data)
            user.session_token = secrets.token_hex(16)
            audit(user, "user.password_change", f"user:{user.id}")
            db.session.commit()
            _start_session(user, remember="remember_token" in request.cookies)
            flash(_("Your password is changed. You were logged out on every other device."))
            return redirect(url_for("accounts.settings"))
        form.current_password.errors.append(_("This is not your current password."))
    return _settings_page(password_form=form, status=400)


@bp.route("/account/sessions", methods=["POST"])
@login_required
def logout_elsewhere():
    """Rotate the session token: every other device's session stops working at once."""
    user = current_user._get_current_object()
    user.session_token = secrets.token_hex(16)
    audit(user, "user.logout_elsewhere", f"user:{user.id}")
    db.session.commit()
    _start_session(user, remember="remember_token" in request.cookies)
    flash(_("You were logged out on every other device."))
    return redirect(url_for("accounts.settings"))
