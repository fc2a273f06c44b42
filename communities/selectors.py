"""Every read of tags, posts and communities, with visibility applied in one place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
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

from communities.models import (
    Area,
    CharterRevision,
    Community,
    ContentStatus,
    Membership,
    Placement,
    Post,
    Proposal,
    Reply,
    Tag,
    Thread,
    Vote,
)
from profiles.models import User

Viewer = User | AnonymousUser


def tag_list(*, viewer: Viewer) -> QuerySet[Tag]:
    """Tags the viewer may know of: all but those used only by communities they may not see (a
    private community's tags would tell what it is about). A tag is known once a post they may
    see, a community they may see or someone's interests carry it."""
    if viewer.is_authenticated and viewer.is_staff:
        return Tag.objects.all()
    seen = Community.objects.filter(community_visibility_filter(viewer)).values("pk")
    unseen_only = Tag.objects.filter(communities__isnull=False).exclude(communities__in=seen)
    posts = Post.objects.filter(post_visibility_filter(viewer)).values("pk")
    public = Tag.objects.filter(Q(posts__in=posts) | Q(interested__isnull=False))
    return Tag.objects.exclude(Q(pk__in=unseen_only.values("pk")) & ~Q(pk__in=public.values("pk")))


def post_visibility_filter(viewer: Viewer, prefix: str = "") -> Q:
    """Posts a viewer may see: every post that is neither hidden by its author nor hidden or
    removed by moderators, and their own. A post its author deleted is gone for everyone.
    ``prefix`` ("post__") applies it to a related post, as a condition of the join rather than a
    list of every visible post."""
    not_deleted = ~Q(**{f"{prefix}moderation_status": ContentStatus.DELETED})
    if viewer.is_authenticated and viewer.is_staff:
        return not_deleted
    visible = ~Q(**{f"{prefix}status": Post.Status.HIDDEN}) & Q(
        **{f"{prefix}moderation_status": ContentStatus.VISIBLE}
    )
    if viewer.is_authenticated:
        visible |= Q(**{f"{prefix}author": viewer}) & not_deleted
    return visible


def post_list(*, viewer: Viewer) -> QuerySet[Post]:
    return (
        Post.objects.filter(post_visibility_filter(viewer))
        .select_related("author__profile")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )


def community_visibility_filter(viewer: Viewer, prefix: str = "") -> Q:
    """Communities a viewer may see: public ones, and private ones they belong to or are invited
    to (staff: all). The viewer's memberships are a subquery of their own rows, not a join over
    everyone's: a community with thousands of members costs no more than one with three.
    ``prefix`` ("community__") applies it to a related community, as a condition of the join
    rather than a list of every visible community."""
    if viewer.is_authenticated and viewer.is_staff:
        return Q()
    visible = Q(**{f"{prefix}visibility": Community.Visibility.PUBLIC})
    if viewer.is_authenticated:
        mine = Membership.objects.filter(
            user=viewer, state__in=[Membership.State.ACTIVE, Membership.State.INVITED]
        ).values("community_id")
        visible |= Q(**{f"{prefix}pk__in": mine})
    return visible


def community_list(*, viewer: Viewer) -> QuerySet[Community]:
    """Communities the viewer may see, with their counts as correlated subqueries (a GROUP BY
    over memberships and placements together multiplies one by the other)."""
    return (
        Community.objects.filter(community_visibility_filter(viewer))
        .annotate(
            member_count=_member_count(),
            post_count=_count_of(Placement.objects.all(), "community"),
        )
        .select_related("area")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
    )


def _active_community_ids(user: User) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
        "community_id"
    )


def community_list_of_member(*, viewer: Viewer, member: User) -> QuerySet[Community]:
    """The communities ``member`` is active in, among those ``viewer`` may see."""
    return community_list(viewer=viewer).filter(pk__in=_active_community_ids(member))


def community_invitations(*, user: User) -> QuerySet[Community]:
    """Proposed communities ``user`` was invited to and has not answered yet."""
    invited = Membership.objects.filter(user=user, state=Membership.State.INVITED).values(
        "community_id"
    )
    return community_list(viewer=user).filter(pk__in=invited, status=Community.Status.PROPOSED)


def placement_list_recent(*, viewer: User, limit: int = 10) -> QuerySet[Placement]:
    """Posts placed lately in the communities ``viewer`` is active in, newest first."""
    return (
        Placement.objects.filter(community__in=_active_community_ids(viewer))
        .filter(post__status=Post.Status.OPEN, post__moderation_status=ContentStatus.VISIBLE)
        .exclude(post__author=viewer)
        .select_related("post__author__profile", "community")
        .order_by("-created_at", "-pk")[:limit]
    )


def thread_list_recent(*, viewer: User, limit: int = 5) -> QuerySet[Thread]:
    """Discussions lately active in the communities ``viewer`` is active in."""
    return (
        Thread.objects.filter(
            community__in=_active_community_ids(viewer), status=ContentStatus.VISIBLE
        )
        .select_related("community", "author__profile")
        .order_by("-last_reply_at", "-pk")[:limit]
    )


def post_reply_list(*, viewer: Viewer, post: Post) -> QuerySet[Reply]:
    """The visible replies to a post, oldest first, with their authors."""
    return (
        Reply.objects.filter(post=post, status=ContentStatus.VISIBLE)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )


def placement_list_for_post(*, viewer: Viewer, post: Post) -> QuerySet[Placement]:
    """The communities a post is in, among those the viewer may see, best fit first."""
    visible = community_visibility_filter(viewer, prefix="community__")
    return (
        Placement.objects.filter(visible, post=post)
        .exclude(community__status=Community.Status.ARCHIVED)
        .select_related("community")
        .order_by("-pinned", "-score", "pk")
    )


# The directory, community pages, discussions, proposals and the charter (issue 5) ----------

DIRECTORY_SORTS: dict[str, tuple[str, ...]] = {
    "activity": ("-last_activity_at", "-id"),
    "members": ("-member_count", "-last_activity_at", "-id"),
    "newest": ("-created_at", "-id"),
}
DIRECTORY_STATUSES = (Community.Status.ACTIVE, Community.Status.PROPOSED)


def _count_of(queryset: QuerySet, field: str) -> Coalesce:
    """A correlated COUNT(*) subquery: no GROUP BY on the outer query, one query in all."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(
        Subquery(counted.annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _member_count() -> Coalesce:
    return _count_of(Membership.objects.filter(state=Membership.State.ACTIVE), "community")


def communities_counted(communities: Iterable[Community]) -> list[Community]:
    """These communities (a page of the directory) with member_count and post_count set, in one
    query that counts for them alone."""
    listed = list(communities)
    rows = (
        Community.objects.filter(pk__in=[c.pk for c in listed])
        .order_by()
        .annotate(
            member_count=_member_count(), post_count=_count_of(Placement.objects.all(), "community")
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
        communities = communities.annotate(member_count=_member_count())
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


def thread_visibility_filter(viewer: Viewer) -> Q:
    """Threads a viewer may see: visible threads in communities they may see (checked in the
    join, not against a list of every visible community)."""
    visible = community_visibility_filter(viewer, prefix="community__")
    return visible & Q(status=ContentStatus.VISIBLE)


def reply_visibility_filter(viewer: Viewer) -> Q:
    """Replies a viewer may see: visible messages in threads they may see, and visible replies
    to posts they may see."""
    threads = Thread.objects.filter(thread_visibility_filter(viewer)).values("pk")
    posts = Post.objects.filter(post_visibility_filter(viewer)).values("pk")
    return Q(status=ContentStatus.VISIBLE) & (Q(thread__in=threads) | Q(post__in=posts))


def thread_list(*, viewer: Viewer, community: Community | None = None) -> QuerySet[Thread]:
    """Visible threads in communities the viewer may see, with message counts; pinned first,
    then the most recently active."""
    threads = Thread.objects.filter(thread_visibility_filter(viewer))
    if community is not None:
        threads = threads.filter(community=community)
    return (
        threads.select_related("community", "author__profile")
        .annotate(
            message_count=_count_of(Reply.objects.filter(status=ContentStatus.VISIBLE), "thread")
        )
        .order_by("-pinned", "-last_reply_at", "-id")
    )


def thread_reply_list(*, viewer: Viewer, thread: Thread) -> QuerySet[Reply]:
    """A thread's visible messages, oldest first (the first is the opening message)."""
    return (
        Reply.objects.filter(thread=thread, status=ContentStatus.VISIBLE)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )


def reply_list(*, viewer: Viewer) -> QuerySet[Reply]:
    """Visible messages in visible threads of communities the viewer may see."""
    threads = thread_list(viewer=viewer).values("pk")
    return (
        Reply.objects.filter(thread__in=threads, status=ContentStatus.VISIBLE)
        .select_related("author__profile", "thread")
        .order_by("created_at", "pk")
    )


def reply_list_everywhere(*, viewer: Viewer) -> QuerySet[Reply]:
    """Visible replies the viewer may see: in visible threads of communities they may see, and
    on posts they may see."""
    threads = Thread.objects.filter(
        community__in=Community.objects.filter(community_visibility_filter(viewer)).values("pk"),
        status=ContentStatus.VISIBLE,
    ).values("pk")
    posts = Post.objects.filter(post_visibility_filter(viewer)).values("pk")
    return (
        Reply.objects.filter(status=ContentStatus.VISIBLE)
        .filter(Q(thread__in=threads) | Q(post__in=posts))
        .select_related("author__profile", "thread__community", "post")
    )


def proposal_list(*, viewer: Viewer, community: Community | None = None) -> QuerySet[Proposal]:
    """Proposals in communities the viewer may see, newest first, with their vote counts and,
    for a signed-in viewer, their own vote (my_vote: True, False or None)."""
    visible = community_visibility_filter(viewer, prefix="community__")
    proposals = Proposal.objects.filter(visible)
    if community is not None:
        proposals = proposals.filter(community=community)
    my_vote = (
        Subquery(Vote.objects.filter(proposal=OuterRef("pk"), user=viewer).values("approve")[:1])
        if viewer.is_authenticated
        else Value(None, output_field=BooleanField())
    )
    return (
        proposals.select_related("community", "target", "author__profile")
        .annotate(
            yes_count=_count_of(Vote.objects.filter(approve=True), "proposal"),
            no_count=_count_of(Vote.objects.filter(approve=False), "proposal"),
            my_vote=my_vote,
        )
        .order_by("-created_at", "-id")
    )


def charter_revision_list(*, community: Community) -> QuerySet[CharterRevision]:
    return CharterRevision.objects.filter(community=community).select_related(
        "editor__profile", "proposal"
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
