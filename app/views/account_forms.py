"""Forms of the accounts pages (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

import unicodedata
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.services import accounts as account_service
from app.views.forms import CatalogueTranslations


class AccountForm(FlaskForm):
    """Account forms keep control characters so their own checks can refuse them clearly."""
    class Meta:
        def get_translations(self, form):
            return CatalogueTranslations()

PASSWORD_MIN, PASSWORD_MAX = 8, 1000
NAME_MAX, EMAIL_MAX = 80, 254
_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def readable_text(form, field) -> None:
    """Refuse control characters (NUL breaks PostgreSQL text) and bytes that were not UTF-8."""
    value = field.data or ""
    if "\ufffd" in value:
        raise ValidationError(_l("This contains characters that could not be read. Please type it again."))
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValidationError(_l("This contains invisible control characters. Please type it again."))


def fair_name(form, field) -> None:
    """Names that could mislead: direction overrides and invisible characters (Unicode format
    characters) that reorder or hide letters, and names that copy an official's or an agency's."""
    value = field.data or ""
    if any(unicodedata.category(ch) == "Cf" for ch in value):
        raise ValidationError(_l("A name cannot contain invisible or direction-changing characters."))
    if account_service.copies_an_official(value, getattr(current_user, "id", None)):
        raise ValidationError(_l("This name belongs to an official or an agency. Please choose another."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email(value):
    """Addresses are stored and compared lower-cased and NFC-normalised."""
    return unicodedata.normalize("NFC", value.strip()).lower() if isinstance(value, str) else value


def _name(value):
    return " ".join(unicodedata.normalize("NFC", value).split()) if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(label or _l("Email address"), filters=[_email], validators=[
        DataRequired(_l("Please enter your email address.")),
        Length(max=EMAIL_MAX, message=_l("An email address can be at most %(max)d characters long.")),
        readable_text,
        Email(_l("This does not look like an email address, for example name@example.org."),
              check_deliverability=False)])


def _new_password_field(label=None):
    return PasswordField(label or _l("Password"), validators=[
        DataRequired(_l("Please choose a password.")),
        Length(PASSWORD_MIN, PASSWORD_MAX,
               _l("The password must be between %(min)d and %(max)d characters long."))])


def _display_name_field():
    return StringField(_l("Your name, as others will see it"), filters=[_name], validators=[
        DataRequired(_l("Please enter a name.")),
        Length(max=NAME_MAX, message=_l("A name can be at most %(max)d characters long.")),
        readable_text, fair_name])


class RegisterForm(AccountForm):
    display_name = _display_name_field()
    email = _email_field()
    password = _new_password_field()


class LoginForm(AccountForm):
    email = EmailField(_l("Email address"), filters=[_email], validators=[
        DataRequired(_l("Please enter your email address.")),
        Length(max=EMAIL_MAX, message=_l("An email address can be at most %(max)d characters long.")),
        readable_text])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Please enter your password.")),
        Length(max=PASSWORD_MAX, message=_l("A password can be at most %(max)d characters long."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField(filters=[_strip])


class EmailForm(AccountForm):
    """Ask for a reset link or for the confirmation email again."""
    email = _email_field()


class ResetPasswordForm(AccountForm):
    password = _new_password_field(_l("New password"))


class ChangePasswordForm(AccountForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Please enter your current password.")),
        Length(max=PASSWORD_MAX, message=_l("A password can be at most %(max)d characters long."))])
    new_password = _new_password_field(_l("New password"))


#: Our readers' own zones first: Uzbekistan, then the neighbours of Central Asia.
REGION_ZONES = ("Asia/Tashkent", "Asia/Samarkand", "Asia/Almaty", "Asia/Bishkek", "Asia/Dushanbe",
                "Asia/Ashgabat", "Asia/Kabul", "Europe/Moscow")


def timezone_choices() -> list[SelectChoice]:
    """Zones grouped by region (<optgroup>); legacy aliases such as US/... and Etc/... left out."""
    choices = [SelectChoice("", _l("Automatic (from your browser)"))]
    choices += [SelectChoice(name, name.partition("/")[2].replace("_", " "), optgroup=_l("Uzbekistan and its neighbours"))
                for name in REGION_ZONES]
    choices.append(SelectChoice("UTC", "UTC"))
    for name in sorted(available_timezones()):
        region, _, place = name.partition("/")
        if region in _REGIONS and place:
            choices.append(SelectChoice(name, place.replace("_", " "), optgroup=region))
    return choices


class SettingsForm(AccountForm):
    display_name = _display_name_field()
    timezone = SelectField(_l("Time zone for dates and deadlines"), validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class DeleteAccountForm(AccountForm):
    password = PasswordField(_l("Your password"), validators=[
        DataRequired(_l("Please enter your password.")),
        Length(max=PASSWORD_MAX, message=_l("A password can be at most %(max)d characters long."))])
    confirm = BooleanField(_l("I understand: my name and email address are erased and I cannot log in again."),
                           validators=[DataRequired(_l("Please tick the box to confirm."))])
