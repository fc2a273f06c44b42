"""Django for the benchmarks that use the ORM, with the settings the environment gives
(DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL: the Makefile sets them), else manage.py's.

A benchmark calls :func:`setup` before it imports models, so its later imports are not at the top
of the module (ruff's E402 is off for bench/).
"""

from __future__ import annotations

import os
from typing import NoReturn

import django
from django.apps import apps


def setup() -> None:
    """Set Django up once (a test run has already done it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")  # as manage.py
    if not apps.ready:
        django.setup()


def fail(message: str) -> NoReturn:
    """Stop the benchmark: it cannot run as asked (the message says why; exit status 1)."""
    raise SystemExit(f"error: {message}")
