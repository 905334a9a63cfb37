"""apps.sandbox: the outside services' local sandboxes keep their rows in public tables keyed by
schema name. Each tenant sees only its own rows (adapters, selectors, the tenant admin, whose
search_path includes public), a row cannot be written for another schema, and outside DEBUG or
a staging site every sandbox refuses (production never reaches one)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.notifications.channels import DeliveryError, Outgoing, SandboxSender
from apps.payments.gateways import ChargeRequest, GatewayError, SandboxGateway
from apps.payments.qris import Merchant
from apps.permits import oss
from apps.sandbox import selectors, services
from apps.sandbox.models import SandboxDelivery, SandboxNib, SandboxTransaction, WrongSchema
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.permits.conftest import NIK

pytestmark = pytest.mark.django_db

MERCHANT = Merchant(name="Toko", city="MADIUN", nmid="ID1", guid="ID.CO.X.WWW", pan="936", merchant_id="M1")


def application(name: str) -> oss.NibApplication:
    return oss.NibApplication(
        nik=NIK,
        owner_name="Sri",
        business_name=name,
        kbli_code="56102",
        address="Jl. Pahlawan 1",
        lat=Decimal("-7.63"),
        lng=Decimal("111.52"),
        capital=1_000_000,
        workers=1,
        products="Pecel",
    )


def fill(tenant: Tenant, label: str) -> dict[str, Any]:
    """One row of each sandbox in `tenant`, written through the adapters; same keys in every tenant."""
    with tenant:
        gateway = SandboxGateway("SB-test")
        gateway.create_charge(ChargeRequest(order_id="KK-SAMA-1", gross_amount=10_000, merchant=MERCHANT))
        record = oss.SandboxOssClient().register(application(f"Usaha {label}"))
        SandboxSender("sms", None).send(
            Outgoing(address="+6281234567890", title=label, body="isi", url="", idempotency_key="kunci-sama")
        )
        return {"nib": record.nib}


def test_each_tenant_sees_only_its_own_sandbox_rows(tenant_a: Tenant, tenant_b: Tenant) -> None:
    a = fill(tenant_a, "A")
    b = fill(tenant_b, "B")  # the same order id and idempotency key: no clash with A's rows
    assert SandboxTransaction.all_schemas.filter(order_id="KK-SAMA-1").count() == 2
    for tenant, mine, label in ((tenant_a, a, "A"), (tenant_b, b, "B")):
        with tenant:
            assert SandboxTransaction.objects.count() == SandboxNib.objects.count() == 1
            assert SandboxDelivery.objects.get().title == label
            assert oss.SandboxOssClient().lookup_nib(mine["nib"]).business_name == f"Usaha {label}"
            other = b if tenant == tenant_a else a
            if other["nib"] != mine["nib"]:
                with pytest.raises(oss.OssNotFound):
                    oss.SandboxOssClient().lookup_nib(other["nib"])
            tx = selectors.transaction_for("KK-SAMA-1")
            assert tx is not None and tx.schema_name == tenant.schema_name
            assert SandboxGateway("SB-test").check_status("KK-SAMA-1").transaction_status == "pending"
    with tenant_a:
        SandboxGateway("SB-test").pay("KK-SAMA-1")
    with tenant_b:  # paying A's charge did not touch B's charge of the same order id
        assert SandboxGateway("SB-test").check_status("KK-SAMA-1").transaction_status == "pending"


def test_a_row_is_never_written_for_another_schema(tenant_a: Tenant, tenant_b: Tenant) -> None:
    fill(tenant_a, "A")
    with tenant_a:
        row = SandboxNib.objects.get()
    with tenant_b:
        assert not SandboxNib.objects.filter(pk=row.pk).exists()
        row.business_name = "Dibajak"
        with pytest.raises(WrongSchema):
            row.save()
        with pytest.raises(WrongSchema):
            SandboxNib.objects.create(schema_name=tenant_a.schema_name, nib="9100000000077", business_name="X")


def test_no_sandbox_without_a_tenant(tenant_a: Tenant) -> None:
    with pytest.raises(services.SandboxUnavailable):  # on the public schema
        selectors.transaction_for("KK-SAMA-1")


def test_the_tenant_admin_lists_only_its_own_rows(tenant_a: Tenant, tenant_b: Tenant) -> None:
    fill(tenant_a, "A")
    fill(tenant_b, "B")
    with tenant_a:
        admin = User.objects.get(username="admin")
        admin_pk = admin.pk
        mine = SandboxDelivery.objects.get().pk
    with tenant_b:
        theirs = SandboxDelivery.objects.get().pk
    client: Client = client_for(tenant_a)
    with tenant_a:
        client.force_login(User.objects.get(pk=admin_pk))
    for model in ("sandboxtransaction", "sandboxnib", "sandboxdelivery"):
        page = client.get(f"/admin/sandbox/{model}/")
        assert page.status_code == 200, model
    listing = client.get("/admin/sandbox/sandboxdelivery/").content.decode()
    assert f"/admin/sandbox/sandboxdelivery/{mine}/" in listing
    assert f"/admin/sandbox/sandboxdelivery/{theirs}/" not in listing
    assert client.get(f"/admin/sandbox/sandboxdelivery/{theirs}/change/").status_code in (302, 404)
    assert "Usaha B" not in client.get("/admin/sandbox/sandboxnib/").content.decode()


def test_production_never_reaches_a_sandbox(tenant_a: Tenant, settings: Any) -> None:
    """Outside DEBUG without SANDBOX_ALLOWED (a staging site) every sandbox refuses, whatever a
    tenant's OSS or channel configuration says; nothing is written."""
    settings.DEBUG, settings.SANDBOX_ALLOWED = False, False
    with tenant_a:
        with pytest.raises(services.SandboxUnavailable):
            selectors.nib("9100000000001")
        with pytest.raises(GatewayError):
            SandboxGateway("SB-test").create_charge(
                ChargeRequest(order_id="KK-PROD-1", gross_amount=1, merchant=MERCHANT)
            )
        with pytest.raises(oss.OssUnavailable):
            oss.SandboxOssClient().register(application("Usaha"))
        with pytest.raises(oss.OssUnavailable):
            oss.SandboxOssClient().lookup_nib("9100000000001")
        with pytest.raises(DeliveryError) as refused:
            SandboxSender("sms", None).send(
                Outgoing(address="+6281234567890", title="t", body="b", url="", idempotency_key="k")
            )
        assert not refused.value.temporary  # no provider: retrying would not help
        assert not SandboxTransaction.objects.exists() and not SandboxDelivery.objects.exists()
