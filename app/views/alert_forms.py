"""The email settings form (Flask-WTF: it carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uz": "Oʻzbekcha", "uz_Cyrl": "Ўзбекча"}


class MailSettingsForm(FlaskForm):
    frequency = RadioField(_l("How often may we email you about drafts you follow and your input?"),
                           choices=[SelectChoice("immediate", _l("At once, one email for each event")),
                                    SelectChoice("daily", _l("One digest a day, in the morning")),
                                    SelectChoice("off", _l("Never (account emails such as password resets "
                                                           "still come)"))])
    language = SelectField(_l("Language of pages and emails"))

    def __init__(self, languages, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in languages]
