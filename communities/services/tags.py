"""Tags: turning typed names into tags, and keeping each tag's usage count."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import F

from communities.models import Community, Post, Tag
from core.text import clean_name

MAX_TAGS = 8


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """The tags for raw names, created when new. Names normalize to slugs ("Clay Soil" ->
    "clay-soil"); duplicates and names that normalize to nothing are dropped. Safe to repeat."""
    by_slug: dict[str, str] = {}
    for raw in names:
        slug = Tag.normalize(raw)
        if slug and slug not in by_slug:
            by_slug[slug] = clean_name(raw)[:50] or slug
    if len(by_slug) > MAX_TAGS:
        raise ValidationError(f"Use at most {MAX_TAGS} tags.", code="too_many_tags")
    existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=by_slug)}
    missing = [Tag(slug=slug, name=name) for slug, name in by_slug.items() if slug not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=by_slug)}
    return [existing[slug] for slug in by_slug]


def tags_assign(obj: Post | Community, tags: list[Tag]) -> None:
    """Replace obj's tags and keep each tag's usage count equal to what carries it."""
    before = set(obj.tags.values_list("pk", flat=True))
    after = {tag.pk for tag in tags}
    if removed := before - after:
        Tag.objects.filter(pk__in=removed, usage_count__gt=0).update(
            usage_count=F("usage_count") - 1
        )
    if added := after - before:
        Tag.objects.filter(pk__in=added).update(usage_count=F("usage_count") + 1)
    obj.tags.set(tags)
