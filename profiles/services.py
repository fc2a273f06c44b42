"""Every write to accounts and profiles."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

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
    interests: Iterable[str] | None = None,
    discoverable: bool | None = None,
) -> Profile:
    """Change one's own profile. Safe to repeat."""
    from communities.services import tags_from_names

    profile = profile_ensure(user=user)
    if display_name is not None:
        profile.display_name = display_name.strip()[:80]
    if bio is not None:
        profile.bio = bio.strip()[:2000]
    if discoverable is not None:
        profile.discoverable = discoverable
    profile.full_clean()
    profile.save()
    if interests is not None:
        profile.interests.set(tags_from_names(interests))
    return profile
