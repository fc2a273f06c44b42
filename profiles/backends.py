"""Authentication backends that refuse people banned from the whole site.

A banned person's session stops working on their next request (``get_user`` finds nobody, in the
one query that loads the user anyway), and they cannot obtain an API token. Log-in itself checks
the password first and then says why and until when (profiles.adapters.AccountAdapter.pre_login),
so that only the account's owner learns about the ban.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from profiles.models import User, active_site_ban_filter


def _user_not_banned(backend: DjangoModelBackend, user_id) -> User | None:
    user = User._default_manager.exclude(active_site_ban_filter()).filter(pk=user_id).first()
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return _user_not_banned(self, user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return _user_not_banned(self, user_id)
