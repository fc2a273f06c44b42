"""Settings shared by every environment.

Configuration comes from the environment (12-factor). With nothing set, Kindred runs on an embedded
default: a SQLite file and a Celery broker on the local filesystem, so a newcomer needs only Python.
With DATABASE_URL and REDIS_URL set it uses PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

from config.logs import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("KINDRED_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "csp",
    "simple_history",
    "django_structlog",
    "core",
    "profiles",
    "communities",
    "matching",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.ControlCharactersInPathMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.AbuseAndConflictMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "profiles.context_processors.notifications",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL, or the embedded SQLite file.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kindred.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker write the same file: wait for the lock rather than fail, and let
    # readers proceed while a writer works.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "profiles.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's backends, refusing people banned from the whole site (their
    # sessions stop working at once).
    "profiles.backends.ModelBackend",
    "profiles.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

# django-allauth: log in with username or email; email is required but not verified by default
# (set ACCOUNT_EMAIL_VERIFICATION=mandatory in production once mail is configured).
ACCOUNT_ADAPTER = "profiles.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "profiles.forms.SignupExtraForm"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# The current password on the change page goes through the log-in lockout too.
ACCOUNT_FORMS = {"change_password": "profiles.adapters.ChangePasswordForm"}
# allauth's own limits, per client address (KINDRED_TRUSTED_PROXIES, core/client.py). Failed
# log-ins are counted by Kindred's lockout instead (profiles/services/lockout.py,
# KINDRED_LOGIN_LOCKOUT), one per account on every door: the log-in page, the admin (which logs in
# there) and the API.
ACCOUNT_RATE_LIMITS: dict[str, str | None] | bool = {
    "login": "30/m/ip",
    "login_failed": None,
    "signup": "20/h/ip",
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = None  # production collects static files; elsewhere WhiteNoise finds them in place
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email: the console by default; EMAIL_URL=smtp+tls://user:pass@host:587 in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kindred <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Redis serves as Celery broker, result backend and shared cache when REDIS_URL is set. The cache
# holds nothing that cannot be lost: while Redis is unreachable it acts as an empty cache, so
# requests go on without rate limits (a warning on the "kindred.degraded" logger; core/cache.py).
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kindred",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    # A file cache is shared by the web server and the worker on one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery (namespace CELERY_ in config/celery.py).
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
# A task's hard time limit; the soft one (SoftTimeLimitExceeded) comes a minute earlier.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
    # A late-acked task is redelivered after the visibility timeout; it must outlast the
    # longest task, or a long run would be delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
    }
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"
    # kombu's filesystem transport and result backend expect their folders to exist.
    for folder in ("queue", "control", "processed", "results"):
        (VAR_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that sends a task after its write gives up on an unreachable broker within about
# a second (core/queue.py logs it; the re-queue sends the task later) instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# The worker writes a heartbeat to the cache this often; /readyz calls the workers down when the
# newest one is older than KINDRED_WORKER_STALE_AFTER seconds (core/health.py).
KINDRED_WORKER_HEARTBEAT_SECONDS = env.int("KINDRED_WORKER_HEARTBEAT_SECONDS", default=10)
KINDRED_WORKER_STALE_AFTER = env.int("KINDRED_WORKER_STALE_AFTER", default=45)
# /readyz names the failing part, with the reason, to staff and to a request carrying
# "Authorization: Bearer <KINDRED_HEALTH_TOKEN>" (empty: staff only).
KINDRED_HEALTH_TOKEN = env.str("KINDRED_HEALTH_TOKEN", default="")

# Django REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "profiles.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies over KINDRED_JSON_MAX_BYTES or nested deeper than KINDRED_JSON_MAX_DEPTH answer
    # 400 with the reason (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
}
# API tokens (django-rest-knox, profiles.models.ApiToken): sent as "Authorization: Token <key>",
# stored as digests, expiring after KINDRED_TOKEN_DAYS; revoked on a password change or reset and
# on a site-wide ban (profiles.services.tokens_revoke_all).
KNOX_TOKEN_MODEL = "profiles.ApiToken"  # noqa: S105 - a model, not a secret
# knox's own migrations would make a table for its model even though ours replaces it (and that
# table, pointing at the users, would stop the tests from emptying the database): it gets none.
MIGRATION_MODULES = {"knox": None}
KINDRED_TOKEN_DAYS = env.int("KINDRED_TOKEN_DAYS", default=90)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=KINDRED_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
}
KINDRED_JSON_MAX_BYTES = env.int("KINDRED_JSON_MAX_BYTES", default=1024 * 1024)
KINDRED_JSON_MAX_DEPTH = env.int("KINDRED_JSON_MAX_DEPTH", default=20)
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Kindred API",
    "DESCRIPTION": "Posts, tags and self-forming communities of purpose.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CommunityStatusEnum": "communities.models.CommunityStatus",
        "PostStatusEnum": "communities.models.PostStatus",
        "MembershipStateEnum": "communities.models.MembershipState",
        "MatchRunStatusEnum": "matching.models.MatchRun.Status",
        "PostKindEnum": "communities.models.PostKind",
        "NotificationKindEnum": "profiles.models.Notification.Kind",
        "ProposalKindEnum": "communities.models.ProposalKind",
    },
}

# Content Security Policy (django-csp 4). Scripts and styles come only from our own origin
# (htmx is vendored); the API docs page loads Swagger UI from our own static files too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Logs (config/logs.py): readable key=value lines here, JSON in production (LOG_FORMAT=json or
# console wins). Every web line carries request_id, echoed to the client as X-Request-ID; every
# Celery line inside a task carries task_id.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
configure_structlog()
LOGGING = logging_config(log_format=env.str("LOG_FORMAT", default="console"), level=LOG_LEVEL)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# An address is personal data: kept out of the logs unless asked for.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = env.bool("LOG_CLIENT_IP", default=False)
# core.middleware.RequestIdMiddleware picks the id (a well-formed X-Request-ID from the proxy in
# front, so its logs and ours share it, unless TRUST_UPSTREAM_REQUEST_ID=0; else a new one).
KINDRED_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_UPSTREAM_REQUEST_ID", default=True)
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# A refused form names its reason on the request's log line (core.views.csrf_failure).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# Celery leaves the root logger to LOGGING above, so its lines are formatted the same way.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error tracking: Sentry only when SENTRY_DSN is set (nothing of sentry-sdk is loaded otherwise).
# No personal data is sent unless SENTRY_SEND_DEFAULT_PII=1.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=env.bool("SENTRY_SEND_DEFAULT_PII", default=False),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Static files are served by WhiteNoise. Outside production it finds them in place, so neither
# `make run` nor the tests need collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Kindred's own settings: config/settings/kindred.py.
from config.settings.kindred import *  # noqa: E402, F403
from config.settings.kindred import KINDRED_RATE_LIMITS_ENABLED  # noqa: E402

if not KINDRED_RATE_LIMITS_ENABLED:
    ACCOUNT_RATE_LIMITS = False

SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ContentStatusEnum"] = (
    "communities.models.ContentStatus"
)
