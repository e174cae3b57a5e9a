"""The forms of the initiative budget (every form carries a CSRF token). Amounts are taken as text
and checked by the services, which say what is wrong in the person's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.services.rules import MAX_COMMENT_CHARS, MAX_REASON_CHARS
from app.views.forms import Form, choices, max_chars

CATEGORY_LABELS = {"roads": _l("Roads"), "water": _l("Water"), "schools": _l("Schools and kindergartens"),
                   "health": _l("Health"), "sports": _l("Sports grounds"), "lighting": _l("Street lighting"),
                   "other": _l("Other")}
STATUS_LABELS = {"submitted": _l("awaiting vetting"), "eligible": _l("on the ballot"),
                 "ineligible": _l("not eligible"), "disqualified": _l("disqualified")}
PHASE_LABELS = {"proposals": _l("proposals"), "vetting": _l("vetting"), "voting": _l("voting"),
                "counting": _l("counting"), "closed": _l("results")}


class BallotForm(Form):
    project_id = HiddenField(validators=[InputRequired()])


class ProjectForm(Form):
    title = StringField(_l("Project title"), validators=[InputRequired(_l("Give the project a title.")),
                                                         Length(max=300)])
    mahalla = StringField(_l("Mahalla or place"), validators=[InputRequired(_l("Say where the project is.")),
                                                              Length(max=200)])
    category = SelectField(_l("Category"), choices=choices(*CATEGORY_LABELS.items()), default="other")
    cost = StringField(_l("Estimated cost, so'm"), validators=[InputRequired(_l("Give an estimated cost."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), max_chars(5000)])
    photo = FileField(_l("Photo of the place (optional; JPEG, PNG or WebP, at most 5 MB)"))


class ComplaintForm(Form):
    project_id = SelectField(_l("Project (optional)"), choices=[], default="", validate_choice=False)
    body = TextAreaField(_l("What happened?"), validators=[
        InputRequired(_l("Please say what happened.")), max_chars(MAX_COMMENT_CHARS)])


class ReceiptForm(Form):
    class Meta:
        csrf = False  # a GET form: looking up a receipt changes nothing
    receipt = StringField(_l("Receipt code"), validators=[InputRequired(), Length(max=64)])


class PhoneForm(Form):
    phone = StringField(_l("Phone number"), validators=[InputRequired(_l("Enter your phone number.")),
                                                        Length(max=32)])


class CodeForm(Form):
    code = StringField(_l("Code from the text message"), validators=[InputRequired(), Length(max=12)])


class UpdateForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[InputRequired(_l("Please write your comment.")),
                                                         max_chars(MAX_COMMENT_CHARS)])
    problem = BooleanField(_l("This is a problem report"))


# --- staff --------------------------------------------------------------------------------------

class RoundForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=300)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=200)])
    envelope = StringField(_l("Budget of the round, so'm"), validators=[InputRequired()])
    max_cost = StringField(_l("Largest cost of one project, so'm (optional)"), validators=[Optional()])
    requires = RadioField(_l("Who can vote"), default="email", choices=choices(
        ("email", _l("anyone with a confirmed email address, once")),
        ("phone", _l("residents with a phone number confirmed by a text message, once per person")),
        ("staff", _l("residents whose residence was confirmed at the mahalla office, once per person"))),
        validators=[InputRequired()])
    proposals_open = DateTimeLocalField(_l("Proposals open"), validators=[DataRequired()])
    vetting_opens = DateTimeLocalField(_l("Vetting starts"), validators=[DataRequired()])
    voting_opens = DateTimeLocalField(_l("Voting opens"), validators=[DataRequired()])
    voting_closes = DateTimeLocalField(_l("Voting closes"), validators=[DataRequired()])


class ConfirmForm(Form):
    """A button alone (closing a round): the form carries the CSRF token."""


class PhaseForm(Form):
    phase = RadioField(_l("Move the round to"), choices=choices(
        ("proposals", _l("proposals")), ("vetting", _l("vetting")), ("voting", _l("voting"))),
        validators=[InputRequired()])


class VetForm(Form):
    decision = RadioField(_l("Decision"), choices=choices(("eligible", _l("Eligible: put it on the ballot")),
                                                          ("ineligible", _l("Not eligible"))),
                          validators=[InputRequired()])
    approved_cost = StringField(_l("Adjusted cost, so'm (optional)"), validators=[Optional()])
    reason = TextAreaField(_l("Public reason"), validators=[
        InputRequired(_l("Every decision needs a public reason.")), max_chars(MAX_REASON_CHARS)])


class DisqualifyForm(Form):
    reason = TextAreaField(_l("Public reason"), validators=[
        InputRequired(_l("Every decision needs a public reason.")), max_chars(MAX_REASON_CHARS)])


class ResidentForm(Form):
    email = StringField(_l("Email address of the resident's account"), validators=[InputRequired(), Length(max=254)])
    mahalla = StringField(_l("Mahalla"), validators=[Optional(), Length(max=200)])


class MahallaForm(Form):
    mahalla = StringField(_l("Mahalla"), validators=[InputRequired(_l("Name the mahalla.")), Length(max=200)])
    residents = StringField(_l("Number of residents"), validators=[
        InputRequired(_l("Give the number of residents.")), Length(max=20)])


class ImplementationForm(Form):
    contractor = StringField(_l("Contractor"), validators=[Optional(), Length(max=300)])
    contract_amount = StringField(_l("Contract amount, so'm"), validators=[Optional()])
    spent = StringField(_l("Money spent so far, so'm"), validators=[Optional()])
    stage = TextAreaField(_l("New stage (optional, shown publicly)"), validators=[Optional(), max_chars(5000)])
    photo = FileField(_l("Photo of the work (optional; JPEG, PNG or WebP, at most 5 MB)"))
    caption = StringField(_l("What the photo shows"), validators=[Optional(), Length(max=300)])
