"""Tenant archives: removal under concurrent writes loses no acknowledged write, the archive
holds schema + public rows + files, restore brings it all back (also under another code), and
a corrupted archive or a live target are refused."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client
from django_tenants.utils import schema_exists

from apps.accounts.models import User
from apps.analytics.models import DailyFact
from apps.billing.models import TenantStatusEvent
from apps.core.db import connection
from apps.core.files import private_url, public_storage
from apps.marketplace.models import ProductPhoto
from apps.payments import services as payments
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from apps.reports import services as reports
from apps.reports.models import Report
from apps.tenancy import archives, services
from apps.tenancy.checks import check_backup_settings
from apps.tenancy.models import Domain, Tenant, TenantArchive
from apps.tenancy.restore import RestoreRefused, rename_schema_in_sql, restore_archive
from tests.conftest import TenantSet, client_for
from tests.files.conftest import logged_in, use_local
from tests.files.test_file_isolation import PNG, make_permit
from tests.marketplace.conftest import make_market
from tests.payments.conftest import make_people

ARCHIVABLE = (201, 423, 503)


@pytest.fixture
def storage_dirs(settings: Any, tmp_path: Path) -> Path:
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    settings.TENANT_BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KOTAKITA_FILE_ACCEL = ""
    use_local(settings)
    return tmp_path


def seed(tenant: Tenant) -> dict[str, Any]:
    """Rows in several apps, a private KTP scan, a public product photo and daily facts."""
    with tenant:
        staff = User.objects.get(username="admin")
        reports.ensure_category(code="sampah", name="Sampah", unit="kelurahan", sla_hours=48, escalation_hours=120)
        api_key = reports.create_api_key(name="Aplikasi uji")[1]
        people = make_people(prefix="arsip-bayar-")
        payments.top_up(people.joko_wallet, 90_000, reference="t", idempotency_key=f"k-{uuid.uuid4().hex}")
        payments.transfer(people.joko_wallet, people.andi_wallet, 25_000, idempotency_key=f"k-{uuid.uuid4().hex}")
        market = make_market(tenant, prefix="arsip-pasar-")
        photo = ProductPhoto(product=market.nasi.product, content_type="image/png")
        photo.file.save("nasi.png", ContentFile(PNG + b"-produk"), save=True)
        photo_name = photo.file.name
    permit = make_permit(tenant, staff)
    for day in (1, 2, 3):
        DailyFact.objects.create(
            tenant=tenant, region_code=tenant.region_id, day=date(2026, 11, day), metric="reports.created", value=day
        )
    return {"api_key": api_key, "permit_pk": permit.pk, "photo_name": photo_name}


def post_report(client: Client, api_key: str, tenant: Tenant, text: str) -> Any:
    return client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "sampah",
            "lat": str(tenant.lat),
            "long": str(tenant.lng),
            "description": text,
        },
    )


def ledger_state() -> dict[str, Any]:
    from apps.payments.models import Account, JournalEntry, Posting

    return {
        "balances": dict(Account.objects.values_list("code", "balance")),
        "entries": JournalEntry.objects.count(),
        "postings": Posting.objects.count(),
    }


def test_remove_under_writes_then_restore_round_trip(tenants: TenantSet, committed: None, storage_dirs: Path) -> None:
    tenant = services.activate_region("35.77.02.1002").tenant
    host = tenant.get_primary_domain().domain
    seeded = seed(tenant)
    with tenant:
        ledger_before = ledger_state()

    acknowledged: list[str] = []
    answers: list[tuple[int, bool]] = []  # (status, removal already finished)
    started, done = threading.Event(), threading.Event()

    def writer() -> None:
        client = Client(HTTP_HOST=host)
        try:
            n = 0
            while not done.is_set() and n < 500:
                n += 1
                finished = done.is_set()
                response = post_report(client, seeded["api_key"], tenant, f"Sampah menumpuk nomor {n}")
                answers.append((response.status_code, finished))
                if response.status_code == 201:
                    acknowledged.append(response.json()[0]["service_request_id"])
                    if len(acknowledged) >= 3:
                        started.set()
        finally:
            started.set()
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(60)
    archive = services.remove_tenant(tenant, reason="Uji pulih")
    done.set()
    thread.join(60)
    connection.set_schema_to_public()

    # Every answer was a 201, or a clean refusal (423 while archiving, 404 once the host is gone).
    assert all(status in ARCHIVABLE or status == 404 for status, _ in answers), answers
    assert any(status == 201 for status, _ in answers)
    assert not schema_exists(tenant.schema_name)
    assert not DailyFact.objects.filter(region_code=tenant.region_id).exists()
    assert not (storage_dirs / "media" / "public" / tenant.schema_name).exists()
    assert not (storage_dirs / "media" / "private" / tenant.schema_name).exists()
    path = Path(archive.path)
    assert path.name.endswith(".tar.gz") and TenantArchive.objects.filter(path=str(path)).exists()
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["code"] == "35.77.02.1002" and manifest["schema"] == tenant.schema_name
    facts = manifest["counts"]["public"]["analytics.dailyfact"]
    assert facts >= 3  # the seeded ones, and any the reports' roll-up added
    assert manifest["files"] == {"public": 1, "private": 1}
    assert manifest["counts"]["schema"]["reports_report"] == len(acknowledged)

    restored = restore_archive(path)
    try:
        assert restored.schema_name == tenant.schema_name and restored.status == Tenant.Status.ACTIVE
        assert archives.schema_table_counts(restored.schema_name) == manifest["counts"]["schema"]
        with restored:
            codes = set(Report.objects.values_list("code", flat=True))
            assert set(acknowledged) <= codes and len(codes) == len(acknowledged)
            assert ledger_state() == ledger_before
            assert unbalanced_entries() == [] and verify_balances() == []
            staff = User.objects.get(username="admin")
            from apps.permits.models import Permit

            ktp = private_url(Permit.objects.get(pk=seeded["permit_pk"]), "ktp_scan")
        assert DailyFact.objects.filter(tenant=restored).count() == facts
        assert Domain.objects.get(domain=host).tenant == restored
        assert TenantStatusEvent.objects.filter(tenant=restored).exists()
        client = client_for(restored)
        photo = client.get(public_storage().url(seeded["photo_name"]))
        assert photo.status_code == 200 and b"".join(photo.streaming_content) == PNG + b"-produk"  # type: ignore[attr-defined]
        scan = logged_in(restored, staff).get(ktp)
        assert scan.status_code == 200 and b"".join(scan.streaming_content) == PNG  # type: ignore[attr-defined]
        assert client.get("/open311/v2/services.json").status_code == 200
    finally:
        services.remove_tenant(restored)


def make_backup(tenant: Tenant, folder: Path) -> Path:
    return archives.write_archive(tenant, folder, dump=services.dump_schema).path


def test_corrupted_archive_is_refused(tenants: TenantSet, committed: None, storage_dirs: Path) -> None:
    tenant = services.activate_region("35.77.02.1003").tenant
    try:
        path = make_backup(tenant, storage_dirs / "b")
    finally:
        services.remove_tenant(tenant)
    # One member altered, the manifest left as it was: a checksum mismatch.
    tampered = storage_dirs / "tampered.tar.gz"
    with tarfile.open(path) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "public/tenancy.tenant.json":
                data = data.replace(b"Patihan", b"Patihan Palsu")
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(RestoreRefused, match=r"checksum mismatch for public/tenancy\.tenant\.json"):
        restore_archive(tampered)
    # Truncated: not even a readable tarball.
    truncated = storage_dirs / "truncated.tar.gz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(RestoreRefused, match="Corrupted archive"):
        restore_archive(truncated)
    with pytest.raises(CommandError, match="Corrupted archive"):
        call_command("restore_tenant", str(truncated))
    assert not schema_exists(tenant.schema_name)
    assert not Tenant.objects.filter(region_id="35.77.02.1003").exists()


def test_restore_refuses_a_live_target_and_restores_under_another_code(
    tenants: TenantSet, committed: None, storage_dirs: Path
) -> None:
    tenant = services.activate_region("35.77.02.1004").tenant
    copy: Tenant | None = None
    try:
        with tenant:
            User.objects.create(username="warga-salinan", email="salinan@ngegong.id")
            public_storage().save("pasar/foto.png", ContentFile(PNG))
        DailyFact.objects.create(tenant=tenant, region_code="35.77.02.1004", day=date(2026, 11, 1), metric="m")
        path = make_backup(tenant, storage_dirs / "b")
        with pytest.raises(RestoreRefused, match="already exists"):
            restore_archive(path)
        with pytest.raises(RestoreRefused, match="kel_3577031002 already exists"):
            restore_archive(path, as_code="35.77.03.1002")  # Pandean is live
        copy = restore_archive(path, as_code="35.77.02.1005")
        assert copy.schema_name == "kel_3577021005" and copy.region_id == "35.77.02.1005"
        assert copy.slug != tenant.slug and copy.get_primary_domain().domain.startswith(copy.slug)
        assert DailyFact.objects.get(tenant=copy).region_code == "35.77.02.1005"
        with copy:
            assert User.objects.filter(username="warga-salinan").exists()
        photo = client_for(copy).get("/media/pasar/foto.png")
        assert photo.status_code == 200 and b"".join(photo.streaming_content) == PNG  # type: ignore[attr-defined]
        # The original is untouched.
        assert client_for(tenant).get("/media/pasar/foto.png").status_code == 200
    finally:
        services.remove_tenant(tenant)
        if copy is not None:
            services.remove_tenant(copy)


def test_a_failed_restore_leaves_no_half_tenant(
    tenants: TenantSet, committed: None, storage_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = services.activate_region("35.77.02.1006").tenant
    with tenant:
        public_storage().save("pasar/foto.png", ContentFile(PNG))
    path = services.remove_tenant(tenant).path

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("apps.billing.tenant_restore.record_status", broken)  # a restorer fails
    with pytest.raises(RuntimeError, match="disk full"):
        restore_archive(Path(path))
    assert not schema_exists(tenant.schema_name)
    assert not Tenant.objects.filter(region_id="35.77.02.1006").exists()
    assert not (storage_dirs / "media" / "public" / tenant.schema_name / "pasar" / "foto.png").exists()
    monkeypatch.undo()
    services.remove_tenant(restore_archive(Path(path)))  # the same archive still restores


def test_writes_answer_423_while_archiving_and_reads_go_on(tenants: TenantSet, committed: None) -> None:
    tenant = services.activate_region("35.77.02.1007").tenant
    try:
        Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.ARCHIVING)
        client = client_for(tenant)
        api = client.post("/open311/v2/requests.json", {"service_code": "sampah"})
        assert api.status_code == 423 and api.json()["error"]["code"] == "tenant_archiving"
        page = client.post("/laporan/", {})
        assert page.status_code == 423 and "sedang diarsipkan" in page.content.decode()
        assert b'data-testid="archiving"' in page.content
        assert client.get("/open311/v2/services.json").status_code == 200
    finally:
        Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.ACTIVE)
        services.remove_tenant(tenant)


def test_every_public_row_keyed_by_a_tenant_is_archived() -> None:
    listed = {label for label, _ in archives.PUBLIC_ROWS}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Tenant and model._meta.label_lower != "tenancy.tenant":
                if (model._meta.label_lower, field.name) in (("discovery.listing", "kota"),):
                    continue  # another tenant's row (see archives.PUBLIC_ROWS)
                assert model._meta.label_lower in listed, f"{model._meta.label}.{field.name}"


def test_schema_rename_leaves_copy_data_alone() -> None:
    sql = (
        "CREATE TABLE kel_1.t (v text);\nCOPY kel_1.t (v) FROM stdin;\nkel_1 in data\n\\.\n"
        "SELECT pg_catalog.setval('kel_1.t_id_seq', 3, true);\n"
    )
    renamed = rename_schema_in_sql(sql, "kel_1", "kel_2")
    assert renamed == sql.replace("kel_1.", "kel_2.").replace("kel_2 in data", "kel_1 in data")
    assert "kel_1 in data" in renamed and "kel_1." not in renamed


def test_backup_tenants_writes_archives_and_prunes(tenants: TenantSet, committed: None, storage_dirs: Path) -> None:
    root = storage_dirs / "backups"
    old = root / "2000-01-01"
    old.mkdir(parents=True)
    (old / "kel_x-old.tar.gz").write_bytes(b"old")
    (root / "keep-me").mkdir()
    out = io.StringIO()
    call_command("backup_tenants", "35.77.03.1001", "35.77.03.1002", stdout=out)
    written = sorted(root.glob("*-*-*/*.tar.gz"))
    assert [p.name.split("-")[0] for p in written] == ["kel_3577031001", "kel_3577031002"]
    assert not old.exists() and (root / "keep-me").exists()
    folder = storage_dirs / "check"
    folder.mkdir()
    opened = archives.read_archive(written[0], folder)
    assert opened.manifest["code"] == "35.77.03.1001" and opened.manifest["counts"]["schema"]["accounts_user"] >= 1
    assert schema_exists("kel_3577031001")  # a backup removes nothing


def test_backup_dir_inside_media_root_is_refused(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.TENANT_BACKUP_DIR = tmp_path / "backups"
    assert [m.id for m in check_backup_settings()] == ["kotakita.E800"]
    settings.TENANT_BACKUP_DIR = tmp_path.parent / "elsewhere"
    settings.TENANT_BACKUP_KEEP_DAYS = 0
    assert [m.id for m in check_backup_settings()] == ["kotakita.E801"]
