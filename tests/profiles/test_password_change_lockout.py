"""The password-change page checks the current password through the log-in lockout
(profiles/services/lockout.py), like the log-in page, the token endpoint and the account-deletion
form: a session holder cannot guess the password there either (allauth's own limit alone, five a
minute, let through 300 guesses an hour), and the counters are the account's, shared by every
door."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from config.settings import base
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

real_lockout = override_settings(
    KINDRED_RATE_LIMITS_ENABLED=True, KINDRED_LOGIN_LOCKOUT=base.KINDRED_LOGIN_LOCKOUT
)
LOCK_AT = base.KINDRED_LOGIN_LOCKOUT["account_and_address"]["limit"]
NEW_PASSWORD = "a-new-long-passphrase-2026"


@pytest.fixture(autouse=True)
def _lockout_alone(own_cache, settings):
    """allauth's own per-minute limit on the page is off: the lockout is under test."""
    settings.ACCOUNT_RATE_LIMITS = False


def _change(client: Client, current: str):
    return client.post(
        "/accounts/password/change/",
        {"oldpassword": current, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


@real_lockout
def test_guessing_the_current_password_locks_the_account_from_here():
    ada = UserFactory()
    thief = Client()
    thief.force_login(ada)
    for _ in range(LOCK_AT):
        assert _change(thief, "guess").status_code == 200
    locked = _change(thief, DEFAULT_PASSWORD)  # the right one, too late
    assert locked.status_code == 429, locked.content.decode()[:2000]
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Try again in" in locked.content.decode()
    ada.refresh_from_db()
    assert ada.check_password(DEFAULT_PASSWORD)
    # The same counters as the log-in page and the deletion form.
    login = Client().post("/accounts/login/", {"login": ada.username, "password": DEFAULT_PASSWORD})
    assert login.status_code == 429
    delete = thief.post(
        "/people/settings/delete/", {"content": "remove", "password": DEFAULT_PASSWORD}
    )
    assert delete.status_code == 429


@real_lockout
def test_the_owner_changes_their_password_after_a_few_slips():
    ada = UserFactory()
    owner = Client()
    owner.force_login(ada)
    for _ in range(LOCK_AT - 1):
        assert _change(owner, "guess").status_code == 200
    done = _change(owner, DEFAULT_PASSWORD)
    assert done.status_code == 302, done.content.decode()[:2000]
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
