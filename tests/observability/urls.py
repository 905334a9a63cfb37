"""A tenant URLconf for the observability tests: the real one plus test views."""

from __future__ import annotations

import psycopg
from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.urls import path

from apps.accounts.models import User
from apps.accounts.tasks import send_set_password_email
from config.urls_tenant import urlpatterns as tenant_urlpatterns


def queue_task(request: HttpRequest) -> JsonResponse:
    """Queues a real, harmless task (an e-mail to the locmem outbox); eager in tests."""
    admin = User.objects.get(username="admin")
    result = send_set_password_email.delay(admin.pk)
    return JsonResponse({"task_id": result.id})


def boom(request: HttpRequest) -> JsonResponse:
    nik = "3577031234567890"  # a local variable Sentry would capture
    phone = "081234567890"
    raise RuntimeError(f"gagal untuk NIK {nik} telepon {phone} surel warga@example.com")


def database_gone(request: HttpRequest) -> JsonResponse:
    """What Django raises when PostgreSQL went away in the middle of the view."""
    try:
        raise psycopg.OperationalError("connection failed: Connection refused")
    except psycopg.Error as exc:
        raise OperationalError(str(exc)) from exc


def deadlock(request: HttpRequest) -> JsonResponse:
    """A query that failed on a working server (SQLSTATE 40P01)."""
    try:
        raise psycopg.errors.DeadlockDetected("deadlock detected")
    except psycopg.Error as exc:
        raise OperationalError(str(exc)) from exc


urlpatterns = [
    path("_test/queue", queue_task),
    path("_test/boom", boom),
    path("_test/database-gone", database_gone),
    path("_test/deadlock", deadlock),
    *tenant_urlpatterns,
]
