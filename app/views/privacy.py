"""Your data: download everything the site holds about you, and delete your account."""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.extensions import db, limiter
from app.services import privacy
from app.services.rules import RuleError
from app.views.account_forms import DeleteAccountForm

bp = Blueprint("privacy", __name__)


@bp.route("/account/data.json")
@login_required
def download():
    """The signed-in person's own data, as a JSON file; there is no way to name anyone else."""
    data = privacy.export_data(current_user._get_current_object())
    return Response(json.dumps(data, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="muhokama-my-data.json"',
                             "Cache-Control": "no-store"})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10/minute", methods=["POST"])
def delete():
    """Delete the account after the password is confirmed; contributions stay, anonymised."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.password.data)
        except RuleError as error:
            if error.field != "password":
                raise
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account is deleted. Your contributions stay, under “deleted participant”."))
            return redirect(url_for("reading.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/delete.html", form=form), status
