"""Cleaning text that people type or send as JSON, with messages by field."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core.text import clean_name


def clean_typed_text(
    value: str, *, field: str, max_length: int, required: bool, single_line: bool = False
) -> str:
    """The value stripped; refuses an empty required value or one over max_length. A name or a
    title (``single_line``) also loses bidi controls and control characters (core.text)."""
    value = clean_name(value) if single_line else value.strip()
    if required and not value:
        raise ValidationError({field: "This field is required."}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            {field: f"Keep this under {max_length} characters (it has {len(value)})."},
            code="max_length",
        )
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_input(
    value: object,
    *,
    field: str,
    max_length: int,
    required: bool,
    what: str = "text",
    single_line: bool = False,
) -> str:
    """Like clean_typed_text, for values that may come straight from JSON: refuses non-text, and
    characters PostgreSQL cannot store (NUL, lone surrogates) with a clear message."""
    if not isinstance(value, str):
        raise ValidationError({field: f"Give {what} as text."}, code="invalid")
    if "\x00" in value or _SURROGATE.search(value):
        raise ValidationError(
            {field: "This text holds characters that cannot be stored."}, code="invalid"
        )
    return clean_typed_text(
        value, field=field, max_length=max_length, required=required, single_line=single_line
    )
