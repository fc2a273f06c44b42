"""Writes to a person's profile and notification preferences."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.text import clean_name
from profiles.models import Profile, User


def profile_ensure(*, user: User) -> Profile:
    """The user's profile, created with defaults when missing. Safe to repeat."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    discoverable: bool | None = None,
    email_frequency: str | None = None,
    notify_invitations: bool | None = None,
    notify_peers: bool | None = None,
    notify_replies: bool | None = None,
    notify_proposals: bool | None = None,
) -> Profile:
    """Change one's own profile and notification preferences; arguments left as None stay as
    they are. Raises ValidationError (by field) for values the profile cannot hold. Safe to repeat.
    Interests are tags, which belong to communities: communities.services sets them
    (profile_update_with_interests)."""
    profile = profile_ensure(user=user)
    if display_name is not None:
        profile.display_name = clean_name(display_name)
    if bio is not None:
        profile.bio = bio.strip()
        if len(profile.bio) > 2000:  # a TextField's max_length is not checked by full_clean
            raise ValidationError(
                {"bio": f"Keep this under 2000 characters (it has {len(profile.bio)})."}
            )
    switches = {
        "discoverable": discoverable,
        "notify_invitations": notify_invitations,
        "notify_peers": notify_peers,
        "notify_replies": notify_replies,
        "notify_proposals": notify_proposals,
    }
    for field, value in switches.items():
        if value is not None:
            setattr(profile, field, bool(value))
    if email_frequency is not None:
        profile.email_frequency = email_frequency
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile
