"""The forms of reporting, moderating and disputing (each carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from app.services.rules import MAX_REASON_CHARS
from app.views.forms import Form, choices, max_chars


def reason_choices():
    return choices(("spam", _l("Spam or a mass campaign")), ("abuse", _l("Abuse, threats or hate")),
                   ("off_topic", _l("Not about this draft")), ("personal_data", _l("Someone's personal data")),
                   ("impersonation", _l("Pretends to be someone else")), ("other", _l("Something else")))


class ReportForm(Form):
    reason = SelectField(_l("Why should moderators look at this?"), choices=reason_choices(),
                         validators=[InputRequired()])
    note = TextAreaField(_l("Anything moderators should know (optional)"),
                         validators=[max_chars(MAX_REASON_CHARS)])


class HideForm(Form):
    reason = SelectField(_l("Reason"), choices=reason_choices(), validators=[InputRequired()])
    explanation = TextAreaField(_l("Public reason, shown in its place"),
                                validators=[DataRequired(), max_chars(MAX_REASON_CHARS)])


class BlockForm(Form):
    reason = TextAreaField(_l("Reason, shown to the person"), validators=[DataRequired(), max_chars(MAX_REASON_CHARS)])
    ends_on = DateField(_l("Blocked until (date)"), validators=[InputRequired()])


class ActionForm(Form):
    """A button that only needs its CSRF token (restore, dismiss, unblock, dispute)."""
