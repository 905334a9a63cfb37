"""Idempotency-Key records of every tenant in one public table keyed by schema
(apps.idempotency): a key replays and refuses only in its own tenant, WhatsApp's message ids and
their repair stay per tenant, old records of every tenant are purged at once, a removed tenant's
records go, and no tenant schema keeps `core_idempotencyrecord`."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.core import idempotency
from apps.core.db import connection
from apps.idempotency import services
from apps.idempotency.models import IdempotencyRecord
from apps.jobs import tasks as jobs
from apps.payments.models import GatewayCharge
from apps.tenancy import schemas
from apps.tukang import whatsapp
from tests.conftest import TenantSet, client_for

pytestmark = pytest.mark.django_db


def _regclass(name: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0]


def _topup(client: Client, amount: int, key: str) -> Any:
    return client.post(
        "/api/v1/payments/topups/",
        json.dumps({"amount": amount}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _record(**fields: Any) -> IdempotencyRecord:
    values = {"owner": "user:1", "scope": "uji", "fingerprint": "f", "status_code": 201} | fields
    return IdempotencyRecord.objects.create(**values)


def test_the_same_key_of_the_same_owner_on_two_tenants_is_two_keys(tenants: TenantSet) -> None:
    with tenants.a:
        a_admin = User.objects.get(username="admin")
    with tenants.b:
        b_admin = User.objects.get(username="admin")
    assert a_admin.pk == b_admin.pk  # both callers are the owner "user:<pk>"
    a, b = client_for(tenants.a), client_for(tenants.b)
    with tenants.a:
        a.force_login(a_admin)
    with tenants.b:
        b.force_login(b_admin)

    first = _topup(a, 25_000, "sama-1")
    assert first.status_code == 201, first.content
    on_b = _topup(b, 25_000, "sama-1")  # same owner, key and request: not A's answer replayed
    assert on_b.status_code == 201 and not on_b.has_header(idempotency.REPLAYED_HEADER)
    assert on_b.json()["order_id"] != first.json()["order_id"]
    other = _topup(b, 30_000, "sama-1")  # B's own key now: another request is refused there
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    again = _topup(a, 25_000, "sama-1")  # and A still replays its own first answer
    assert (again.status_code, again.content, again[idempotency.REPLAYED_HEADER]) == (201, first.content, "true")
    assert _topup(a, 40_000, "sama-2").status_code == 201
    assert _topup(b, 50_000, "sama-2").status_code == 201  # A's "sama-2" is no conflict on B
    for tenant in (tenants.a, tenants.b):
        with tenant:
            assert GatewayCharge.objects.filter(wallet__owner__username="admin").count() == 2
            assert IdempotencyRecord.objects.filter(key__startswith="sama-").count() == 2
    connection.set_schema_to_public()
    rows = IdempotencyRecord.all_schemas.filter(key="sama-1").values_list("schema_name", flat=True)
    assert sorted(rows) == sorted([tenants.a.schema_name, tenants.b.schema_name])
    assert not IdempotencyRecord.objects.filter(key="sama-1").exists()  # the platform sees neither


def test_records_are_written_with_the_current_schema_and_unique_only_within_it(tenants: TenantSet) -> None:
    with tenants.a:
        mine = _record(key="k-1")
        assert mine.schema_name == tenants.a.schema_name
        with pytest.raises(IntegrityError), transaction.atomic():
            _record(key="k-1")
    with tenants.b:
        assert not IdempotencyRecord.objects.filter(key="k-1").exists()
        assert _record(key="k-1").schema_name == tenants.b.schema_name


def test_whatsapp_repair_and_marking_done_see_only_their_tenants_messages(tenants: TenantSet) -> None:
    message = {"id": "wamid.antar.1", "from": "6281234560001", "text": "halo", "reply_id": "", "name": ""}
    with tenants.a:
        _record(
            owner=whatsapp.RECORD_OWNER,
            key=message["id"],
            scope="tukang.whatsapp",
            status_code=whatsapp.RECORD_PENDING,
            body=json.dumps(message, sort_keys=True),
            created_at=timezone.now() - timedelta(hours=1),
        )
    with tenants.b:
        assert whatsapp.repair_lost_messages() == 0  # A's lost message is not B's to answer
        whatsapp._done(message["id"])
    with tenants.a:
        assert IdempotencyRecord.objects.get(key=message["id"]).status_code == whatsapp.RECORD_PENDING
        assert whatsapp.repair_lost_messages() == 1  # eager in tests: the turn runs now, in A
        assert IdempotencyRecord.objects.get(key=message["id"]).status_code == whatsapp.RECORD_DONE


def test_old_records_of_every_tenant_and_the_platform_are_purged_at_once(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = timezone.now() - idempotency.RETENTION - timedelta(minutes=1)
    recent = timezone.now() - idempotency.RETENTION + timedelta(minutes=1)
    kept = []
    for tenant in (tenants.a, tenants.b, None):
        if tenant is None:
            connection.set_schema_to_public()
            _record(key="tua", created_at=old)
            kept.append(_record(key="baru", created_at=recent).pk)
            continue
        with tenant:
            _record(key="tua", created_at=old)
            kept.append(_record(key="baru", created_at=recent).pk)
    connection.set_schema_to_public()
    monkeypatch.setattr(jobs, "enqueue_in_every_tenant", lambda task, **kwargs: 0)
    jobs.repair_everywhere()  # the public beat: one DELETE for all of them
    left = IdempotencyRecord.all_schemas.filter(key__in=["tua", "baru"])
    assert sorted(left.values_list("pk", flat=True)) == sorted(kept)


def test_forgetting_a_schema_deletes_only_its_records(tenants: TenantSet) -> None:
    with tenants.a:
        _record(key="lupa")
    with tenants.b:
        theirs = _record(key="lupa")
    connection.set_schema_to_public()
    assert services.forget_schema(tenants.a.schema_name) == 1
    assert list(IdempotencyRecord.all_schemas.filter(key="lupa").values_list("pk", flat=True)) == [theirs.pk]


def test_no_tenant_schema_has_an_idempotency_table(tenants: TenantSet) -> None:
    for schema in (schemas.template_schema("kelurahan"), schemas.template_schema("kota"), tenants.a.schema_name):
        assert _regclass(f"{schema}.core_idempotencyrecord") is None, schema
        assert _regclass(f"{schema}.idempotency_idempotencyrecord") is None, schema
    assert _regclass("public.core_idempotencyrecord") is None
    assert _regclass("public.idempotency_idempotencyrecord") is not None


def test_the_migration_drops_only_the_migrated_schemas_old_table(tenants: TenantSet) -> None:
    migration = importlib.import_module("apps.core.migrations.0006_idempotency_records_to_public")
    a, b = tenants.a.schema_name, tenants.b.schema_name
    with connection.cursor() as cursor:
        for schema in (a, b, "public"):
            cursor.execute(f"CREATE TABLE {schema}.core_idempotencyrecord (id bigint)")
    editor: Any = type("Editor", (), {"connection": connection})()
    with tenants.a:
        migration.drop_idempotency_table(None, editor)
        assert _regclass(f"{a}.core_idempotencyrecord") is None
        migration.drop_idempotency_table(None, editor)  # again: gone here, the others stay
    assert _regclass(f"{b}.core_idempotencyrecord") is not None
    assert _regclass("public.core_idempotencyrecord") is not None
    connection.set_schema_to_public()
    migration.drop_idempotency_table(None, editor)  # the public schema's old table goes too
    assert _regclass("public.core_idempotencyrecord") is None
    assert _regclass(f"{b}.core_idempotencyrecord") is not None
