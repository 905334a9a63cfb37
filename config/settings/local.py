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

# Fulfillment: with eager Celery (no broker), route batches in a thread of the web process so
# closing a batch answers at once (apps/fulfillment/services/dispatch.py, queue_routing).
FULFILLMENT_ROUTING_IN_THREAD = CELERY_TASK_ALWAYS_EAGER  # noqa: F405
