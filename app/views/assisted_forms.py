"""The form staff at a public access point fill in for a citizen's comment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.services.rules import MAX_COMMENT_CHARS
from app.views.forms import STANCE_CHOICES, Form, choices, max_chars

_CHANNELS = (("paper", _l("On paper")), ("in_person", _l("In person")), ("phone", _l("By phone")))
CHANNEL_CHOICES = choices(*_CHANNELS)


class AssistedCommentForm(Form):
    citizen_name = StringField(_l("The citizen's name, as it will be shown"), validators=[
        InputRequired(_l("Write the citizen's name.")), Length(max=120, message=_l("At most %(max)d characters."))])
    channel = RadioField(_l("How the comment was given"), choices=CHANNEL_CHOICES, default="paper",
                         validators=[InputRequired(_l("Choose how the comment was given."))])
    clause_key = SelectField(_l("Clause"), validate_choice=False)
    body = TextAreaField(_l("The comment, as the citizen gave it"), validators=[
        InputRequired(_l("Please write the comment.")), max_chars(MAX_COMMENT_CHARS)])
    stance = RadioField(_l("Stance"), choices=STANCE_CHOICES, default="")
    consent = BooleanField(_l("The citizen agreed that the comment is published with their name"))


IMPORT_CHANNEL_CHOICES = choices(*_CHANNELS, ("email", _l("By email")), ("post", _l("By post")))


class CommentImportForm(Form):
    file = FileField(_l("The file of comments (.csv or .json)"))
    channel = RadioField(_l("How the comments were sent (for rows without a channel of their own)"),
                         choices=IMPORT_CHANNEL_CHOICES, default="post",
                         validators=[InputRequired(_l("Choose how the comments were sent."))])
    consent = BooleanField(_l("Every sender agreed that their comment is published with their name"))
