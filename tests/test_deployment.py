"""Deployment promises: production settings pass Django's deploy checks, and docker-compose.yml
runs exactly the processes the Makefile runs."""

import ipaddress
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from core.proxies import trusted_networks

ROOT = Path(__file__).resolve().parent.parent


def _environment() -> dict[str, str]:
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never would.
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_production_settings_pass_the_deploy_check():
    env = {
        **_environment(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "kindred.example.org",
        "KINDRED_TRUSTED_PROXIES": "10.0.0.2",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in _environment().items() if k != "SECRET_KEY"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "x.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_trusted_proxies():
    env = {k: v for k, v in _environment().items() if k != "KINDRED_TRUSTED_PROXIES"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ALLOWED_HOSTS": "x.org",
        "SECRET_KEY": secrets.token_urlsafe(64),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "KINDRED_TRUSTED_PROXIES" in result.stderr


def _makefile_commands() -> dict[str, str]:
    text = (ROOT / "Makefile").read_text()
    return dict(re.findall(r"^(WEB_CMD|WORKER_CMD|BEAT_CMD) = (.+)$", text, re.M))


def test_compose_runs_exactly_the_makefile_processes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    commands = _makefile_commands()
    assert services["web"]["command"] == commands["WEB_CMD"]
    assert services["worker"]["command"] == commands["WORKER_CMD"]
    assert services["beat"]["command"] == commands["BEAT_CMD"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")


def test_compose_publishes_the_app_port_only_to_the_proxy_and_trusts_only_the_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert web["ports"], "web publishes its port to the proxy on the host"
    for port in web["ports"]:
        assert str(port).startswith("127.0.0.1:"), f"{port} is reachable from every interface"
    # The host's proxy reaches web through the published port: web sees the network's gateway.
    network = compose["networks"]["default"]["ipam"]["config"][0]
    gateway = ipaddress.ip_address(network["gateway"])
    assert gateway in ipaddress.ip_network(network["subnet"])
    setting = web["environment"]["KINDRED_TRUSTED_PROXIES"]
    default = re.fullmatch(r"\$\{KINDRED_TRUSTED_PROXIES-([^}]*)\}", setting)
    assert default, f"{setting}: the gateway by default, empty only when set so"
    assert trusted_networks(default.group(1)) == (ipaddress.ip_network(gateway),)


@pytest.mark.parametrize("path", ["Dockerfile", "bench/load.sh"])
def test_every_proxy_list_the_scripts_set_is_one_production_reads(path):
    values = re.findall(r"KINDRED_TRUSTED_PROXIES=(\S*)", (ROOT / path).read_text())
    assert values
    for value in values:
        trusted_networks(value)  # raises on a count (the old meaning) or a typo


def test_compose_checks_the_health_of_web_and_worker():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_the_docker_build_context_leaves_out_local_state_and_secrets():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", "var", ".env"} <= ignored
    assert any("__pycache__" in line for line in ignored)


def test_the_licence_is_declared_in_spdx_form_with_its_full_text():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE\n")
    assert "Version 3, 19 November 2007" in text
    assert "13. Remote Network Interaction" in text and "END OF TERMS AND CONDITIONS" in text
    # The Dockerfile installs the package before `COPY . .`: the licence must be there already.
    first_copy = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if "pyproject" in line
    )
    assert "LICENSE" in first_copy
