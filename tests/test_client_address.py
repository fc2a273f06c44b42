"""The client's address behind the proxies we trust (core/proxies.py, core/client.py): the
header is read only from a proxy of ours, from the right, past every hop of ours; production
refuses a list it cannot read or one that trusts everyone; the system checks say the same. The
attacks through HTTP, a forged header from outside the proxy: tests/profiles/test_login_limits.py.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory

from core.client import client_address, client_key
from core.proxies import forwarded_client, trusted_networks

ROOT = Path(__file__).resolve().parent.parent
PROXY = "10.0.0.2"
LB = "10.1.0.0/24"  # a load balancer's network in front of the proxy


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # No proxy of ours: the header is the client's own, never read.
        ([], PROXY, "198.51.100.1", PROXY),
        # One proxy: the client is what it appended; what the client wrote further left is not.
        ([PROXY], PROXY, "198.51.100.1", "198.51.100.1"),
        ([PROXY], PROXY, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        # A peer that is not our proxy wrote the whole header: the peer is the client.
        ([PROXY], "127.0.0.2", "203.0.113.7", "127.0.0.2"),
        ([PROXY], "198.51.100.9", "10.0.0.2, 203.0.113.7", "198.51.100.9"),
        # A load balancer and the proxy: past every hop of ours.
        ([PROXY, LB], PROXY, "6.6.6.6, 198.51.100.1, 10.1.0.5", "198.51.100.1"),
        # ...but a client that names a hop of ours further left does not get past its own entry.
        ([PROXY, LB], PROXY, "10.1.0.7, 198.51.100.1, 10.1.0.5", "198.51.100.1"),
        # A request that passed fewer hops (a health check from inside): the furthest hop of ours.
        ([PROXY, LB], PROXY, "10.1.0.5", "10.1.0.5"),
        ([PROXY], PROXY, "", PROXY),
        # IPv6, networks of either family, an IPv4 peer on a dual-stack socket.
        (["fd00::/64"], "fd00::2", "2001:db8:1:2::5", "2001:db8:1:2::5"),
        (["fd00::/64"], "fd00::2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (["fd00::/64"], PROXY, "198.51.100.1", PROXY),
        ([PROXY], "::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ([PROXY], PROXY, "::ffff:198.51.100.1", "198.51.100.1"),
        # With ports, as some proxies write them.
        ([PROXY], PROXY, "198.51.100.1:51234", "198.51.100.1"),
        ([PROXY], PROXY, "[2001:db8::5]:443", "2001:db8::5"),
        # Malformed entries: what a hop of ours handed on unreadable is counted under that hop;
        # nothing further left is trusted.
        ([PROXY], PROXY, "not-an-address", PROXY),
        ([PROXY], PROXY, "198.51.100.1, unknown", PROXY),
        ([PROXY, LB], PROXY, "198.51.100.1, garbage, 10.1.0.5", "10.1.0.5"),
        ([PROXY], PROXY, "[2001:db8::5", PROXY),
        ([PROXY], PROXY, "198.51.100.1:http", PROXY),
        ([PROXY], PROXY, "198.51.100.1, , ", "198.51.100.1"),  # empty entries say nothing
        # Malformed entries left of the client are the client's own, never read.
        ([PROXY], PROXY, "garbage, 198.51.100.1", "198.51.100.1"),
    ],
)
def test_the_client_is_the_first_address_from_the_right_that_is_not_a_proxy_of_ours(
    trusted, remote, forwarded, expected
):
    assert forwarded_client(remote, forwarded, trusted_networks(trusted)) == expected


def test_the_setting_is_read_through_django_settings(settings):
    settings.KINDRED_TRUSTED_PROXIES = [PROXY, LB]
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1, 10.1.0.5"
    )
    assert client_address(request) == "198.51.100.1"
    direct = RequestFactory().get("/", REMOTE_ADDR="127.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(direct) == "127.0.0.2"


def test_ipv6_clients_are_counted_by_their_64(settings):
    settings.KINDRED_TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:2::1")
    assert client_key(request) == "2001:db8:1:2::"


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        (["1"], "'1' is a count"),
        ("2", "'2' is a count"),
        (["10.0.0.5/24"], "has host bits set"),
        (["proxy.internal"], "is not an IP address or network"),
    ],
)
def test_a_list_that_is_not_addresses_or_networks_is_refused_with_the_reason(entries, reason):
    with pytest.raises(ValueError, match=reason):
        trusted_networks(entries)


def test_comma_separated_entries_with_spaces_and_blanks_are_read():
    assert [str(n) for n in trusted_networks(" 10.0.0.2 , ,fd00::/64")] == [
        "10.0.0.2/32",
        "fd00::/64",
    ]


def _production(proxies: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "KINDRED_TRUSTED_PROXIES")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "kindred.example.org",
    }
    if proxies is not None:
        env["KINDRED_TRUSTED_PROXIES"] = proxies
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("proxies", "reason"),
    [
        (None, "KINDRED_TRUSTED_PROXIES"),  # unset: required
        ("1", "is a count"),  # the old meaning: how many proxies
        ("10.0.0.0/8,0.0.0.0/0", "trusts every address"),
        ("::/0", "trusts every address"),
        ("10.0.0.5/24", "has host bits set"),
    ],
)
def test_production_refuses_an_inconsistent_proxy_list_with_the_reason(proxies, reason):
    result = _production(proxies)
    assert result.returncode != 0
    assert reason in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("proxies", ["10.0.0.2", "10.0.0.2,10.1.0.0/24", "fd00::/64", ""])
def test_production_accepts_each_deployment_shape(proxies):
    result = _production(proxies)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_refuses_a_count_in_any_settings(settings):
    settings.KINDRED_TRUSTED_PROXIES = ["1"]
    with pytest.raises(SystemCheckError, match=r"core\.E001"):
        call_command("check")


def test_the_deploy_check_warns_when_the_header_would_be_trusted_from_anywhere(settings):
    settings.KINDRED_TRUSTED_PROXIES = ["0.0.0.0/0"]
    call_command("check")  # a warning only under --deploy
    with pytest.raises(SystemCheckError, match=r"core\.W001"):
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])


def test_the_deploy_check_warns_when_a_proxy_is_trusted_without_its_address(settings):
    settings.KINDRED_TRUSTED_PROXIES = []
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    with pytest.raises(SystemCheckError, match=r"core\.W002"):
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])
