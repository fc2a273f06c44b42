"""Site staff's writes about people: banning someone from the whole site, and lifting the ban.

The ban itself is a profiles.SiteBan row, so that the lower layers refuse the person: their
sessions stop working (profiles.backends), log-in says why and until when
(profiles.adapters), their API tokens are deleted and new ones refused (profiles.api.views),
and they can neither send nor receive direct messages (profiles.permissions). Logged in the
site's moderation log in words, like every moderator's action.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from moderation.permissions import check_moderate_site
from moderation.services.log import Verb, clean_reason, log_write, tell, with_reason
from profiles.models import SiteBan, User
from profiles.services import tokens_revoke_all


def _when(until: datetime | None) -> str:
    return f"until {until:%-d %B %Y, %H:%M} UTC" if until else "for good"


@transaction.atomic
def site_ban(*, actor: User, user: User, reason: str, until: datetime | None = None) -> SiteBan:
    """Ban someone from the whole site, until a time or for good (staff only; staff accounts
    are not banned: take their staff rights away first). Changing the end or the reason of a
    ban in force logs again. Safe to repeat: the same ban again changes and logs nothing."""
    check_moderate_site(actor)
    reason = clean_reason(reason)
    if user.pk == actor.pk:
        raise ValidationError({"user": "You cannot ban yourself."})
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            {"user": "Staff accounts are not banned; remove their staff rights first."}
        )
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": "Choose a time in the future, or none for a lasting ban."})
    ban = SiteBan.objects.select_for_update().filter(user=user).first()
    if ban is not None and ban.until == until and ban.reason == reason:
        return ban
    if ban is None:
        ban = SiteBan(user=user)
    ban.reason, ban.until, ban.banned_by = reason, until, actor
    ban.save()
    tokens_revoke_all(user)
    log_write(
        community=None,
        actor=actor,
        verb=Verb.SITE_BAN,
        target=user,
        target_repr=f"{user.username} from the whole site {_when(until)}",
        reason=reason,
        details={"ends": f"{until:%-d %B %Y, %H:%M} UTC" if until else "never"},
    )
    tell(user, title=with_reason(f"You were banned from Kindred {_when(until)}", reason))
    return ban


@transaction.atomic
def site_unban(*, actor: User, user: User, reason: str = "") -> bool:
    """Lift someone's site-wide ban (an expired one too); they may log in again. Staff only.
    Safe to repeat: returns False, logging nothing, when there was no ban."""
    check_moderate_site(actor)
    reason = clean_reason(reason, required=False)
    deleted, _ = SiteBan.objects.filter(user=user).delete()
    if not deleted:
        return False
    log_write(
        community=None,
        actor=actor,
        verb=Verb.SITE_UNBAN,
        target=user,
        target_repr=f"{user.username} from the whole site",
        reason=reason,
    )
    tell(user, title="Your ban from Kindred was lifted: you can log in again.")
    return True
