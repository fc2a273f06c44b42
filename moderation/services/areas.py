"""Moderators' writes about areas: moving a community to another area (or a new one, or none),
and renaming an area. Each checks permission first, runs in one transaction, writes its entry
to the moderation log in plain words and is safe to repeat.

A community a moderator moved keeps its area in later match runs: ``Community.area_pinned`` is
set, and the run passes every community's area to the matcher, which keeps them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from communities.models import Area, Community
from communities.services import area_for_name, clean_area_name
from moderation.permissions import check_moderate_community, check_rename_area
from moderation.services.log import Verb, clean_reason, log_write, require_open
from profiles.models import User


def _in_words(area: Area | None) -> str:
    return f"area “{area.name}”" if area is not None else "no area"


@transaction.atomic
def community_area_move(
    *,
    actor: User,
    community: Community,
    area: Area | None,
    new_area_name: str = "",
    reason: str,
) -> Community:
    """Move ``community`` to ``area`` (None: to no area) or, when ``new_area_name`` is given, to
    the area of that name (whatever its case), made now if there is none. The actor moderates the
    community; a reason is required. Logged as "moved X from area A to area B". Safe to repeat:
    a community already there is left as it is and nothing is logged."""
    check_moderate_community(actor, community)
    require_open(community)
    reason = clean_reason(reason)
    created = False
    if new_area_name.strip():
        area, created = area_for_name(name=new_area_name)
    community = (
        Community.objects.select_for_update(of=("self",))
        .select_related("area")
        .get(pk=community.pk)
    )
    before = community.area
    if before == area:
        if not community.area_pinned:  # a moderator confirmed the matcher's choice
            Community.objects.filter(pk=community.pk).update(area_pinned=True)
            community.area_pinned = True
        return community
    community.area = area
    community.area_pinned = True
    community.save(update_fields=["area", "area_pinned", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.MOVE_AREA,
        target=community,
        target_repr=f"{community.name} from {_in_words(before)} to {_in_words(area)}",
        reason=reason,
        details={
            "from": before.slug if before is not None else None,
            "to": area.slug if area is not None else None,
            "new_area": created,
        },
    )
    return community


@transaction.atomic
def area_rename(*, actor: User, area: Area, name: str, reason: str = "") -> Area:
    """Rename an area (site staff, or a moderator of a community in it); its slug, and so its
    address, stays. Refuses the name of another area. Safe to repeat: the same name again
    changes and logs nothing."""
    check_rename_area(actor, area)
    reason = clean_reason(reason, required=False)
    name = clean_area_name(name)
    area = Area.objects.select_for_update().get(pk=area.pk)
    if name == area.name:
        return area
    if Area.objects.filter(name__iexact=name).exclude(pk=area.pk).exists():
        raise ValidationError(
            {"name": "Another area has that name. Move its communities instead."}, code="taken"
        )
    before = area.name
    area.name = name
    area.save(update_fields=["name", "updated_at"])
    log_write(
        community=None,
        actor=actor,
        verb=Verb.RENAME_AREA,
        target=area,
        target_repr=f"area “{before}” to “{name}”",
        reason=reason,
        details={"before": before, "after": name},
    )
    return area
