"""What a password change or reset does beyond the password: allauth's pages send these signals
(the change and set pages, and the reset link), so the web pages need no code of their own."""

from __future__ import annotations

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from profiles.lockout import login_lockout_clear
from profiles.services import tokens_revoke_all


@receiver(password_changed, dispatch_uid="profiles-tokens-on-password-change")
@receiver(password_set, dispatch_uid="profiles-tokens-on-password-set")
def revoke_tokens_on_password_change(sender, request, user, **kwargs) -> None:
    """A new password ends every API token: a leaked key must not outlive the password."""
    tokens_revoke_all(user)


@receiver(password_reset, dispatch_uid="profiles-after-password-reset")
def after_password_reset(sender, request, user, **kwargs) -> None:
    """A reset ends every API token and lifts the log-in lockout of the account, so that its
    owner always gets back in."""
    tokens_revoke_all(user)
    login_lockout_clear(user=user)
