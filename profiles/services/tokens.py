"""API tokens: made, revoked one at a time, and all revoked at once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from core.text import clean_name
from profiles.models import ApiToken, User
from profiles.permissions import check_make_token, check_revoke_token

TOKENS_PER_PERSON = 50


@transaction.atomic
def token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Make an API token for ``actor`` named ``name``, expiring after KINDRED_TOKEN_DAYS days.
    Returns the token and its key, which is shown this once (only a digest is kept). Each call
    makes a new key (not safe to repeat: a script should keep its key)."""
    check_make_token(actor)
    name = clean_name(name)[:80]
    if not name:
        raise ValidationError({"name": ["Give the token a name, to tell it apart later."]})
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one count at a time
    if ApiToken.objects.filter(user=actor).count() >= TOKENS_PER_PERSON:
        raise ValidationError(
            f"You have {TOKENS_PER_PERSON} tokens already; revoke one you no longer use."
        )
    token, key = ApiToken.objects.create(
        user=actor, expiry=timedelta(days=settings.KINDRED_TOKEN_DAYS), name=name
    )
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revoke one of one's own tokens: it is refused from then on. Safe to repeat."""
    check_revoke_token(actor, token)
    ApiToken.objects.filter(pk=token.pk).delete()


def tokens_revoke_all(user: User) -> int:
    """Revoke every API token of ``user`` (a password change or reset, a site-wide ban); returns
    how many there were. Safe to repeat."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
