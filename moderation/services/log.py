"""What every moderation service shares: the one writer of moderation log entries, the reason
check, and telling the person affected."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from communities.models import Community
from communities.selectors import community_name_for
from communities.services import clean_typed_text
from core.errors import Conflict
from moderation.models import REASON_MAX_LENGTH, ModerationAction
from profiles.models import Notification, User
from profiles.services import notify

Verb = ModerationAction.Verb


def clean_reason(reason: str, *, required: bool = True) -> str:
    """The reason, stripped; a ValidationError when it is missing (if required) or too long."""
    return clean_typed_text(
        reason or "", field="reason", max_length=REASON_MAX_LENGTH, required=required
    )


def log_write(
    *,
    community: Community | None,
    actor: User | None,
    verb: str,
    target: models.Model,
    reason: str = "",
    details: dict[str, Any] | None = None,
    target_repr: str | None = None,
) -> ModerationAction:
    """Append one entry to the moderation log (the table refuses updates and deletes)."""
    return ModerationAction.objects.create(
        community=community,
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=str(target.pk),
        target_repr=(target_repr if target_repr is not None else str(target))[:200],
        reason=reason,
        details=details or {},
    )


def log_last(
    *, community: Community | None, verb: str, target: models.Model
) -> ModerationAction | None:
    """The latest entry for this verb on this target: what a repeated service returns."""
    return (
        ModerationAction.objects.filter(
            community=community,
            verb=verb,
            target_type=ContentType.objects.get_for_model(type(target)),
            target_id=str(target.pk),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def tell(user: User | None, *, title: str, url: str = "", actor: User | None = None) -> None:
    """Notify the person a moderator's decision affects (by their preferences)."""
    if user is None:
        return
    notify(user=user, kind=Notification.Kind.MODERATION, title=title, url=url, actor=actor)


def named_for(user: User, community: Community) -> tuple[str, str]:
    """How a notice to ``user`` names ``community``, and where it leads: its name and page, or
    "a private community" and no link when ``user`` may not see it (the privacy rule of
    communities/selectors/visibility.py): the author of a post moved into or out of a private
    community they are not in is told that much, not its name."""
    name = community_name_for(user, community)
    return name, community.get_absolute_url() if name == community.name else ""


def with_reason(text: str, reason: str) -> str:
    return f"{text}: {reason}" if reason else f"{text}."


def require_open(community: Community) -> None:
    if community.status == Community.Status.ARCHIVED:
        raise ValidationError("This community is archived.", code="archived")


class ModerationConflict(Conflict):
    """Someone else changed the object first (two moderators racing); the API answers 409."""
