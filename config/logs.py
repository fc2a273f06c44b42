"""Structured logs: every line carries the request id (web) or the task id (Celery).

structlog renders both our own events and the standard library's records (Django, Celery,
gunicorn) through one formatter: JSON, one object a line, in production; coloured key=value text
in `make run`. django-structlog's middleware binds ``request_id`` for the length of a request,
and its Celery receiver binds ``task_id`` for the length of a task.
"""

from __future__ import annotations

from typing import Any

import structlog

# Processors run on every record, ours and the standard library's, before it is rendered.
_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


def configure_structlog() -> None:
    """structlog hands its events to the standard library, which formats them (logging_config)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: ``log_format`` is "json" (production) or "console" (readable)."""
    if log_format not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be json or console, not {log_format!r}")
    # Tracebacks without local variables: they would put passwords and tokens into the logs.
    renderer: Any
    if log_format == "json":
        renderer = [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ]
    else:
        renderer = [
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        ]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *renderer,
                ],
                "foreign_pre_chain": _SHARED_PROCESSORS,
            }
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structlog"},
            "discard": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Without handlers of its own: Django's defaults give it a plain console handler
            # (with DEBUG), which printed every line and traceback a second time, unformatted.
            "django": {"handlers": [], "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            # Its "request_finished" line (method, path, status, request id, user id, and the
            # reason of a refusal: core.middleware.log_refusal) replaces an access log, and its
            # "request_failed" line carries a failed request's traceback, once.
            "django_structlog": {"level": level},
            # Each would tell a response again that django_structlog told: Django's request
            # logger ("Forbidden (Permission denied): /path", with the traceback of every
            # PermissionDenied, and a 500's traceback a second time), the development server's
            # access log, and the CSRF middleware's refusals.
            **{
                name: {"handlers": ["discard"], "propagate": False}
                for name in ("django.request", "django.server", "django.security.csrf")
            },
        },
    }
