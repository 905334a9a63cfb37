"""Hand-offs to another tenant (`fanout.enqueue_in_tenant[_on_commit]`): the task runs in that
tenant's schema, after the commit when asked, never for a removed tenant, and for a suspended or
archiving one only when the caller says it must (levies' records in two schemas)."""

from __future__ import annotations

from typing import Any

import pytest
from celery import shared_task
from django.db import transaction

from apps.core.db import connection
from apps.tenancy import fanout
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

ran_in: list[tuple[str, str]] = []


@shared_task(name="tests.tenancy.record_schema", ignore_result=True)
def record_schema(label: str) -> None:
    ran_in.append((label, connection.schema_name))


@pytest.fixture(autouse=True)
def _clear() -> None:
    ran_in.clear()


def test_a_hand_off_runs_in_the_tenant_and_the_caller_keeps_its_schema(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with fanout.switched_to(tenant_a):
        assert fanout.enqueue_in_tenant(tenant_b.pk, record_schema, "now") is True
        assert connection.schema_name == tenant_a.schema_name
    assert ran_in == [("now", tenant_b.schema_name)]


def test_an_inactive_tenant_gets_a_hand_off_only_when_it_must(tenant_b: Tenant) -> None:
    for status in (Tenant.Status.SUSPENDED, Tenant.Status.ARCHIVING):
        Tenant.objects.filter(pk=tenant_b.pk).update(status=status)
        assert fanout.enqueue_in_tenant(tenant_b.pk, record_schema, "skipped") is False
        assert fanout.enqueue_in_tenant(tenant_b.pk, record_schema, status, include_inactive=True) is True
    assert ran_in == [("suspended", tenant_b.schema_name), ("archiving", tenant_b.schema_name)]
    missing = Tenant.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert fanout.enqueue_in_tenant(missing + 1, record_schema, "gone", include_inactive=True) is False
    assert len(ran_in) == 2


def test_on_commit_a_hand_off_waits_for_the_commit_and_a_rollback_sends_nothing(
    tenant_b: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            fanout.enqueue_in_tenant_on_commit(tenant_b.pk, record_schema, "rolled back")
            raise RuntimeError("the write rolls back")
        fanout.enqueue_in_tenant_on_commit(tenant_b.pk, record_schema, "committed")
        assert ran_in == []
    assert ran_in == [("committed", tenant_b.schema_name)]
