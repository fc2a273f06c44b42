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
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import path
from django.utils.log import configure_logging
from rest_framework.test import APIClient

from config.logs import logging_config
from core.queue import enqueue
from tests.profiles.factories import UserFactory, api_token_key

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


@pytest.fixture
def server_log(monkeypatch) -> Iterator[Callable[[], list[dict]]]:
    """Everything the logging set-up writes, as production configures it at start (Django's own
    defaults, then LOGGING with LOG_FORMAT=json): a plain copy of a line, written by a handler
    other than ours, shows up as a line that is not JSON."""
    manager = logging.Logger.manager
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for name, logger in [("", logging.getLogger()), *manager.loggerDict.items()]
        if isinstance(logger, logging.Logger)
    }
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging(
        django_settings.LOGGING_CONFIG, logging_config(log_format="json", level="INFO")
    )

    def lines() -> list[dict]:
        text = stream.getvalue()
        plain = [line for line in text.splitlines() if not line.startswith("{")]
        assert not plain, text
        return [json.loads(line) for line in text.splitlines()]

    yield lines
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name or None)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate, logger.disabled = propagate, disabled


def _refused_page(user) -> tuple[object, str]:
    client = Client()
    client.force_login(user)
    return client.get("/moderation/"), "Only site staff can do that."


def _refused_api_call(user) -> tuple[object, str]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    response = client.get("/api/moderation/site/log/")
    return response, response.json()["detail"]


def _refused_form_without_csrf_token(user) -> tuple[object, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client.post("/moderation/log/"), "CSRF cookie not set."


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run"])
@pytest.mark.parametrize(
    "refuse", [_refused_page, _refused_api_call, _refused_form_without_csrf_token]
)
def test_a_refused_request_logs_one_line_with_its_reason_and_no_traceback(
    server_log, settings, debug, refuse
):
    settings.DEBUG = debug
    person = UserFactory()
    response, reason = refuse(person)
    assert response.status_code == 403, response.content
    lines = server_log()
    assert [line["event"] for line in lines] == ["request_started", "request_finished"], lines
    refused = lines[1]
    assert refused["level"] == "warning" and refused["code"] == 403
    assert (
        refused["request"]
        == f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
    )
    assert refused["request_id"] == response["X-Request-ID"]
    assert refused["user_id"] == person.pk
    assert refused["reason"] == reason
    assert "exception" not in refused


def _broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", _broken_view)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run"])
def test_a_real_error_logs_its_traceback_once(server_log, settings, debug):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    lines = server_log()
    with_traceback = [line for line in lines if "exception" in line]
    assert len(with_traceback) == 1, lines
    failed = with_traceback[0]
    assert failed["event"] == "request_failed" and failed["level"] == "error"
    assert failed["code"] == 500 and failed["request"] == "GET /broken/"
    assert failed["request_id"] == response["X-Request-ID"]
    assert failed["exception"][0]["exc_value"] == "a bug in a view"


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id_which_the_response_names(client, json_log):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == UUID_LENGTH
    lines = json_log()
    events = {line["event"] for line in lines}
    # Django's own "Not Found: /no-such-page/" would say it a second time (config/logs.py).
    assert events == {"request_started", "request_finished"}, lines
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
