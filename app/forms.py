"""Shared form helpers."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value):
    """Drop NUL and other control characters (PostgreSQL refuses NUL; none belong in text)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def choices(*pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


def max_chars(limit: int, message: str):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(message % {"limit": limit, "length": len(field.data)})
    return check


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            filters.insert(0, strip_controls)
            return unbound_field.bind(form=form, filters=filters, **options)
