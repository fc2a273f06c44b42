"""Moderators' answers to the matcher: carrying out or declining its merge and split suggestions
for active communities, and starting a full match run from a review queue.

Each service checks permission first and is safe to repeat.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from communities.models import Community, Placement
from matching.models import MatcherSuggestion, MatchRun
from matching.services import match_run_request
from moderation.models import REASON_MAX_LENGTH
from moderation.permissions import check_moderate_community, check_moderate_content
from moderation.services.log import ModerationConflict, Verb, clean_reason, log_last, log_write
from moderation.services.merges import community_merge_into
from moderation.services.splits import community_split_off
from profiles.models import User


def _describe(suggestion: MatcherSuggestion) -> str:
    return f"{suggestion.get_kind_display()} ({suggestion.reason[:150]})"


@transaction.atomic
def matcher_suggestion_accept(
    *, actor: User, suggestion: MatcherSuggestion, reason: str = "", name: str = ""
) -> Community:
    """Carry out a merge or split the matcher suggested; the actor moderates every community
    involved (for a merge suggestion, the moderator's merge of ``other_community`` into
    ``community`` follows). Returns the community the posts are in afterwards. Safe to repeat."""
    check_moderate_community(actor, suggestion.community)
    suggestion = (
        MatcherSuggestion.objects.select_for_update(of=("self",))
        .select_related("community", "other_community")
        .get(pk=suggestion.pk)
    )
    reason = clean_reason(reason, required=False) or suggestion.reason[:REASON_MAX_LENGTH]
    if suggestion.state == MatcherSuggestion.State.DECLINED:
        raise ModerationConflict("This suggestion was declined.")
    if suggestion.state == MatcherSuggestion.State.ACCEPTED:
        return _accepted_result(suggestion)
    if suggestion.kind == MatcherSuggestion.Kind.MERGE:
        other = suggestion.other_community
        if other is None:
            raise ValidationError("This merge suggestion names no second community.")
        check_moderate_community(actor, other)  # the second community involved, as it is now
        community_merge_into(actor=actor, source=other, target=suggestion.community, reason=reason)
        result = suggestion.community
    else:
        placed = set(
            Placement.objects.filter(
                community=suggestion.community, post_id__in=suggestion.post_ids
            ).values_list("post_id", flat=True)
        )
        result = community_split_off(
            actor=actor,
            community=suggestion.community,
            post_ids=sorted(placed),
            name=name or f"{suggestion.community.name}: a new group",
            reason=reason,
        )
    suggestion.state = MatcherSuggestion.State.ACCEPTED
    suggestion.save(update_fields=["state"])
    log_write(
        community=suggestion.community,
        actor=actor,
        verb=Verb.ACCEPT_SUGGESTION,
        target=suggestion,
        target_repr=_describe(suggestion),
        reason=reason,
        details={"kind": suggestion.kind, "into": result.slug},
    )
    return result


def _accepted_result(suggestion: MatcherSuggestion) -> Community:
    """What accepting returned the first time: the community merged into, or the one split off."""
    if suggestion.kind == MatcherSuggestion.Kind.MERGE:
        return suggestion.community
    last = log_last(community=suggestion.community, verb=Verb.ACCEPT_SUGGESTION, target=suggestion)
    slug = (last.details.get("into") if last else None) or ""
    return Community.objects.filter(slug=slug).first() or suggestion.community


@transaction.atomic
def matcher_suggestion_decline(
    *, actor: User, suggestion: MatcherSuggestion, reason: str = ""
) -> MatcherSuggestion:
    """Decline a merge or split the matcher suggested. Safe to repeat."""
    check_moderate_community(actor, suggestion.community)
    reason = clean_reason(reason, required=False)
    suggestion = MatcherSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.state == MatcherSuggestion.State.DECLINED:
        return suggestion
    if suggestion.state == MatcherSuggestion.State.ACCEPTED:
        raise ModerationConflict("This suggestion was already accepted.")
    suggestion.state = MatcherSuggestion.State.DECLINED
    suggestion.save(update_fields=["state"])
    log_write(
        community=suggestion.community,
        actor=actor,
        verb=Verb.DECLINE_SUGGESTION,
        target=suggestion,
        target_repr=_describe(suggestion),
        reason=reason,
    )
    return suggestion


def match_run_start(*, actor: User, community: Community | None = None) -> MatchRun:
    """Start a full match run (a fit afresh, which also looks for merges and splits) from a
    review queue (a community's moderators, or staff for the site), or get the one already under
    way. Safe to repeat: one run at a time."""
    check_moderate_content(actor, community)
    before = set(
        MatchRun.objects.filter(
            status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]
        ).values_list("pk", flat=True)
    )
    run = match_run_request(actor=actor, trigger=MatchRun.Trigger.MANUAL, full=True)
    if run.pk not in before:
        log_write(
            community=community,
            actor=actor,
            verb=Verb.START_RUN,
            target=run,
            target_repr=f"Match run #{run.pk}",
        )
    return run
