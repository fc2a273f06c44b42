"""Reads of communities and areas: the directory, a community's page and its people, and picking a
community by name. Counts are correlated subqueries (a GROUP BY over memberships and placements
together multiplies one by the other)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from communities.models import Area, Community, Membership, Placement, Tag
from communities.selectors.visibility import (
    Viewer,
    community_visibility_filter,
    post_visibility_filter,
)
from profiles.models import User


def count_of(queryset: QuerySet, field: str) -> Coalesce:
    """A correlated COUNT(*) subquery: no GROUP BY on the outer query, one query in all."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def member_count() -> Coalesce:
    return count_of(Membership.objects.filter(state=Membership.State.ACTIVE), "community")


def active_community_ids(user: User) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
        "community_id"
    )


def community_list(*, viewer: Viewer) -> QuerySet[Community]:
    """Communities the viewer may see, with their counts as correlated subqueries (a GROUP BY
    over memberships and placements together multiplies one by the other)."""
    return (
        Community.objects.filter(community_visibility_filter(viewer))
        .annotate(
            member_count=member_count(),
            post_count=count_of(Placement.objects.all(), "community"),
        )
        .select_related("area")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )


def community_list_of_member(*, viewer: Viewer, member: User) -> QuerySet[Community]:
    """The communities ``member`` is active in, among those ``viewer`` may see."""
    return community_list(viewer=viewer).filter(pk__in=active_community_ids(member))


def community_invitations(*, user: User) -> QuerySet[Community]:
    """Proposed communities ``user`` was invited to and has not answered yet."""
    invited = Membership.objects.filter(user=user, state=Membership.State.INVITED).values(
        "community_id"
    )
    return community_list(viewer=user).filter(pk__in=invited, status=Community.Status.PROPOSED)


# The directory and a community's page ----------------------------------------------------

DIRECTORY_SORTS: dict[str, tuple[str, ...]] = {
    "activity": ("-last_activity_at", "-id"),
    "members": ("-member_count", "-last_activity_at", "-id"),
    "newest": ("-created_at", "-id"),
}


DIRECTORY_STATUSES = (Community.Status.ACTIVE, Community.Status.PROPOSED)


def communities_counted(communities: Iterable[Community]) -> list[Community]:
    """These communities (a page of the directory) with member_count and post_count set, in one
    query that counts for them alone."""
    listed = list(communities)
    rows = (
        Community.objects.filter(pk__in=[c.pk for c in listed])
        .order_by()
        .annotate(
            member_count=member_count(), post_count=count_of(Placement.objects.all(), "community")
        )
        .values_list("pk", "member_count", "post_count")
    )
    counts = {pk: (members, posts) for pk, members, posts in rows}
    for community in listed:
        members, posts = counts.get(community.pk, (0, 0))
        setattr(community, "member_count", members)  # noqa: B010 (annotations, not fields)
        setattr(community, "post_count", posts)  # noqa: B010
    return listed


def _directory_search(communities: QuerySet[Community], query: str) -> QuerySet[Community]:
    """Full-text search over name, purpose and tags, ranked, on PostgreSQL; on SQLite (the
    embedded default) every word must appear in one of them."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        search = SearchQuery(query, search_type="websearch", config="english")
        # Each way of matching is its own indexable subquery. Names and purposes are matched in
        # the stored, indexed search_document column (migration 0008; not on the model, as
        # SQLite has no such thing), so no community's text is parsed during a search.
        by_text = (
            Community.objects.alias(
                matches=RawSQL(
                    "search_document @@ websearch_to_tsquery('english'::regconfig, %s)",
                    (query,),
                    output_field=BooleanField(),
                )
            )
            .filter(matches=True)
            .values("pk")
        )
        tags = Tag.objects.alias(document=SearchVector("name", config="english")).filter(
            Q(document=search) | Q(name__icontains=query)
        )
        by_tag = Community.tags.through.objects.filter(tag__in=tags).values("community_id")
        by_name = Community.objects.filter(name__icontains=query).values("pk")
        # Rank by what a community is called and tagged; parsing every match's whole purpose
        # again would cost as much as the search itself. Ties go to recent activity.
        return communities.filter(
            Q(pk__in=by_text) | Q(pk__in=by_tag) | Q(pk__in=by_name)
        ).annotate(
            rank=SearchRank(SearchVector("name", config="english"), search)
            + Case(When(pk__in=by_tag, then=Value(0.1)), default=Value(0.0))
        )
    for word in query.split()[:8]:
        tagged = Community.objects.filter(tags__name__icontains=word).values("pk")
        communities = communities.filter(
            Q(name__icontains=word) | Q(purpose__icontains=word) | Q(pk__in=tagged)
        )
    return communities.annotate(rank=Value(0.0, output_field=FloatField()))


def community_directory(
    *,
    viewer: Viewer,
    query: str = "",
    tag: str = "",
    status: str = "",
    sort: str = "",
    area: str = "",
) -> QuerySet[Community]:
    """The communities the directory lists: active and proposed ones the viewer may see, not
    merged away; searched, filtered by tag slug, area slug and status, grouped by area (by the
    area's name; communities in no area last) and sorted within each area (by relevance when
    there is a query and no other sort). Each carries its area and, for a signed-in viewer,
    viewer_state (their membership state, or None); member_count only when sorted by members.
    Counts go on the page shown by :func:`communities_counted`, so a page of cards costs a fixed
    number of queries (this one, its count, the counts and the tags prefetch) and counts only
    its own communities: SQLite works out every column of every row it sorts, which for a
    correlated count over a 20,000-post community took most of a second."""
    communities = Community.objects.filter(
        community_visibility_filter(viewer), merged_into__isnull=True
    )
    if status in DIRECTORY_STATUSES:
        communities = communities.filter(status=status)
    else:
        communities = communities.filter(status__in=DIRECTORY_STATUSES)
    if tag:
        tagged = Community.tags.through.objects.filter(tag__slug=tag).values("community_id")
        communities = communities.filter(pk__in=tagged)
    if area:
        communities = communities.filter(area__slug=area)
    query = " ".join(query.split())
    if query:
        communities = _directory_search(communities, query)
    viewer_state = (
        Subquery(
            Membership.objects.filter(community=OuterRef("pk"), user=viewer).values("state")[:1]
        )
        if viewer.is_authenticated
        else Value(None, output_field=CharField())
    )
    if sort == "members":
        communities = communities.annotate(member_count=member_count())
    communities = (
        communities.annotate(viewer_state=viewer_state)
        .select_related("area")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )
    by_area = (F("area__name").asc(nulls_last=True), F("area_id").asc(nulls_last=True))
    if query and sort not in DIRECTORY_SORTS:
        return communities.order_by(*by_area, "-rank", "-last_activity_at", "-id")
    return communities.order_by(*by_area, *DIRECTORY_SORTS.get(sort, DIRECTORY_SORTS["activity"]))


def area_list(*, viewer: Viewer, include_empty: bool = False) -> QuerySet[Area]:
    """Areas holding at least one live community the viewer may see (staff, or with
    ``include_empty``: every area), by name, each with community_count: its live (active or
    proposed, not merged) communities the viewer may see. One query."""
    live = Community.objects.filter(
        community_visibility_filter(viewer),
        status__in=DIRECTORY_STATUSES,
        merged_into__isnull=True,
        area=OuterRef("pk"),
    )
    counted = live.order_by().values("area").annotate(n=Count("pk")).values("n")[:1]
    areas = Area.objects.annotate(
        community_count=Coalesce(Subquery(counted), Value(0), output_field=IntegerField())
    )
    if not include_empty and not (viewer.is_authenticated and viewer.is_staff):
        areas = areas.filter(community_count__gt=0)
    return areas.order_by("name", "id")


def directory_tag_choices(*, limit: int = 40) -> QuerySet[Tag]:
    """The tags most used by communities, for the directory's tag filter."""
    return (
        Tag.objects.filter(
            communities__status__in=DIRECTORY_STATUSES,
            communities__visibility=Community.Visibility.PUBLIC,
        )
        .annotate(community_count=Count("communities"))
        .order_by("-community_count", "slug")[:limit]
    )


def community_membership(*, viewer: Viewer, community: Community) -> Membership | None:
    if not viewer.is_authenticated:
        return None
    return Membership.objects.filter(user=viewer, community=community).first()


def community_people(*, community: Community, role: str = "") -> QuerySet[Membership]:
    """Active members with their profiles; moderators and owners (role="staff") or the others
    (role="member"), longest-standing first."""
    staff = [Membership.Role.MODERATOR, Membership.Role.OWNER]
    people = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
    if role == "staff":
        people = people.filter(role__in=staff)
    elif role == "member":
        people = people.exclude(role__in=staff)
    return people.select_related("user__profile").order_by("created_at", "pk")


def community_placements(*, viewer: Viewer, community: Community) -> QuerySet[Placement]:
    """The posts placed in a community that the viewer may see: pinned, then best fit."""
    visible = post_visibility_filter(viewer, prefix="post__")
    return (
        Placement.objects.filter(visible, community=community)
        .select_related("post__author__profile")
        .prefetch_related(Prefetch("post__tags", queryset=Tag.objects.order_by("slug")))
        .order_by("-pinned", F("score").desc(nulls_last=True), "-created_at", "-pk")
    )


# Picking a community by name ---------------------------------------------------------------

PICKER_LIMIT = 1000


def community_picker_labels(communities: QuerySet[Community]) -> list[str]:
    """How each community is written in a picker (a `<datalist>`, searchable as people type):
    its name, or "name (address)" when another one in the list has the same name. Live
    communities only, by name; at most PICKER_LIMIT (typing a name still finds the others)."""
    rows = list(
        communities.filter(merged_into__isnull=True)
        .exclude(status=Community.Status.ARCHIVED)
        .order_by("name", "pk")
        .values_list("name", "slug")[:PICKER_LIMIT]
    )
    seen: dict[str, int] = {}
    for name, _ in rows:
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    return [name if seen[name.casefold()] == 1 else f"{name} ({slug})" for name, slug in rows]


def community_pick(communities: QuerySet[Community], text: str) -> Community | None:
    """The community meant by what a picker sent: a label of community_picker_labels, a name,
    an address or the last part of one. None when nothing matches; ValidationError when a name
    is shared and the address is needed."""
    text = (text or "").strip()
    if not text:
        return None
    if text.endswith(")") and " (" in text:
        slug = text[text.rindex(" (") + 2 : -1]
        found = communities.filter(slug=slug).first()
        if found is not None:
            return found
    slug = text.strip("/").rsplit("/", 1)[-1]
    found = communities.filter(slug=slug).first()
    if found is not None:
        return found
    named = list(communities.filter(name__iexact=text)[:2])
    if len(named) > 1:
        raise ValidationError(
            "More than one community has that name: pick it from the list.", code="ambiguous"
        )
    return named[0] if named else None
