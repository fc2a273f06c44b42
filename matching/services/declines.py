"""A post author declining what the matcher suggested: a community ("not my problem") or a peer
("not relevant")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from communities.models import Placement
from matching.models import CommunityFit, MatchConstraint, PeerSuggestion
from profiles.models import User


@transaction.atomic
def community_fit_decline(*, actor: User, fit: CommunityFit) -> CommunityFit:
    """The author says a suggested community is "not my problem": it is not suggested again, and
    later runs keep the post out of it. Safe to repeat."""
    if fit.post.author_id != actor.pk:
        raise PermissionDenied("Only the post's author can decline this suggestion.")
    if not fit.declined:
        CommunityFit.objects.filter(pk=fit.pk).update(declined=True)
        fit.declined = True
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post_id=fit.post_id,
        community_id=fit.community_id,
        defaults={"created_by": actor, "reason": "The author said it is not their problem."},
    )
    Placement.objects.filter(
        post_id=fit.post_id, community_id=fit.community_id, placed_by=Placement.PlacedBy.MATCHER
    ).delete()
    return fit


@transaction.atomic
def peer_suggestion_decline(*, actor: User, suggestion: PeerSuggestion) -> PeerSuggestion:
    """The author hides a suggested peer; it is not suggested again. Safe to repeat."""
    if suggestion.post.author_id != actor.pk:
        raise PermissionDenied("Only the post's author can decline this suggestion.")
    PeerSuggestion.objects.filter(pk=suggestion.pk).update(declined=True)
    suggestion.declined = True
    return suggestion
