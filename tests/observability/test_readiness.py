"""/healthz (liveness, no dependencies) and /readyz (503 on each failing dependency)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from apps.tenancy.models import PooledSchema

pytestmark = pytest.mark.django_db


def readyz(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_liveness_answers_on_any_host_without_the_database(django_db_blocker: Any) -> None:
    with django_db_blocker.block():  # any query would fail the test
        response = Client(HTTP_HOST="10.1.2.3").get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@override_settings(TENANT_SCHEMA_POOL_SIZE=0)
def test_ready(client_a: Client) -> None:
    status, body = readyz(client_a)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage", "migrations", "schema_pool"}
    assert all(check["ok"] for check in body["checks"].values())


@override_settings(TENANT_SCHEMA_POOL_SIZE=2)
def test_empty_pool_is_not_ready(client_a: Client) -> None:
    PooledSchema.objects.filter(tenant_type="kelurahan").delete()  # rolled back with the test
    status, body = readyz(client_a)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["schema_pool"]["ok"] is False
    assert "kelurahan" in body["checks"]["schema_pool"]["error"]
    assert body["checks"]["database"]["ok"]


def _closed_redis() -> dict[str, Any]:
    caches = copy.deepcopy(settings.CACHES)
    caches["state"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    return caches


@override_settings(TENANT_SCHEMA_POOL_SIZE=0)
def test_cache_down_is_not_ready(client_a: Client) -> None:
    with override_settings(CACHES=_closed_redis()):
        status, body = readyz(client_a)
    assert status == 503 and not body["checks"]["cache"]["ok"] and body["checks"]["database"]["ok"]


@override_settings(TENANT_SCHEMA_POOL_SIZE=0, CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_broker_down_is_not_ready(client_a: Client) -> None:
    status, body = readyz(client_a)
    assert status == 503 and not body["checks"]["broker"]["ok"]
    assert "127.0.0.1:1" not in str(body)  # no URL (it may hold a password) in the answer


@override_settings(TENANT_SCHEMA_POOL_SIZE=0)
def test_storage_down_is_not_ready(client_a: Client, tmp_path: Any) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the storage root should be")
    storages = copy.deepcopy(settings.STORAGES)
    storages["private"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(blocked)},
    }
    with override_settings(STORAGES=storages):
        status, body = readyz(client_a)
    assert status == 503 and not body["checks"]["storage"]["ok"]


@override_settings(TENANT_SCHEMA_POOL_SIZE=0)
def test_unapplied_migration_is_not_ready(client_a: Client) -> None:
    with connection.cursor() as cursor:  # rolled back with the test
        # The public schema's own app: the row applied last may belong to a tenant-only app,
        # which public never expects (apps.tenancy.schemas.expected_migrations).
        cursor.execute(
            "DELETE FROM public.django_migrations WHERE id = "
            "(SELECT max(id) FROM public.django_migrations WHERE app = 'tenancy')"
        )
    status, body = readyz(client_a)
    assert status == 503 and body["checks"]["migrations"]["error"] == "public schema has unapplied migrations"
