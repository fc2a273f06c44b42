"""The test suite: real PostgreSQL and Redis (DATABASE_URL/REDIS_URL, defaulting to localhost)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kindred")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: F403
from .base import KINDRED_MATCHER, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule-test")

# Rate limits would throttle a suite that posts and logs in quickly; tests of the limits turn them
# on again (tests/communities/test_rate_limits.py).
KINDRED_RATE_LIMITS_ENABLED = False
ACCOUNT_RATE_LIMITS = False

# The fast lexical encoder, whatever is installed, unless KINDRED_MATCHER_ENCODER names another:
# `make test` runs the engine and pipeline tests again with "hybrid" and the real model.
KINDRED_MATCHER = {
    **KINDRED_MATCHER,
    "encoder": env.str("KINDRED_MATCHER_ENCODER", default="lexical"),
}
