"""Splitting a community: some of its posts make a new community, their authors come along.

The service checks permission first, runs in one transaction, writes its moderation log entries
(in both communities), tells the authors, and is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from communities.models import Community, Membership, Placement
from communities.services import clean_typed_text, tags_assign, unique_community_slug
from moderation.models import ModerationAction
from moderation.permissions import check_moderate_community
from moderation.services.log import (
    Verb,
    clean_reason,
    log_write,
    require_open,
    tell,
    with_reason,
)
from profiles.models import User


@transaction.atomic
def community_split(
    *,
    actor: User,
    community: Community,
    post_ids: Sequence[int],
    name: str,
    reason: str,
    purpose: str = "",
) -> Community:
    """Make a new community of some of this community's posts. The posts move (placed by a
    moderator, so the matcher keeps them there); their authors who were members come along; the
    actor owns the new community. Safe to repeat: the same split returns the same community."""
    check_moderate_community(actor, community)
    return community_split_off(
        actor=actor,
        community=community,
        post_ids=post_ids,
        name=name,
        reason=reason,
        purpose=purpose,
    )


def community_split_off(
    *,
    actor: User,
    community: Community,
    post_ids: Sequence[int],
    name: str,
    reason: str,
    purpose: str = "",
) -> Community:
    """The split itself, for callers that have checked the actor moderates ``community``
    (community_split, matcher_suggestion_accept). A reason is required."""
    require_open(community)
    reason = clean_reason(reason)
    name = clean_typed_text(name, field="name", max_length=120, required=True, single_line=True)
    wanted = sorted({int(pk) for pk in post_ids})
    if not wanted:
        raise ValidationError({"posts": "Choose the posts that form the new community."})
    for done in ModerationAction.objects.filter(community=community, verb=Verb.SPLIT):
        if done.details.get("posts") == wanted and done.details.get("name") == name:
            new = Community.objects.filter(slug=done.details.get("into")).first()
            if new is not None:
                return new
    placements = Placement.objects.select_for_update().filter(
        community=community, post_id__in=wanted
    )
    found = set(placements.values_list("post_id", flat=True))
    if missing := [pk for pk in wanted if pk not in found]:
        raise ValidationError(
            {"posts": f"Not in this community: {', '.join(map(str, missing))}."}, code="missing"
        )
    new = _community_create_from(
        community,
        actor=actor,
        name=name,
        purpose=clean_typed_text(purpose, field="purpose", max_length=10000, required=False),
    )
    placements.update(community=new, placed_by=Placement.PlacedBy.MODERATOR, placed_by_user=actor)
    authors = _authors_follow(source=community, new=new, post_ids=wanted, actor=actor)
    details = {"into": new.slug, "from": community.slug, "posts": wanted, "name": name}
    for logged_in in (community, new):
        log_write(
            community=logged_in,
            actor=actor,
            verb=Verb.SPLIT,
            target=new,
            reason=reason,
            details=details,
        )
    for author in User.objects.filter(pk__in=authors):
        tell(
            author,
            title=with_reason(
                f"Your post moved from {community.name} to the new community {new.name}", reason
            ),
            url=new.get_absolute_url(),
            actor=actor,
        )
    return new


def _community_create_from(
    community: Community, *, actor: User, name: str, purpose: str
) -> Community:
    """A new active community like ``community`` (visibility, join policy, tags), owned by
    ``actor``."""
    new = Community.objects.create(
        name=name,
        slug=unique_community_slug(name),
        purpose=purpose,
        status=Community.Status.ACTIVE,
        activated_at=timezone.now(),
        origin=Community.Origin.MEMBER,
        visibility=community.visibility,
        join_policy=community.join_policy,
        created_by=actor,
    )
    tags_assign(new, list(community.tags.all()))
    Membership.objects.create(
        user=actor, community=new, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
    )
    return new


def _authors_follow(
    *, source: Community, new: Community, post_ids: list[int], actor: User
) -> set[int]:
    """The authors of the moved posts who were active members of ``source`` join ``new``."""
    authors = set(
        Membership.objects.filter(
            community=source,
            state=Membership.State.ACTIVE,
            user__posts__pk__in=post_ids,
        )
        .exclude(user=actor)
        .values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [Membership(user_id=pk, community=new) for pk in sorted(authors)], ignore_conflicts=True
    )
    return authors
