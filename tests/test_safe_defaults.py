"""Safe defaults: served processes (WSGI, ASGI, Celery) use the production settings unless told
otherwise, and only `make run` asks for the local ones; the demo refuses to load in production
without being told, and never with the documented admin password; liveness answers over plain
HTTP in production; a killed run's lock goes within two minutes of its last heartbeat."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from matching import services, tasks
from matching.models import MatchRun
from profiles.models import User

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra: str) -> dict[str, str]:
    """A server's environment with no settings module named."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")
    }
    db = connection.settings_dict
    env |= {
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        # The test itself plays the TLS proxy: it connects from 127.0.0.1 with X-Forwarded-Proto.
        "KINDRED_TRUSTED_PROXIES": "127.0.0.1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "KINDRED_VAR_DIR": "/tmp/kindred-safe-defaults",
    }
    return env | extra


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi", "config.celery"])
def test_served_processes_default_to_production_settings(module, db):
    script = (
        f"import {module}; from django.conf import settings as s; print(s.SETTINGS_MODULE, s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["config.settings.production", "False"]


def test_a_served_process_without_a_secret_key_refuses_to_start(db):
    env = {k: v for k, v in _production_env().items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_only_make_run_asks_for_the_local_settings():
    makefile = (ROOT / "Makefile").read_text()
    asks = re.findall(r"^(\S+): export DJANGO_SETTINGS_MODULE = (\S+)$", makefile, re.M)
    assert asks == [("run", "config.settings.local")]
    assert makefile.count("config.settings.local") == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, str, dict]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.monotonic() + 90
    while True:
        try:
            with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
                return r.status, r.read().decode(), dict(r.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_by_default_shows_no_debug_page_and_answers_liveness_over_plain_http(tmp_path):
    env = _production_env(STATIC_ROOT=str(tmp_path / "static"))
    subprocess.run(  # as the Dockerfile does: production pages need the static manifest
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "config.settings.production"},
        check=True,
        timeout=300,
    )
    port = _free_port()
    log = open(tmp_path / "web.log", "w")  # noqa: SIM115 - the server writes to it until stopped
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        status, body, _ = _get(f"{base}/healthz")
        assert (status, body) == (200, '{"status": "ok"}'), (tmp_path / "web.log").read_text()
        status, _, headers = _get(f"{base}/readyz")
        assert status == 301 and headers["Location"].startswith("https://")
        https = {"X-Forwarded-Proto": "https"}
        status, body, _ = _get(f"{base}/communities/a%00b/", https)
        assert status == 404, (tmp_path / "web.log").read_text()
        assert "REDIS_URL" not in body and "Traceback" not in body and "DEBUG" not in body
    finally:
        web.terminate()
        web.wait(timeout=20)


def test_the_demo_refuses_to_load_with_debug_off(db):
    with pytest.raises(CommandError, match="--allow-outside-debug"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_the_demo_loaded_outside_debug_gets_a_random_admin_password(db):
    out = StringIO()
    call_command("load_demo", "--allow-outside-debug", stdout=out)
    admin = User.objects.get(username="admin")
    assert not admin.check_password("kindred-admin")
    password = re.search(r"password: (\S+)", out.getvalue()).group(1)
    assert admin.check_password(password) and len(password) >= 20


def test_the_demo_under_debug_keeps_the_documented_admin_password(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    assert User.objects.get(username="admin").check_password("kindred-admin")


def _silent_run(seconds: int) -> MatchRun:
    run = MatchRun.objects.create(
        trigger=MatchRun.Trigger.SCHEDULE,
        status=MatchRun.Status.RUNNING,
        config_id="test",
        started_at=timezone.now(),
        heartbeat_at=timezone.now() - timedelta(seconds=seconds),
    )
    return run


def test_a_run_silent_for_a_minute_is_released_by_the_minutely_requeue(db):
    quiet = _silent_run(45)
    tasks.requeue_pending()
    quiet.refresh_from_db()
    assert quiet.status == MatchRun.Status.RUNNING  # a beat may yet come
    MatchRun.objects.filter(pk=quiet.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    tasks.requeue_pending()
    quiet.refresh_from_db()
    assert quiet.status == MatchRun.Status.FAILED and "worker was lost" in quiet.error
    rerun = services.match_run_request(actor=None, trigger=MatchRun.Trigger.MANUAL)
    assert rerun.pk != quiet.pk


@pytest.mark.django_db(transaction=True)
def test_a_long_stage_keeps_beating_so_its_run_is_not_released(settings):
    settings.KINDRED_MATCH_RUN_HEARTBEAT_SECONDS = 0.2
    run = _silent_run(59)
    with services.match_run_heartbeat(run.pk):
        time.sleep(1.0)
        run.refresh_from_db()
        assert timezone.now() - run.heartbeat_at < timedelta(seconds=1)
        services.match_runs_reap_stale()
    run.refresh_from_db()
    assert run.status == MatchRun.Status.RUNNING
