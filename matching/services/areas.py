"""Areas in a full run: what the matcher is told about them, and what becomes of the areas it
finds.

The engine groups communities into broader areas. It is told the area every previous community
is in now, by database ids (``previous_areas``: moderators' moves included), and keeps them; it
gives a new community an existing area when it clearly belongs, a new area (an id that is not
one of those it was told), or none. Applying a run creates an ``Area`` row for each new area
that receives a community and puts communities in their areas, never overriding an area a
community has, nor one a moderator left empty on purpose (``Community.area_pinned``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db.models import Q

from communities.models import Area, Community
from communities.services import area_for_name
from matching import engine


def previous_areas(community_ids: Iterable[int]) -> dict[int, int | None]:
    """{community pk: area pk} for the previous communities in an area now, and {pk: None} for
    those a moderator left in no area on purpose (the engine keeps both). A community in no area
    that no moderator decided is left out: the engine may give it one."""
    return {
        pk: area_id
        for pk, area_id in Community.objects.filter(pk__in=list(community_ids))
        .filter(Q(area__isnull=False) | Q(area_pinned=True))
        .order_by("pk")
        .values_list("pk", "area_id")
    }


def _area_rows(
    wanted: Iterable[int], found: Mapping[int, engine.Area], known: set[int]
) -> tuple[dict[int, int], int]:
    """{engine area id: Area pk} for the engine's areas in ``wanted``: a previous area id is its
    own row; a new one becomes a row named by the engine (an area of that name, whatever its case,
    is used rather than a second one). Returns the map and how many rows were made."""
    rows: dict[int, int] = {}
    created = 0
    for area_id in sorted(set(wanted)):
        if area_id in known:
            rows[area_id] = area_id
            continue
        cluster = found.get(area_id)
        if cluster is None:
            continue
        terms = ", ".join(list(cluster.key_terms)[:4])
        area, new = area_for_name(name=(cluster.name or "New area")[:120])
        if new and terms:
            Area.objects.filter(pk=area.pk).update(description=f"Communities around {terms}."[:300])
        rows[area_id] = area.pk
        created += int(new)
    return rows, created


def areas_apply(
    *,
    matcher: engine.Matcher,
    community_map: Mapping[int, int],
    known: Mapping[int, int | None],
) -> dict[str, int]:
    """Put the run's communities (``community_map``: engine id -> Community pk) that are in no
    area, and whose area no moderator chose, in the area the engine gave them, creating rows for
    new areas that receive one. ``known``: the previous areas the run was told about. Returns
    counts for the run's metrics. Safe to run twice: the second time nothing is left to place."""
    engine_areas = {int(c): int(a) for c, a in matcher.community_areas_.items()}
    found = {int(a.id): a for a in matcher.areas_}
    candidates = {
        pk: int(engine_areas[cid]) for cid, pk in community_map.items() if cid in engine_areas
    }
    open_ = set(
        Community.objects.filter(
            pk__in=list(candidates), area__isnull=True, area_pinned=False
        ).values_list("pk", flat=True)
    )
    wanted = {candidates[pk] for pk in open_}
    # A previous area still in the database (an admin may have deleted one since the fit).
    told = {a for a in known.values() if a is not None}
    still = set(Area.objects.filter(pk__in=told).values_list("pk", flat=True))
    rows, created = _area_rows(wanted, found, still)
    by_area: dict[int, list[int]] = defaultdict(list)
    for pk in sorted(open_):
        if candidates[pk] in rows:
            by_area[rows[candidates[pk]]].append(pk)
    for area_pk, pks in by_area.items():
        Community.objects.filter(pk__in=pks, area__isnull=True).update(area_id=area_pk)
    return {
        "areas": len(found),
        "areas_created": created,
        "placed_in_areas": sum(len(pks) for pks in by_area.values()),
    }
