"""Database constraints that several apps' models declare the same way."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def choices_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    """The database refuses a value of ``field`` outside ``choices``."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
