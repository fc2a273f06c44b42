"""Moderators' writes about areas: moving a community to another area (or a new one, or none),
and renaming an area. Each checks permission first, runs in one transaction, writes its entry
to the moderation log in plain words and is safe to repeat.

A community a moderator moved keeps its area in later match runs: ``Community.area_pinned`` is
set, and the run passes every community's area to the matcher, which keeps them.

Who may do what is in moderation/permissions.py (the "areas" rules): an area exists for a person
only when it holds a live community they may see. So a moderator picks, reuses by name and must
keep distinct only the areas they see; a name only a hidden area has makes a new area of that
name, rather than telling them that the hidden one exists or letting them into it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from communities import selectors as community_selectors
from communities.models import Area, Community
from communities.services import area_create, clean_area_name
from moderation.permissions import check_move_community_area, check_pick_area, check_rename_area
from moderation.services.log import Verb, clean_reason, log_write, require_open
from profiles.models import User


def _in_words(area: Area | None) -> str:
    return f"area “{area.name}”" if area is not None else "no area"


def _area_seen_by(actor: User, name: str) -> Area | None:
    """The area called ``name`` (whatever its case) among those the actor may see."""
    return (
        community_selectors.area_list(viewer=actor).filter(name__iexact=name).order_by("pk").first()
    )


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
    the area of that name (whatever its case) among those the actor may see, made now if there is
    none. The actor moderates the community, which is active (staff: any community); ``area`` is
    one they may see (else the ValidationError of an unknown area); a reason is required. Logged
    as "moved X from area A to area B". Safe to repeat: a community already there is left as it
    is and nothing is logged."""
    check_move_community_area(actor, community)
    check_pick_area(actor, area)
    require_open(community)
    reason = clean_reason(reason)
    created = False
    if new_area_name.strip():
        name = clean_area_name(new_area_name)
        area = _area_seen_by(actor, name)
        if area is None:
            area, created = area_create(name=name), True
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
    """Rename an area (site staff, or a moderator of an active community in it; an area the actor
    may not see is a 404); its slug, and so its address, stays. Refuses the name of another area
    the actor may see (a hidden one's name is not refused: that would confirm it exists). Safe to
    repeat: the same name again changes and logs nothing."""
    check_rename_area(actor, area)
    reason = clean_reason(reason, required=False)
    name = clean_area_name(name)
    area = Area.objects.select_for_update().get(pk=area.pk)
    if name == area.name:
        return area
    if (
        community_selectors.area_list(viewer=actor)
        .filter(name__iexact=name)
        .exclude(pk=area.pk)
        .exists()
    ):
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
