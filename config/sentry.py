"""Sentry error tracking, imported by the settings only when SENTRY_DSN is set."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def init_sentry(
    *, dsn: str, environment: str, send_default_pii: bool, traces_sample_rate: float
) -> None:
    """Errors from web requests and Celery tasks go to Sentry; no user data unless asked for."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=send_default_pii,
        traces_sample_rate=traces_sample_rate,
    )
