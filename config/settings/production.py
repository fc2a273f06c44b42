"""Production: PostgreSQL, Redis, gunicorn, Celery worker and beat behind HTTPS."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOG_LEVEL, VAR_DIR, env
from .base import logging_config as _logging_config

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# How many proxies of ours stand in front of the app (0 if none): without it every client would
# look like the TLS proxy to the rate limits and the log-in lockout (docs/operations.md).
KINDRED_TRUSTED_PROXIES = env.int("KINDRED_TRUSTED_PROXIES")
if KINDRED_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("KINDRED_TRUSTED_PROXIES must be 0 or more.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Liveness over plain HTTP, so a load balancer need not fake X-Forwarded-Proto (core/views.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

# One JSON object a line, for a log collector (LOG_FORMAT=console for a person at a terminal).
LOGGING = _logging_config(log_format=env.str("LOG_FORMAT", default="json"), level=LOG_LEVEL)
