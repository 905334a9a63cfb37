"""Development: `make run`. Embedded PostgreSQL and eager Celery unless configured."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
KOTAKITA_URL_PORT = env("KOTAKITA_URL_PORT", "8000")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# --- Payments: the local sandbox gateway unless told otherwise (apps/payments/checks.py) -------
PAYMENTS_GATEWAY = env("PAYMENTS_GATEWAY", "sandbox")
# DEV ONLY: personal-data keys may be derived from SECRET_KEY here (never in production).
PERSONAL_DATA_DEV_KEYS = True
