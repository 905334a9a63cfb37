"""A tenant URLconf for the observability tests: the real one plus two test views."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls_tenant import urlpatterns as tenant_urlpatterns

logger = structlog.get_logger("tests.observability")


@shared_task(name="tests.observability.echo")
def echo(word: str) -> str:
    logger.info("echo_task_ran", word=word)
    return word


def queue_task(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"result": echo.delay("halo").get()})


def boom(request: HttpRequest) -> JsonResponse:
    nik = "3577031234567890"  # a local variable Sentry would capture
    phone = "081234567890"
    raise RuntimeError(f"gagal untuk NIK {nik} telepon {phone} surel warga@example.com")


urlpatterns = [
    path("_test/queue", queue_task),
    path("_test/boom", boom),
    *tenant_urlpatterns,
]
