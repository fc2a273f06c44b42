"""The log-in lockout and the limits per client, as a stranger and an owner meet them: one counter
per account on every door (log-in page by username or email, API token endpoint), keyed per
client address behind the trusted proxies, so a stranger's failures elsewhere never lock the owner
out where they usually log in; a password reset always gets the owner back in; a locked log-in is
a 429 with the real Retry-After; the token endpoint refuses unverified accounts like the page."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

LOCKOUT = {
    "account_and_address": {"limit": 3, "window": 15 * 60},
    "account_elsewhere": {"limit": 8, "window": 60 * 60},
    "address": {"limit": 100, "window": 15 * 60},
    "known_addresses": 10,
    "known_address_days": 90,
}
# Our one TLS proxy connects to the app from 10.0.0.2; nothing else is trusted to name the client.
PROXY = "10.0.0.2"
TRUSTED_PROXIES = [PROXY]
limits_on = override_settings(
    KINDRED_RATE_LIMITS_ENABLED=True,
    KINDRED_LOGIN_LOCKOUT=LOCKOUT,
    KINDRED_TRUSTED_PROXIES=TRUSTED_PROXIES,
)
OWNER_HOME = "203.0.113.7"
# A client that reached gunicorn without passing the proxy (the app port was left reachable).
DIRECT = "127.0.0.2"


def _web(address: str) -> Client:
    """A browser at ``address``, behind our one TLS proxy (which appends it to X-Forwarded-For)."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def _api(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def _direct_api(forged: str) -> APIClient:
    """A client at DIRECT that connects to the app itself and writes X-Forwarded-For itself."""
    return APIClient(REMOTE_ADDR=DIRECT, HTTP_X_FORWARDED_FOR=forged)


def _log_in(client: Client, login: str, password: str):
    return client.post("/accounts/login/", {"login": login, "password": password})


def _token(client: APIClient, login: str, password: str, **extra):
    return client.post(
        "/api/auth/token/", {"username": login, "password": password, **extra}, format="json"
    )


@limits_on
def test_one_counter_per_account_across_username_email_and_the_api():
    UserFactory(username="grace", email="grace@example.org")
    stranger = _web("198.51.100.9")
    assert _log_in(stranger, "grace", "wrong").status_code == 200
    assert _log_in(stranger, "GRACE@example.org", "wrong").status_code == 200
    assert _token(_api("198.51.100.9"), "grace", "wrong").status_code == 400
    # The fourth try is refused whatever the door and the spelling, even with the right password.
    locked = _log_in(stranger, "grace@example.org", DEFAULT_PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert b"Too many failed log-in attempts" in locked.content
    assert b'name="password"' in locked.content  # the form comes back, with the reason
    assert "_auth_user_id" not in stranger.session
    api = _token(_api("198.51.100.9"), "Grace", DEFAULT_PASSWORD)
    assert api.status_code == 429, api.content
    assert "Too many failed log-in attempts" in api.json()["detail"]
    assert 0 < int(api["Retry-After"]) <= 15 * 60


@limits_on
def test_failures_through_the_api_lock_the_web_form_too():
    UserFactory(username="grace", email="grace@example.org")
    api = _api("198.51.100.9")
    for login in ("grace", "grace@example.org", "grace"):
        assert _token(api, login, "wrong").status_code == 400
    assert _log_in(_web("198.51.100.9"), "grace", DEFAULT_PASSWORD).status_code == 429


@limits_on
def test_a_strangers_failures_never_lock_the_owner_out_of_their_usual_address():
    UserFactory(username="grace")
    owner = _web(OWNER_HOME)
    assert _log_in(owner, "grace", DEFAULT_PASSWORD).status_code == 302  # her usual address
    owner.logout()
    # A stranger behind the same TLS proxy, then from many addresses: far past every account limit.
    for n in range(12):
        address = f"198.51.100.{n // 3 + 1}"
        assert _log_in(_web(address), "grace", "wrong").status_code in (200, 429)
    assert _log_in(_web("198.51.100.1"), "grace", DEFAULT_PASSWORD).status_code == 429
    # From an address she never used, the account is held too (a guesser spread over addresses).
    assert _log_in(_web("192.0.2.44"), "grace", DEFAULT_PASSWORD).status_code == 429
    # From home she gets in at once.
    response = _log_in(owner, "grace", DEFAULT_PASSWORD)
    assert response.status_code == 302, response.content[:300]
    assert _token(_api(OWNER_HOME), "grace", DEFAULT_PASSWORD).status_code == 200


@limits_on
def test_a_successful_log_in_is_not_counted():
    UserFactory(username="grace")
    for _ in range(6):
        assert _token(_api(OWNER_HOME), "grace", DEFAULT_PASSWORD).status_code == 200


def _reset_password(client: Client, email: str, password: str) -> None:
    assert client.post("/accounts/password/reset/", {"email": email}).status_code == 302
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": password, "password2": password},
    )
    assert done.status_code == 302, done.content[:500]


@limits_on
def test_a_password_reset_always_works_and_lifts_the_lockout():
    UserFactory(username="grace", email="grace@example.org")
    owner = _web(OWNER_HOME)
    for _ in range(4):
        _log_in(owner, "grace", "wrong")  # she forgot it
    assert _log_in(owner, "grace", DEFAULT_PASSWORD).status_code == 429
    _reset_password(owner, "grace@example.org", "a-brand-new-passphrase")
    response = _log_in(owner, "grace", "a-brand-new-passphrase")
    assert response.status_code == 302, response.content[:300]


@limits_on
@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_the_token_endpoint_refuses_an_unverified_account_like_the_log_in_page():
    unverified = UserFactory(username="newbie")
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False)
    response = _token(_api(OWNER_HOME), "newbie", DEFAULT_PASSWORD)
    assert response.status_code == 403, response.content
    assert "Verify your email address" in response.json()["detail"]
    assert not unverified.auth_token_set.exists()
    page = _log_in(_web(OWNER_HOME), "newbie", DEFAULT_PASSWORD)
    assert page.status_code == 302 and "confirm-email" in page["Location"]
    verified = UserFactory(username="known")
    EmailAddress.objects.create(user=verified, email=verified.email, verified=True, primary=True)
    assert _token(_api(OWNER_HOME), "known", DEFAULT_PASSWORD).status_code == 200


def _sign_up(client: Client, n: int):
    return client.post(
        "/accounts/signup/",
        {
            "email": f"new{n}@example.org",
            "username": f"newcomer{n}",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )


@limits_on
@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/h/ip"})
def test_sign_ups_are_limited_per_client_behind_the_proxy_with_the_real_retry_after():
    first = _web("198.51.100.1")
    for n in range(2):
        assert _sign_up(first, n).status_code == 302
        first.logout()
    refused = _sign_up(first, 2)
    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600  # the hour's remainder, not "60"
    # Another person behind the same proxy still signs up.
    assert _sign_up(_web("198.51.100.2"), 3).status_code == 302


@limits_on
@override_settings(
    KINDRED_RATE_LIMITS={"api_login": {"limit": 2, "new_limit": 2, "window": 60 * 60}}
)
def test_the_token_endpoints_own_limit_is_per_client_with_the_real_retry_after():
    UserFactory(username="grace")
    for _ in range(2):
        assert _token(_api("198.51.100.1"), "grace", DEFAULT_PASSWORD).status_code == 200
    refused = _token(_api("198.51.100.1"), "grace", DEFAULT_PASSWORD)
    assert refused.status_code == 429
    window_left = 3600 - time.time() % 3600  # the window's real remainder, not a fixed guess
    assert abs(int(refused["Retry-After"]) - window_left) <= 2
    assert _token(_api("198.51.100.2"), "grace", DEFAULT_PASSWORD).status_code == 200


@limits_on
def test_a_client_that_reaches_the_app_directly_cannot_lock_the_owner_out_with_a_forged_address():
    UserFactory(username="grace")
    owner = _web(OWNER_HOME)
    assert _log_in(owner, "grace", DEFAULT_PASSWORD).status_code == 302  # her usual address
    owner.logout()
    # From outside the proxy, naming her address in the header: counted where it connected from.
    attacker = _direct_api(OWNER_HOME)
    answers = [_token(attacker, "grace", "wrong").status_code for _ in range(6)]
    assert answers == [400, 400, 400, 429, 429, 429]
    # She, through the proxy from her usual address, still gets in at both doors.
    response = _log_in(owner, "grace", DEFAULT_PASSWORD)
    assert response.status_code == 302, response.content[:300]
    token = _token(_api(OWNER_HOME), "grace", DEFAULT_PASSWORD)
    assert token.status_code == 200, token.content


@limits_on
@override_settings(KINDRED_LOGIN_LOCKOUT={**LOCKOUT, "address": {"limit": 10, "window": 15 * 60}})
def test_rotating_forged_addresses_from_a_direct_client_do_not_skip_the_per_address_lockout():
    names = [f"member{n}" for n in range(8)]
    for name in names:
        UserFactory(username=name)
    answers = []
    for n in range(40):  # a new forged address every time, over 8 accounts
        attacker = _direct_api(f"198.51.100.{n + 1}")
        answers.append(_token(attacker, names[n % 8], "wrong").status_code)
    # No account reached its own limit in the first 10; the address did, whatever the header said.
    assert answers[:10] == [400] * 10
    assert set(answers[10:]) == {429}


@limits_on
@override_settings(
    KINDRED_RATE_LIMITS={"api_login": {"limit": 2, "new_limit": 2, "window": 60 * 60}}
)
def test_rotating_forged_addresses_do_not_skip_the_token_endpoints_own_limit():
    UserFactory(username="grace")
    for n in range(2):
        assert (
            _token(_direct_api(f"198.51.100.{n + 1}"), "grace", DEFAULT_PASSWORD).status_code == 200
        )
    refused = _token(_direct_api("198.51.100.3"), "grace", DEFAULT_PASSWORD)
    assert refused.status_code == 429, refused.content
    # Through the proxy, every other person still gets a token.
    assert _token(_api("198.51.100.4"), "grace", DEFAULT_PASSWORD).status_code == 200


@limits_on
@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/h/ip"})
def test_rotating_forged_addresses_do_not_skip_the_sign_up_limit():
    for n in range(2):
        direct = Client(REMOTE_ADDR=DIRECT, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
        assert _sign_up(direct, n).status_code == 302
    direct = Client(REMOTE_ADDR=DIRECT, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert _sign_up(direct, 2).status_code == 429
    assert _sign_up(_web("198.51.100.4"), 3).status_code == 302
