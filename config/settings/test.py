"""Test suite: fast hashing, eager Celery by default, mail kept in memory."""

from typing import cast

from .base import *  # noqa: F403
from .base import env, env_bool

SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
KOTAKITA_URL_PORT = env("KOTAKITA_URL_PORT", "8000")
# Tests that need a real worker switch the app to the Redis broker themselves. The worker
# processes they start queue follow-up tasks to that broker like production workers do
# (KOTAKITA_TEST_EAGER=0) instead of running them inside the task being tested.
CELERY_TASK_ALWAYS_EAGER = env_bool("KOTAKITA_TEST_EAGER", True)
TENANT_SCHEMA_POOL_SIZE = int(env("TENANT_SCHEMA_POOL_SIZE", "2"))
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# High limits everywhere; the throttle tests lower them with override_settings.
_RATES = cast("dict[str, str]", REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(_RATES, "10000/min")  # noqa: F405
TENANT_SCHEMA_POOL_REFILL = False  # tests fill the pool explicitly where they need it
# The real-worker test reads task results back from Redis.
CELERY_RESULT_BACKEND = env("REDIS_URL") or None

# --- Payments: tests run against the sandbox gateway, declared like a staging site, with the ---
# public development key (tests sign notifications with apps.payments.gateways' constant).
PAYMENTS_GATEWAY = "sandbox"
PAYMENTS_ALLOW_SANDBOX = True
SANDBOX_ALLOWED = True  # apps.sandbox (OSS and notification sandboxes too)
PAYMENTS_SANDBOX_SERVER_KEY = "SB-KotaKita-sandbox-server-key"
# DEV ONLY: personal-data keys may be derived from SECRET_KEY here (never in production).
PERSONAL_DATA_DEV_KEYS = True
