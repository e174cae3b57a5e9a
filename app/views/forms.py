"""The web forms of drafts, comments, proposals and staff work (Flask-WTF: every form carries a
CSRF token), and what they share."""
from __future__ import annotations

import re

from babel import Locale
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.services.revisions import COMMON_LANGUAGES
from app.services.rules import MAX_COMMENT_CHARS, MAX_PROPOSAL_CHARS, MAX_REASON_CHARS
from app.views.idempotency import new_key

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value):
    """Drop NUL and other control characters (PostgreSQL refuses NUL; none belong in text)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def choices(*pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


def max_chars(limit: int, message: str = _l("At most %(limit)d characters.")):
    """Refuse text over ``limit`` characters and mark the field, so the page answers 413."""
    def check(form, field):
        if field.data and len(field.data) > limit:
            field.too_long = True
            raise ValidationError(message % {"limit": limit, "length": len(field.data)})
    return check


def error_status(form: FlaskForm) -> int:
    """413 when a field was refused for its length, else 400 (never decided by a message's words)."""
    return 413 if any(getattr(field, "too_long", False) for field in form) else 400


#: WTForms' own messages that our forms can show, extracted into our catalogues (WTForms has no Uzbek).
WTFORMS_MESSAGES = (
    _l("This field is required."), _l("Invalid email address."), _l("Not a valid datetime value."),
    _l("Not a valid choice."), _l("Invalid Choice: could not coerce."),
    _l("Field must be between %(min)d and %(max)d characters long."),
)


class CatalogueTranslations:
    """WTForms asks this for its built-in messages: answered from Muhokama's catalogues."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    #: identifies this shown form, so sending it twice does the work once (app/views/idempotency.py)
    idempotency_key = HiddenField(default=new_key)

    class Meta:
        def get_translations(self, form):
            return CatalogueTranslations()

        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            filters.insert(0, strip_controls)
            return unbound_field.bind(form=form, filters=filters, **options)


# --- taking part ------------------------------------------------------------------------------

STANCE_CHOICES = choices(("", _l("No stance")), ("for", _l("For")), ("against", _l("Against")),
                         ("neutral", _l("Neutral")))


RESPONDENT_CHOICES = choices(("citizen", _l("Myself, as a citizen")), ("ngo", _l("An NGO")),
                             ("business", _l("A business")), ("public_body", _l("A public body")),
                             ("academic", _l("An academic institution")))


class RespondentFields:
    """Who the input speaks for (comments and proposals)."""
    respondent_type = SelectField(_l("You speak for"), choices=RESPONDENT_CHOICES, default="citizen",
                                  validate_choice=True)
    organisation = StringField(_l("Name of the organisation (if not yourself)"), validators=[
        Optional(), max_chars(200, _l("The name can be at most %(limit)d characters long."))])


class AttachmentField:
    """Files that come with a comment or proposal (checked by their content in app/services/attachments.py)."""
    attachments = MultipleFileField(_l("Attach documents (optional): PDF, DOCX or ODT, at most 3 files of 5 MB"))


class CommentForm(Form, RespondentFields, AttachmentField):
    body = TextAreaField(_l("Your comment"), validators=[
        InputRequired(_l("Please write your comment.")),
        max_chars(MAX_COMMENT_CHARS, _l("A comment can be at most %(limit)d characters long; "
                                        "yours has %(length)d."))])
    stance = SelectField(_l("Your stance"), choices=STANCE_CHOICES, default="", validate_choice=True)
    quote = StringField(_l("Quote a phrase of the clause (optional)"), validators=[
        Optional(), max_chars(1000, _l("A quote can be at most %(limit)d characters long."))])
    clause_key = HiddenField()
    parent_id = HiddenField()


class VoteForm(Form):
    value = RadioField(_l("Your vote"), choices=choices(("1", _l("For")), ("-1", _l("Against")),
                                                        ("0", _l("Withdraw my vote"))),
                       validators=[InputRequired(_l("Choose for or against."))])


class EditForm(Form):
    body = CommentForm.body
    stance = CommentForm.stance


# --- proposals --------------------------------------------------------------------------------

STATUS_LABELS = {"open": _l("open"), "accepted": _l("accepted"), "partly_accepted": _l("partly accepted"),
                 "rejected": _l("rejected"), "withdrawn": _l("withdrawn"), "superseded": _l("superseded")}


class ProposalForm(Form, RespondentFields, AttachmentField):
    action = RadioField(_l("What do you propose?"), default="replace", choices=choices(
        ("replace", _l("New wording for this clause")), ("insert_after", _l("A new clause after this one")),
        ("delete", _l("Delete this clause"))), validators=[InputRequired()])
    proposed_text = TextAreaField(_l("Proposed text"), validators=[Optional(), max_chars(MAX_PROPOSAL_CHARS)])
    rationale = TextAreaField(_l("Why? (rationale)"), validators=[
        InputRequired(_l("Please explain why.")), max_chars(MAX_REASON_CHARS)])


class WithdrawForm(Form):
    reason = TextAreaField(_l("Reason (optional, shown publicly)"), validators=[
        Optional(), max_chars(MAX_REASON_CHARS)])


# --- organisation positions -------------------------------------------------------------------

class PositionForm(Form):
    respondent_type = SelectField(_l("The organisation is"), choices=RESPONDENT_CHOICES[1:], default="ngo",
                                  validate_choice=True)
    organisation = StringField(_l("Name of the organisation"), validators=[
        InputRequired(_l("Please name the organisation you speak for.")),
        max_chars(200, _l("The name can be at most %(limit)d characters long."))])
    title = StringField(_l("Title"), validators=[
        InputRequired(_l("Please give the position a title.")),
        max_chars(200, _l("The title can be at most %(limit)d characters long."))])
    body = TextAreaField(_l("The position"), validators=[
        InputRequired(_l("Please write the position.")),
        max_chars(MAX_COMMENT_CHARS, _l("A position can be at most %(limit)d characters long; "
                                        "yours has %(length)d."))])


class SignForm(Form):
    show_name = BooleanField(_l("Show my name among the signatories"))


# --- staff ------------------------------------------------------------------------------------

OUTCOMES = choices(("accepted", _l("Accepted")), ("partly_accepted", _l("Partly accepted")),
                   ("noted", _l("Noted")), ("rejected", _l("Rejected")))

FORMATS = choices(("", _l("Detect from the file")), ("md", "Markdown"), ("text", _l("Plain text")),
                  ("docx", "Word (.docx)"), ("akn", "Akoma Ntoso XML"), ("uslm", "USLM XML"))


class DecisionForm(Form):
    outcome = SelectField(_l("Decision"), choices=OUTCOMES, validators=[InputRequired()])
    reason = TextAreaField(_l("Public reason"), validators=[
        InputRequired(_l("Every decision needs a public reason.")), max_chars(MAX_REASON_CHARS)])


class AnswerForm(Form):
    body = TextAreaField(_l("Official answer"), validators=[
        InputRequired(_l("Write the answer.")), max_chars(MAX_COMMENT_CHARS)])


class DraftForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=300, message=_l("At most %(max)d characters."))])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    language = SelectField(_l("Language of the text"), validate_choice=False)
    other_language = StringField(_l("…or another language: its ISO 639 code (e.g. kaa)"),
                                 validators=[Optional(), Length(max=3, message=_l("At most %(max)d characters."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the common languages of our drafts, each named in the reader's language
        names = Locale.parse(str(get_locale())).languages
        self.language.choices = choices(*((code, names.get(code, code)) for code in COMMON_LANGUAGES))

    @property
    def chosen_language(self) -> str:
        return (self.other_language.data or "").strip().lower() or self.language.data
    summary = TextAreaField(_l("Summary"), validators=[Optional(), max_chars(5000)])
    opens = DateTimeLocalField(_l("Consultation opens"), validators=[DataRequired()])
    closes = DateTimeLocalField(_l("Consultation closes"), validators=[DataRequired()])
    file = FileField(_l("Upload the text (.md, .txt, .docx, .xml)"))
    fmt = SelectField(_l("Format"), choices=FORMATS, default="")
    text = TextAreaField(_l("…or paste the text"), validators=[Optional()])


class DeadlineForm(Form):
    closes = DateTimeLocalField(_l("New closing time"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (shown publicly)"), validators=[InputRequired(), max_chars(2000)])


class VersionForm(Form):
    other = StringField(_l("The other draft: its address or its slug"), validators=[
        InputRequired(_l("Name the draft whose law this is.")), Length(max=300)])


class ReviseForm(Form):
    note = TextAreaField(_l("What changed, and why (shown publicly)"), validators=[
        InputRequired(_l("Say what changed in this revision.")), max_chars(2000)])
    file = FileField(_l("Upload the revised text (.md, .txt, .docx, .xml)"))
    fmt = SelectField(_l("Format"), choices=FORMATS, default="")
    text = TextAreaField(_l("…or paste the revised text"), validators=[Optional()])
    #: the revision the preview was made against, so a revision published meanwhile is not overwritten unseen
    base = HiddenField()
