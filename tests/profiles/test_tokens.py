"""API tokens: named by their owner, listed and revoked on the settings page and through the API,
expiring, all revoked by a password change or reset (and by tokens_revoke_all, for bans); the
keys made before (Django REST framework's) keep working once migrated."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from profiles.models import ApiToken
from profiles.services import token_create, token_revoke, tokens_revoke_all
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory, api_token_key

pytestmark = pytest.mark.django_db


def _with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _works(key: str) -> bool:
    return _with(key).get("/api/me/").status_code == 200


def test_a_script_gets_a_named_expiring_token_by_username_or_email():
    UserFactory(username="ada", email="ada@example.org")
    response = APIClient().post(
        "/api/auth/token/",
        {"username": "ada@example.org", "password": DEFAULT_PASSWORD, "name": "Backups"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Backups" and len(body["token"]) == 64
    expiry = ApiToken.objects.get().expiry
    assert abs(expiry - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert _works(body["token"])
    listed = _with(body["token"]).get("/api/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["Backups"]
    assert "token" not in listed[0]  # the key is shown once, when made
    assert ApiToken.objects.get().digest != body["token"]  # only a digest is kept


def test_only_an_active_account_makes_tokens_and_only_its_owner_revokes_one():
    ada, grace = UserFactory(), UserFactory()
    token, _ = token_create(actor=ada, name="Backups")
    with pytest.raises(PermissionDenied):
        token_revoke(actor=grace, token=token)
    assert ApiToken.objects.filter(pk=token.pk).exists()
    token_revoke(actor=ada, token=token)
    token_revoke(actor=ada, token=token)  # safe to repeat
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    grace.is_active = False
    with pytest.raises(PermissionDenied):
        token_create(actor=grace, name="Gone")
    assert not ApiToken.objects.filter(user=grace).exists()


def test_tokens_are_made_listed_and_revoked_through_the_api():
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    client = APIClient()
    client.force_authenticate(ada)
    made = client.post("/api/tokens/", {"name": "Phone app"}, format="json")
    assert made.status_code == 201, made.content
    key, public_id = made.json()["token"], made.json()["id"]
    assert _works(key)
    assert client.post("/api/tokens/", {"name": ""}, format="json").status_code == 400
    others = APIClient()
    others.force_authenticate(grace)
    assert others.delete(f"/api/tokens/{public_id}/").status_code == 404
    assert _works(key)
    assert client.delete(f"/api/tokens/{public_id}/").status_code == 204
    assert not _works(key)
    assert client.delete(f"/api/tokens/{public_id}/").status_code == 404
    assert client.get("/api/tokens/not-a-token/").status_code == 404


def test_an_expired_token_is_refused_and_not_listed():
    ada = UserFactory(username="ada")
    key = api_token_key(ada, name="Old")
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert not _works(key)
    page = Client()
    page.force_login(ada)
    assert b"Old" not in page.get("/people/settings/tokens/").content


def test_the_tokens_page_makes_shows_once_and_revokes_without_javascript():
    ada = UserFactory(username="ada")
    page = Client()
    page.force_login(ada)
    made = page.post("/people/settings/tokens/", {"name": "Laptop backup"})
    assert made.status_code == 200
    key = re.search(rb'id="new-token-key">([0-9a-f]{64})<', made.content).group(1).decode()
    assert _works(key)
    listing = page.get("/people/settings/tokens/")
    assert b"Laptop backup" in listing.content and key.encode() not in listing.content
    public_id = ApiToken.objects.get().public_id
    stranger = Client()
    stranger.force_login(UserFactory(username="grace"))
    assert stranger.post(f"/people/settings/tokens/{public_id}/revoke/").status_code == 404
    revoked = page.post(f"/people/settings/tokens/{public_id}/revoke/", follow=True)
    assert b"Revoked the token" in revoked.content
    assert not _works(key)
    assert Client().get("/people/settings/tokens/").status_code == 302  # log in first


def test_changing_the_password_revokes_every_token():
    ada = UserFactory(username="ada")
    keys = [api_token_key(ada, name=f"Script {n}") for n in range(2)]
    other = api_token_key(UserFactory(username="grace"))
    page = Client()
    page.force_login(ada)
    response = page.post(
        "/accounts/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert not any(_works(key) for key in keys)
    assert _works(other)


def test_a_password_reset_revokes_every_token():
    ada = UserFactory(username="ada", email="ada@example.org")
    key = api_token_key(ada)
    client = Client()
    client.post("/accounts/password/reset/", {"email": "ada@example.org"})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form = client.get(link.group(1), follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302, done.content[:500]
    assert not _works(key)


def test_revoking_all_for_a_ban_is_safe_to_repeat():
    ada = UserFactory(username="ada")
    key = api_token_key(ada)
    assert tokens_revoke_all(ada) == 1
    assert tokens_revoke_all(ada) == 0
    assert not _works(key)


def test_keys_made_before_keep_working_once_migrated():
    ada = UserFactory(username="ada")
    old_key = "0123456789abcdef0123456789abcdef01234567"  # Django REST framework's 40 characters
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE authtoken_token (key varchar(40), user_id bigint, created "
            "timestamptz DEFAULT now())"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, user_id) VALUES (%s, %s)", [old_key, ada.pk]
        )
    migration = importlib.import_module("profiles.migrations.0006_drf_tokens_become_api_tokens")
    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)
    assert _works(old_key)
    token = ApiToken.objects.get(user=ada)
    assert token.name == "Token made before 2026-12" and token.expiry > timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0  # the clear-text keys are gone


def test_a_password_set_by_staff_in_the_admin_revokes_every_token():
    ada = UserFactory(username="ada")
    key = api_token_key(ada)
    staff = Client()
    staff.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = staff.post(
        f"/admin/profiles/user/{ada.pk}/password/",
        {
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert not _works(key)
