"""A person's interests: tags, which belong to communities, so setting them is composed here,
above profiles (whose profile_update knows nothing of tags)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from communities.services.tags import tags_from_names
from profiles.models import Profile, User
from profiles.services import profile_update


@transaction.atomic
def profile_update_with_interests(
    *, user: User, interests: Iterable[str] | None = None, **changes: Any
) -> Profile:
    """profiles.services.profile_update(**changes), and the person's interests set to the tags
    named in ``interests`` (new tags are created; None leaves them as they are). Raises
    ValidationError by field; nothing is saved then. Safe to repeat."""
    profile = profile_update(user=user, **changes)
    if interests is not None:
        profile.interests.set(tags_from_names(interests))
    return profile
