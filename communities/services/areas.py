"""Areas: the broad fields that group communities. The matcher proposes them during a run and
moderators make them by name when they move a community (moderation.services); both create them
here. Who may do what is checked by the callers' services, before they call these."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from communities.models import Area
from communities.services.text import clean_input

AREA_NAME_MAX_LENGTH = 120


def unique_area_slug(name: str) -> str:
    base = slugify(name, allow_unicode=True)[:120].strip("-") or "area"
    slug, n = base, 2
    while Area.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def clean_area_name(name: str) -> str:
    """The name, with its whitespace collapsed; a ValidationError when empty or too long."""
    name = clean_input(name, field="name", max_length=AREA_NAME_MAX_LENGTH, required=True)
    return " ".join(name.split())


@transaction.atomic
def area_create(*, name: str, description: str = "") -> Area:
    """A new area with a unique slug made from its name. Not idempotent: see ``area_for_name``."""
    name = clean_area_name(name)
    return Area.objects.create(
        name=name, slug=unique_area_slug(name), description=(description or "")[:300]
    )


@transaction.atomic
def area_for_name(*, name: str) -> tuple[Area, bool]:
    """The area called ``name`` (whatever its case), or a new one; and whether it is new. Safe to
    call twice: the second call finds the area the first made."""
    name = clean_area_name(name)
    existing = Area.objects.filter(name__iexact=name).order_by("pk").first()
    if existing is not None:
        return existing, False
    return area_create(name=name), True
