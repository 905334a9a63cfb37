"""/metrics: protected, and its numbers move with requests, tasks and the outbox."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from apps.accounts.services import create_user
from apps.notifications.services import notify
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-" + "x" * 32


def scrape(client: Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@override_settings(METRICS_TOKEN=TOKEN, METRICS_GAUGE_CACHE_SECONDS=0)
def test_scrape_with_token_and_values_that_move(test_urls: None, client_a: Client, tenant_a: Tenant) -> None:
    before = scrape(client_a)
    for name in (
        "kotakita_schema_pool_size",
        "kotakita_activation_jobs",
        "kotakita_outbox_pending",
        "kotakita_outbox_schemas_scanned",
        "kotakita_platform_gauges_up",
    ):
        assert any(key[0] == name for key in before), name
    assert value(before, "kotakita_platform_gauges_up") == 1
    assert value(before, "kotakita_outbox_schemas_scanned") >= 2

    home = {"tenant_type": "kelurahan", "view": "core:home", "method": "GET", "status": "200"}
    name = "accounts.send_set_password_email"
    task = {"task": name, "queue": settings.CELERY_TASK_ROUTES[name]["queue"], "state": "success"}
    client_a.get("/")
    client_a.get("/_test/queue")
    with tenant_a:
        user = create_user(username="metrik-warga", email="metrik@example.com", password=PASSWORD)
        notify([user], event="test.metrics", title="Uji", body="Uji", key="metrics-1")
    after = scrape(client_a)
    assert (
        value(after, "kotakita_http_requests_total", **home)
        == value(before, "kotakita_http_requests_total", **home) + 1
    )
    assert (
        value(after, "kotakita_celery_tasks_total", **task) == value(before, "kotakita_celery_tasks_total", **task) + 1
    )
    view = {"tenant_type": "kelurahan", "view": "core:home"}
    assert value(after, "kotakita_http_db_queries_sum", **view) > value(before, "kotakita_http_db_queries_sum", **view)
    assert value(after, "kotakita_http_request_duration_seconds_count", **view) >= 1
    assert value(after, "kotakita_celery_task_duration_seconds_count", task=name, queue=task["queue"]) >= 1
    pending = "kotakita_outbox_pending"
    assert value(after, pending, tenant_type="kelurahan") > value(before, pending, tenant_type="kelurahan")
    # django-prometheus' own request metrics are there too.
    assert any(key[0].startswith("django_http_requests") for key in after)


def test_metrics_do_not_exist_without_configuration(client_a: Client) -> None:
    assert client_a.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_wrong_or_missing_token_is_refused(client_a: Client) -> None:
    assert client_a.get("/metrics").status_code == 403
    assert client_a.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client_a.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_allow_list_by_peer_address() -> None:
    bare_address = Client(HTTP_HOST="10.1.2.3")  # a scraper reaching the backend by address
    assert bare_address.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200
    assert bare_address.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client_for(None).get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200  # platform host
