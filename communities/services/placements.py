"""Taking a post out of a community (moderation; moves to the moderation app)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from communities.models import ModerationAction, Placement, Post
from communities.permissions import check_moderate_community
from communities.services.text import clean_text
from matching.models import MatchConstraint
from profiles.models import User


@transaction.atomic
def placement_remove(*, actor: User, placement: Placement, reason: str) -> ModerationAction:
    """A moderator takes a post out of a community, with a reason. The matcher learns from it:
    later runs keep the post out. Safe to repeat (the constraint is recorded once)."""
    community = placement.community
    check_moderate_community(actor, community)
    reason = clean_text(reason, field="reason", max_length=2000, required=True)
    post = placement.post
    if placement.pk is not None:
        Placement.objects.filter(pk=placement.pk).delete()
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post=post,
        community=community,
        defaults={"created_by": actor, "reason": reason},
    )
    return ModerationAction.objects.create(
        community=community,
        actor=actor,
        verb=ModerationAction.Verb.REMOVE,
        target_type=ContentType.objects.get_for_model(Post),
        target_id=str(post.pk),
        target_repr=post.title[:200],
        reason=reason,
        details={"from_community": community.slug},
    )
