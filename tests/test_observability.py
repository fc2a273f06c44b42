"""Logs and error tracking: every web log line carries the request's id, answered as X-Request-ID;
a worker's lines inside a task carry its task id; production logs are JSON; Sentry is loaded only
when SENTRY_DSN is set, and then sends no personal data."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time

import pytest

from config.logs import logging_config
from core.queue import enqueue

UUID_LENGTH = 36


@pytest.fixture
def json_log():
    """The root logger's records, formatted as production formats them, one JSON object a line."""
    config = logging_config(log_format="json", level="INFO")["formatters"]["structlog"]
    factory = config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**config))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id_which_the_response_names(client, json_log):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == UUID_LENGTH
    lines = json_log()
    events = {line["event"] for line in lines}
    assert {"request_started", "request_finished", "Not Found: /no-such-page/"} <= events, events
    assert {line.get("request_id") for line in lines} == {request_id}
    finished = next(line for line in lines if line["event"] == "request_finished")
    assert finished["code"] == 404 and finished["level"] == "warning" and "timestamp" in finished


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, settings):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21")["X-Request-ID"] == "lb-7f3a9c21"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"forged": 1}')["X-Request-ID"]
    assert len(replaced) == UUID_LENGTH
    settings.KINDRED_TRUST_UPSTREAM_REQUEST_ID = False
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21")["X-Request-ID"] != "lb-7f3a9c21"


def test_each_request_gets_its_own_id(client, db):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


@pytest.mark.worker
def test_a_workers_lines_inside_a_task_carry_the_task_id(workers):
    worker = workers.start(env={"LOG_FORMAT": "json"})
    result = enqueue("matching.requeue_pending")
    assert result
    deadline = time.monotonic() + 60
    while True:
        lines = [
            json.loads(line)
            for line in worker.log_path.read_text().splitlines()
            if line.startswith("{")
        ]
        done = [line for line in lines if line["event"] == "task_succeeded"]
        if done:
            break
        assert time.monotonic() < deadline, worker.log_path.read_text()
        time.sleep(0.2)
    task_id = done[0]["task_id"]
    started = [line for line in lines if line["event"] == "task_started"]
    assert [line["task_id"] for line in started] == [task_id]
    assert started[0]["task"] == "matching.requeue_pending"


def _django(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "LOG_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "observability-test-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "example.org",
    "KINDRED_TRUSTED_PROXIES": "",  # the app faces the internet
}


def test_production_logs_one_json_object_a_line():
    result = _django(
        "import logging; logging.getLogger('kindred.test').warning('disk %s', 'full')", **PRODUCTION
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["event"] == "disk full"
    assert line["level"] == "warning" and line["logger"] == "kindred.test"


def test_sentry_is_not_loaded_without_a_dsn():
    result = _django("import sys; print('sentry_sdk' in sys.modules)", **PRODUCTION)
    assert result.stdout.strip() == "False"


def test_sentry_reports_web_and_task_errors_without_personal_data_when_a_dsn_is_set():
    code = (
        "import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], sorted(c.integrations))"
    )
    result = _django(code, **PRODUCTION, SENTRY_DSN="https://public@sentry.invalid/1")
    active, pii, integrations = result.stdout.strip().split(" ", 2)
    assert (active, pii) == ("True", "False")
    assert "'django'" in integrations and "'celery'" in integrations
