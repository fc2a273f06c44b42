"""Production: PostgreSQL, Redis, gunicorn, Celery worker and beat behind HTTPS."""

from django.core.exceptions import ImproperlyConfigured

from core.proxies import covers_everything, trusted_networks

from .base import *  # noqa: F403
from .base import LOG_LEVEL, VAR_DIR, env
from .base import logging_config as _logging_config

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# The addresses or networks our proxies connect from, empty if the app faces the internet:
# required, because without it every client would look like the TLS proxy to the rate limits and
# the log-in lockout, and with a wrong one clients could pick their own address
# (docs/operations.md, "Security: deploying behind a proxy").
KINDRED_TRUSTED_PROXIES = env.list("KINDRED_TRUSTED_PROXIES")
try:
    _proxy_networks = trusted_networks(KINDRED_TRUSTED_PROXIES)
except ValueError as _error:
    raise ImproperlyConfigured(str(_error)) from None
if any(covers_everything(network) for network in _proxy_networks):
    raise ImproperlyConfigured(
        "KINDRED_TRUSTED_PROXIES trusts every address (0.0.0.0/0 or ::/0): any client could "
        "name its own address to the rate limits and the log-in lockout. List only the "
        "addresses or networks your proxies connect from."
    )

# X-Forwarded-Proto is read only when a proxy of ours is listed: with none, gunicorn terminates
# TLS itself and says so (wsgi.url_scheme), and a client's header is not believed.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _proxy_networks else None
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
