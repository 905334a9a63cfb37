"""Removal archives a tenant's schema (COPY of every table in one snapshot, inside the archive
tarball), which reads committed data only. The archive format and restore: tests/test_backup.py."""

from __future__ import annotations

import tarfile
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_exists

from apps.accounts.models import User
from apps.idempotency.models import IdempotencyRecord
from apps.integrations.models import ServiceConfig
from apps.notifications.models import ChannelConfig
from apps.permits.models import OssConfig
from apps.sandbox.models import SandboxDelivery, SandboxNib
from apps.tenancy import schema_copy, services
from apps.tenancy.models import Domain, InvoiceRoute, LevyBillRoute, Tenant, TenantArchive
from apps.tenancy.restore import restore_archive
from apps.websessions.backend import SessionStore
from apps.websessions.models import WebSession
from tests.conftest import TenantSet


@pytest.fixture
def archive_dir(settings: object, tmp_path: Path) -> Path:
    settings.TENANT_ARCHIVE_DIR = tmp_path  # type: ignore[attr-defined]
    return tmp_path


def test_removal_archives_the_schema_first(tenants: TenantSet, committed: None, archive_dir: Path) -> None:
    tenant = services.activate_region("35.77.03.1007").tenant
    with tenant:
        User.objects.create(username="arsip-warga", email="warga@josenan.id")
        session = SessionStore()
        session["x"] = 1
        session.save()  # in the public table, keyed by the tenant's schema
        IdempotencyRecord.objects.create(owner="user:1", key="arsip", scope="uji", fingerprint="f", status_code=201)
    archive = services.remove_tenant(tenant, reason="Uji")
    assert not WebSession.objects.filter(schema_name=tenant.schema_name).exists()  # its sessions went
    assert not IdempotencyRecord.all_schemas.filter(schema_name=tenant.schema_name).exists()  # its keys too
    tarball = Path(archive.path)
    assert tarball.exists() and tarball.stat().st_size == archive.size_bytes > 0
    with tarfile.open(tarball) as tar:
        users = tar.extractfile("data/accounts_user.copy").read().decode()  # type: ignore[union-attr]
    assert "arsip-warga" in users  # the archive holds the tenant's rows
    assert not schema_exists(tenant.schema_name)
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert not Domain.objects.filter(domain="josenan.localhost").exists()
    assert TenantArchive.objects.filter(code="35.77.03.1007").exists()
    assert Client(HTTP_HOST="josenan.localhost").get("/").status_code == 404


def test_removal_keeps_everything_when_the_dump_fails(
    tenants: TenantSet, committed: None, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = services.activate_region("35.77.03.1008").tenant

    def broken_dump(schema_name: str, tenant_type: str, folder: Path) -> None:
        raise RuntimeError("COPY failed: no space left")

    monkeypatch.setattr(schema_copy, "dump_schema_data", broken_dump)
    with pytest.raises(RuntimeError):
        services.remove_tenant(tenant)
    assert schema_exists(tenant.schema_name)
    assert Tenant.objects.filter(pk=tenant.pk).exists()
    monkeypatch.undo()
    services.remove_tenant(tenant)  # clean up the committed tenant


def test_a_kelurahan_takes_its_levy_routes_into_the_archive_and_back(
    tenants: TenantSet, committed: None, archive_dir: Path
) -> None:
    """The kota's bill routes addressed to a kelurahan (public rows, PROTECT on the tenant) are
    archived and removed with it — they used to block its removal — and come back on restore."""
    tenant = services.activate_region("35.77.03.1009").tenant
    LevyBillRoute.objects.create(
        number="RTB-TEST/2026/000001",
        title="Retribusi persampahan 2026-12",
        kota=tenants.kota,
        kelurahan=tenant,
        amount_due=15_000,
        due_on=date(2026, 12, 31),
        verification_token="t" * 32,
    )
    archive = services.remove_tenant(tenant, reason="Uji retribusi")
    assert not LevyBillRoute.objects.filter(number="RTB-TEST/2026/000001").exists()
    restored = restore_archive(Path(archive.path))
    try:
        route = LevyBillRoute.objects.get(number="RTB-TEST/2026/000001")
        assert (route.kelurahan, route.kota, route.amount_due) == (restored, tenants.kota, 15_000)
    finally:
        services.remove_tenant(restored)
        TenantArchive.objects.filter(code="35.77.03.1009").delete()


def _invoice_route(kelurahan: Tenant, kota: Tenant, token: str) -> InvoiceRoute:
    return InvoiceRoute.objects.create(
        kelurahan=kelurahan,
        invoice_id=7,
        number="INV-1-2026-0007",
        kota=kota,
        opd_code="dinas-perdagangan",
        opd_name="Dinas Perdagangan Kota Madiun",
        total=200_000,
        issued_on=date(2026, 12, 1),
        due_on=date(2026, 12, 31),
        token=token,
    )


def test_a_kelurahan_takes_its_invoice_routes_into_the_archive_and_back(
    tenants: TenantSet, committed: None, archive_dir: Path
) -> None:
    """The routes of its UMKM's invoices to the kota's OPDs (public rows, PROTECT on the
    tenant) go into the seller's archive with it and come back on restore."""
    tenant = services.activate_region("35.77.02.1005").tenant
    _invoice_route(tenant, tenants.kota, "i" * 32)
    archive = services.remove_tenant(tenant, reason="Uji faktur OPD")
    assert not InvoiceRoute.objects.filter(token="i" * 32).exists()
    restored = restore_archive(Path(archive.path))
    try:
        route = InvoiceRoute.objects.get(token="i" * 32)
        assert (route.kelurahan, route.kota, route.total, route.invoice_id) == (restored, tenants.kota, 200_000, 7)
    finally:
        services.remove_tenant(restored)
        TenantArchive.objects.filter(code="35.77.02.1005").delete()
    assert not InvoiceRoute.objects.filter(token="i" * 32).exists()


def test_a_tenant_takes_its_sandbox_rows_into_the_archive_and_back(
    tenants: TenantSet, committed: None, archive_dir: Path
) -> None:
    """apps.sandbox keeps every tenant's sandbox rows in public tables keyed by schema name: they
    are archived and removed with the tenant (another tenant's rows stay), and come back on restore."""
    tenant = services.activate_region("35.77.02.1003").tenant
    with tenant:
        SandboxNib.objects.create(nib="9100000001010", business_name="Usaha Arsip", kbli_codes=["56102"])
        SandboxDelivery.objects.create(
            channel="sms", address="+6281234560000", title="t", body="b", idempotency_key="arsip-1"
        )
    with tenants.a:
        SandboxNib.objects.create(nib="9100000001010", business_name="Usaha Mojorejo", kbli_codes=["56102"])
    try:
        archive = services.remove_tenant(tenant, reason="Uji sandbox")
        assert not SandboxNib.all_schemas.filter(schema_name=tenant.schema_name).exists()
        assert not SandboxDelivery.all_schemas.filter(schema_name=tenant.schema_name).exists()
        assert SandboxNib.all_schemas.filter(schema_name=tenants.a.schema_name, nib="9100000001010").exists()
        restored = restore_archive(Path(archive.path))
        try:
            with restored:
                assert SandboxNib.objects.get().business_name == "Usaha Arsip"
                assert SandboxDelivery.objects.get().idempotency_key == "arsip-1"
        finally:
            services.remove_tenant(restored)
            TenantArchive.objects.filter(code="35.77.02.1003").delete()
        assert not SandboxNib.all_schemas.filter(schema_name=restored.schema_name).exists()
    finally:
        SandboxNib.all_schemas.filter(schema_name=tenants.a.schema_name, nib="9100000001010").delete()


def test_a_tenant_takes_its_service_configs_into_the_archive_and_back(
    tenants: TenantSet, committed: None, archive_dir: Path
) -> None:
    """apps.integrations keeps every tenant's OSS and channel configs in one public table keyed
    by schema name: removal archives and deletes the tenant's (another tenant's stay), and a
    restore puts them back under the restored schema."""
    tenant = services.activate_region("35.77.02.1003").tenant
    with tenant:
        ChannelConfig.objects.create(service="whatsapp", mode="http", endpoint_url="https://wa.example", api_token="t1")
        OssConfig.objects.create(mode="http", endpoint_url="https://oss.example")
    with tenants.a:
        kept = ChannelConfig.objects.create(service="telegram", api_token="punya-mojorejo")
    try:
        archive = services.remove_tenant(tenant, reason="Uji konfigurasi")
        assert not ServiceConfig.all_schemas.filter(schema_name=tenant.schema_name).exists()
        assert ServiceConfig.all_schemas.filter(pk=kept.pk).exists()
        restored = restore_archive(Path(archive.path))
        try:
            with restored:
                assert ChannelConfig.objects.get().api_token == "t1"
                assert OssConfig.objects.get().endpoint_url == "https://oss.example"
        finally:
            services.remove_tenant(restored)
            TenantArchive.objects.filter(code="35.77.02.1003").delete()
        assert not ServiceConfig.all_schemas.filter(schema_name=restored.schema_name).exists()
    finally:
        ServiceConfig.all_schemas.filter(pk=kept.pk).delete()


def test_a_kota_with_levy_routes_can_be_removed_and_restored(
    tenants: TenantSet, committed: None, archive_dir: Path
) -> None:
    """The routes of the bills a kota issued (PROTECT on the kota) no longer block its removal:
    archived and removed with it, back on restore while the payer's kelurahan exists."""
    kota = services.activate_region("35.78").tenant  # Kota Surabaya, a second kota
    payer_kelurahan = tenants.a
    LevyBillRoute.objects.create(
        number="KTA-TEST/2026/000001",
        title="Retribusi pasar 2026-12",
        kota=kota,
        kelurahan=payer_kelurahan,
        amount_due=60_000,
        due_on=date(2026, 12, 31),
        verification_token="k" * 32,
    )
    _invoice_route(payer_kelurahan, kota, "j" * 32)  # an OPD of that kota bought in Mojorejo
    archive = services.remove_tenant(kota, reason="Uji retribusi kota")
    assert not Tenant.objects.filter(pk=kota.pk).exists()
    assert not LevyBillRoute.objects.filter(number="KTA-TEST/2026/000001").exists()
    assert not InvoiceRoute.objects.filter(token="j" * 32).exists()
    restored = restore_archive(Path(archive.path))
    try:
        route = LevyBillRoute.objects.get(number="KTA-TEST/2026/000001")
        assert (route.kota, route.kelurahan, route.amount_due) == (restored, payer_kelurahan, 60_000)
        invoice_route = InvoiceRoute.objects.get(token="j" * 32)
        assert (invoice_route.kota, invoice_route.kelurahan) == (restored, payer_kelurahan)
    finally:
        services.remove_tenant(restored)
        TenantArchive.objects.filter(code="35.78").delete()
    assert not LevyBillRoute.objects.filter(number="KTA-TEST/2026/000001").exists()
    assert not InvoiceRoute.objects.filter(token="j" * 32).exists()
