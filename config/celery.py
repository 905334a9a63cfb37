"""Celery app. Tasks queued inside a tenant carry its schema and run in it on the worker."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("kotakita")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
