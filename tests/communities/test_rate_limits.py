"""Abuse controls, turned on: rate limits for posting, replying, joining, reporting, sign-up and
log-in answer 429 with Retry-After (API and pages), new accounts get the stricter limit, and
the admin logs in through the locked log-in page (the lockout itself:
tests/profiles/test_login_limits.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from communities import services
from communities.models import Membership, Thread
from core.ratelimit import RateLimited, rate_limits_exempt
from tests.communities.factories import CommunityFactory, MembershipFactory, PostFactory
from tests.profiles.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

LIMITS = {
    "post": {"limit": 3, "new_limit": 1, "window": 3600},
    "reply": {"limit": 2, "new_limit": 1, "window": 3600},
    "join": {"limit": 2, "new_limit": 1, "window": 3600},
    "report": {"limit": 2, "new_limit": 1, "window": 3600},
    "api_login": {"limit": 100, "new_limit": 100, "window": 60},
}
limits_on = override_settings(KINDRED_RATE_LIMITS_ENABLED=True, KINDRED_RATE_LIMITS=LIMITS)


def _veteran(**kwargs):
    user = UserFactory(**kwargs)
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    return user


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_limits_are_off_unless_turned_on():
    author = UserFactory()
    for n in range(5):
        services.post_create(author=author, title=f"Post {n}")


@limits_on
def test_posting_through_the_api_answers_429_with_retry_after():
    client = _api(_veteran())
    for n in range(3):
        response = client.post("/api/posts/", {"title": f"Clay {n}"}, format="json")
        assert response.status_code == 201, response.content
    response = client.post("/api/posts/", {"title": "One too many"}, format="json")
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= 3600


@limits_on
def test_new_accounts_get_the_stricter_limit():
    newcomer = UserFactory()
    services.post_create(author=newcomer, title="Hello")
    with pytest.raises(RateLimited):
        services.post_create(author=newcomer, title="Again")
    veteran = _veteran()
    services.post_create(author=veteran, title="Hello")
    services.post_create(author=veteran, title="Again")


@limits_on
def test_replying_is_limited():
    community = CommunityFactory()
    author = MembershipFactory(community=community, user=_veteran()).user
    thread = Thread.objects.create(community=community, author=author, title="Mulch")
    services.thread_reply(author=author, thread=thread, body="One")
    services.thread_reply(author=author, thread=thread, body="Two")
    with pytest.raises(RateLimited):
        services.thread_reply(author=author, thread=thread, body="Three")


@limits_on
def test_joining_is_limited_in_the_api():
    client = _api(_veteran())
    for n in range(2):
        community = CommunityFactory(slug=f"open-{n}")
        assert client.post(f"/api/communities/{community.slug}/join/").status_code == 200
    response = client.post(f"/api/communities/{CommunityFactory(slug='late').slug}/join/")
    assert response.status_code == 429
    assert response["Retry-After"]
    assert not Membership.objects.filter(community__slug="late").exists()


@limits_on
def test_reporting_is_limited_in_the_api_and_on_the_page():
    reporter = _veteran()
    client = _api(reporter)
    for _ in range(2):
        post = PostFactory()
        response = client.post(
            "/api/reports/",
            {"target_type": "post", "target_id": post.pk, "reason": "Spam"},
            format="json",
        )
        assert response.status_code == 201, response.content
    from django.test import Client

    page = Client()
    page.force_login(reporter)
    response = page.post(f"/report/post/{PostFactory().pk}/", {"reason": "Spam"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"Slow down" in response.content


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/m/ip"})
def test_sign_up_is_limited_per_address(client):
    for n in range(2):
        response = client.post(
            "/accounts/signup/",
            {
                "email": f"new{n}@example.org",
                "username": f"newcomer{n}",
                "password1": "a-long-enough-passphrase",
                "password2": "a-long-enough-passphrase",
            },
        )
        assert response.status_code == 302, response.content[:500]
        client.logout()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "third@example.org",
            "username": "third",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 429
    assert response["Retry-After"]


def test_the_admin_logs_in_through_the_locked_log_in_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "%2Fadmin%2F" in response["Location"]
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/?next=/admin/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/admin/login/").status_code == 403


@limits_on
def test_writes_inside_rate_limits_exempt_are_neither_counted_nor_refused():
    """What the site writes itself in someone's name (the demo: load_demo) uses none of their
    allowance; outside the block their limit is whole and still holds."""
    author = _veteran()
    with rate_limits_exempt():
        for _ in range(5):
            services.post_create(author=author, title="Seeded", tags=["seed"])
    for _ in range(3):  # the whole limit, as if nothing had been written
        services.post_create(author=author, title="Mine", tags=["seed"])
    with pytest.raises(RateLimited):
        services.post_create(author=author, title="One too many", tags=["seed"])
