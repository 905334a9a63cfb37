"""Archive and restore as jobs: started from the operator pages, run on the (eager) worker, shown
done on their progress page; a redelivered or requeued job never loses data, never dumps or
drops a tenant twice and never leaves a half-restored one."""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_exists

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.files import public_storage
from apps.jobs import stale
from apps.tenancy import archives, operations, regions, schema_copy, schemas, services
from apps.tenancy.models import Tenant, TenantArchive, TenantOperationJob
from apps.tenancy.restore import drop_orphan_schema, restore_archive
from tests.conftest import TenantSet, client_for

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PNG = b"\x89PNG\r\n\x1a\n-arsip-pekerjaan"


class Killed(BaseException):
    """What a SIGKILL does to a job: it stops there, no `except Exception` runs."""


def make_tenant(code: str) -> Tenant:
    tenant = services.activate_region(code).tenant
    with tenant:
        User.objects.create(username="warga-arsip", email="warga@arsip.id")
        public_storage().save("pasar/foto.png", ContentFile(PNG))
    return tenant


@pytest.fixture
def cleanup(committed: None) -> Iterator[list[str]]:
    """Region codes whose tenant the test may leave behind when it fails half-way."""
    codes: list[str] = []
    yield codes
    connection.set_schema_to_public()
    for code in codes:
        tenant = Tenant.objects.filter(region_id=code).first()
        if tenant is not None:
            Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.ACTIVE)
            services.remove_tenant(tenant)
        drop_orphan_schema(regions.schema_name_for(code))
        # Later tests look jobs up by code: another test's jobs must not be found (random order).
        TenantOperationJob.objects.filter(code=code).delete()
        TenantArchive.objects.filter(code=code).delete()


def archived_data(path: str, folder: Path) -> str:
    """The archive's table data (its COPY files, verified against the manifest), as text."""
    with tarfile.open(path) as tar:
        assert "files/public/pasar/foto.png" in tar.getnames()
    opened = archives.read_archive(Path(path), folder)
    return "".join(file.read_text() for file in sorted((opened.folder / "data").glob("*.copy")))


def make_stale(job: TenantOperationJob) -> None:
    old = timezone.now() - operations.stale_after() - timedelta(seconds=5)
    TenantOperationJob.objects.filter(pk=job.pk).update(heartbeat_at=old)


def job_id_of(response: object) -> int:
    match = re.search(r"/operator/pekerjaan/tenant/(\d+)/$", response["Location"])  # type: ignore[index]
    assert match, response
    return int(match.group(1))


def test_archive_then_restore_from_the_operator_pages(
    tenants: TenantSet, storage_dirs: Path, committed_operator_client: Client, cleanup: list[str]
) -> None:
    code = "35.77.02.1008"  # Nambangan Lor
    cleanup.append(code)
    tenant = make_tenant(code)
    client = committed_operator_client

    page = client.get(f"/operator/tenant/{code}/arsipkan/")
    assert page.status_code == 200 and "Nambangan Lor" in page.content.decode()
    started = client.post(f"/operator/tenant/{code}/arsipkan/", {"reason": "Uji pekerjaan"})
    assert started.status_code == 302, started.content
    job = TenantOperationJob.objects.get(pk=job_id_of(started))

    # The eager worker ran the job after the start committed; the page shows it done.
    job_page = client.get(started["Location"])
    body = job_page.content.decode()
    assert job_page.status_code == 200 and 'data-status="done"' in body and 'data-testid="job-done"' in body
    assert f'value="{job.total}" max="{job.total}"' in body and "every 2s" not in body
    partial = client.get(started["Location"], HTTP_HX_REQUEST="true")
    assert partial.content.decode().startswith('<article id="tenant-job"')
    job.refresh_from_db()
    assert job.status == "done" and job.done == job.total == len(operations.ARCHIVE_STEPS) - 1
    assert job.archive is not None and job.result["path"] == job.archive.path == job.archive_path
    assert job.reason == "Uji pekerjaan" and job.attempts == 1 and job.heartbeat_at is not None
    assert not schema_exists(tenant.schema_name) and not Tenant.objects.filter(region_id=code).exists()
    assert "warga-arsip" in archived_data(job.archive.path, storage_dirs / "check")

    listing = client.get("/operator/pekerjaan/")
    assert f"/operator/pekerjaan/tenant/{job.pk}/" in listing.content.decode()
    archives_page = client.get("/operator/arsip/")
    assert f"/operator/arsip/{job.archive.pk}/pulihkan/" in archives_page.content.decode()

    restored = client.post(f"/operator/arsip/{job.archive.pk}/pulihkan/", {"as_code": ""})
    assert restored.status_code == 302, restored.content
    restore_job = TenantOperationJob.objects.get(pk=job_id_of(restored))
    assert restore_job.kind == "restore" and restore_job.status == "done", restore_job.error
    assert 'data-status="done"' in client.get(restored["Location"]).content.decode()
    tenant = Tenant.objects.get(region_id=code)
    assert restore_job.result["schema"] == tenant.schema_name and restore_job.result["url"] == tenant.url()
    with tenant:
        assert User.objects.filter(username="warga-arsip").exists()
    photo = client_for(tenant).get("/media/pasar/foto.png")
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == PNG  # type: ignore[attr-defined]

    # Restoring over the live tenant is refused up front, nothing queued.
    again = client.post(f"/operator/arsip/{job.archive.pk}/pulihkan/", {"as_code": ""}, follow=True)
    assert "sudah menjadi tenant" in again.content.decode()
    assert TenantOperationJob.objects.filter(kind="restore", code=code).count() == 1


def test_a_redelivered_archive_job_neither_loses_data_nor_drops_twice(
    tenants: TenantSet, committed: None, storage_dirs: Path, monkeypatch: pytest.MonkeyPatch, cleanup: list[str]
) -> None:
    code = "35.77.02.1009"  # Nambangan Kidul
    cleanup.append(code)
    tenant = make_tenant(code)
    job = operations.do_start_archive(tenant, reason="Uji", queue=False)
    files = Path(storage_dirs / "media" / "public" / tenant.schema_name / "pasar" / "foto.png")
    assert files.exists()

    # Killed right after the transaction that dumped and dropped committed.
    def killed(tenant: Tenant) -> int:
        raise Killed

    monkeypatch.setattr(archives, "delete_stored_files", killed)
    with pytest.raises(Killed):
        operations.run_tenant_operation(job.pk)
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.status == "running" and job.archive_id is not None
    assert not schema_exists(tenant.schema_name) and files.exists()

    # The message comes back while the heartbeat is fresh: a duplicate, nothing happens.
    assert operations.run_tenant_operation(job.pk) is None
    # The sweep finds the heartbeat stale and queues it again (eager: it runs on commit).
    make_stale(job)
    assert stale.requeue_stale_tenant_operations() == [job.pk]
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2, job.error
    assert TenantArchive.objects.filter(code=code).count() == 1  # dumped and dropped once
    assert job.result["path"] == job.archive.path and not files.exists()  # type: ignore[union-attr]
    assert "warga-arsip" in archived_data(job.result["path"], storage_dirs / "check")

    # A second delivery of the finished job changes nothing; the archive restores.
    assert operations.run_tenant_operation(job.pk) is None
    restored = restore_archive(Path(job.result["path"]))
    with restored:
        assert User.objects.filter(username="warga-arsip").exists()


def test_a_removal_killed_during_the_dump_is_resumed(
    tenants: TenantSet, committed: None, storage_dirs: Path, monkeypatch: pytest.MonkeyPatch, cleanup: list[str]
) -> None:
    code = "35.77.03.1005"  # Manisrejo
    cleanup.append(code)
    tenant = make_tenant(code)
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED)
    job = operations.do_start_archive(tenant, queue=False)

    def killed(schema_name: str, tenant_type: str, folder: Path) -> None:
        raise Killed

    monkeypatch.setattr(schema_copy, "dump_schema_data", killed)
    with pytest.raises(Killed):
        operations.run_tenant_operation(job.pk)
    monkeypatch.undo()
    # A SIGKILL runs no clean-up: the server rolled the transaction back (nothing dropped) and
    # the tenant stays "archiving", writes refused.
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.ARCHIVING)
    job.refresh_from_db()
    assert job.status == "running" and job.archive_id is None and job.previous_status == "suspended"
    assert schema_exists(tenant.schema_name)
    assert not list(Path(storage_dirs / "archives").glob("*.tar.gz"))

    make_stale(job)
    stale.requeue_stale_tenant_operations()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert not schema_exists(tenant.schema_name) and TenantArchive.objects.filter(code=code).count() == 1
    assert "warga-arsip" in archived_data(job.result["path"], storage_dirs / "check")
    # The archive keeps the status the tenant had before the killed run, not "archiving".
    restored = restore_archive(Path(job.result["path"]))
    assert restored.status == Tenant.Status.SUSPENDED


def test_a_restore_killed_between_its_two_commits_is_redone_whole(
    tenants: TenantSet, committed: None, storage_dirs: Path, monkeypatch: pytest.MonkeyPatch, cleanup: list[str]
) -> None:
    code = "35.77.03.1006"  # Kejuron
    cleanup.append(code)
    tenant = make_tenant(code)
    host = TenantSet.host(tenant)
    call_command("remove_tenant", code, stdout=open("/dev/null", "w"))  # noqa: SIM115
    removal = TenantOperationJob.objects.get(kind="archive", code=code)
    assert removal.status == "done" and removal.created_by is None  # the CLI runs the same job
    archive = TenantArchive.objects.get(code=code)
    job = operations.do_start_restore(archive, queue=False)

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    # The schema was restored (psql committed), then the process died before the public rows.
    monkeypatch.setattr("apps.tenancy.restore._restore_public_rows", killed)
    monkeypatch.setattr(schemas, "drop_schema", lambda name: None)  # no clean-up after a SIGKILL
    with pytest.raises(Killed):
        operations.run_tenant_operation(job.pk)
    monkeypatch.undo()
    assert schema_exists(tenant.schema_name) and not Tenant.objects.filter(region_id=code).exists()
    assert Client(HTTP_HOST=host).get("/").status_code == 404  # the orphan schema is never served

    make_stale(job)
    stale.requeue_stale_tenant_operations()
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2, job.error
    restored = Tenant.objects.get(region_id=code)
    with restored:
        assert User.objects.filter(username="warga-arsip").count() == 1
    assert client_for(restored).get("/media/pasar/foto.png").status_code == 200
    assert operations.run_tenant_operation(job.pk) is None  # redelivered after the end: nothing


def test_a_failed_job_is_shown_and_can_be_retried(
    tenants: TenantSet,
    committed: None,
    storage_dirs: Path,
    cleanup: list[str],  # before monkeypatch: torn down after dump_schema_data is restored
    monkeypatch: pytest.MonkeyPatch,
    committed_operator_client: Client,
) -> None:
    code = "35.77.03.1006"
    cleanup.append(code)
    tenant = make_tenant(code)

    def no_pg_dump(schema_name: str, tenant_type: str, folder: Path) -> None:
        raise services.ArchiveUnavailable("pg_dump 99 tidak ada.", reason="uji")

    monkeypatch.setattr(schema_copy, "dump_schema_data", no_pg_dump)
    started = committed_operator_client.post(f"/operator/tenant/{code}/arsipkan/", {"reason": ""})
    job = TenantOperationJob.objects.get(pk=job_id_of(started))
    assert job.status == "failed" and "pg_dump 99 tidak ada. uji" in job.error
    page = committed_operator_client.get(started["Location"]).content.decode()
    assert 'data-testid="job-error"' in page and 'data-testid="retry"' in page
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE  # nothing removed
    monkeypatch.undo()
    committed_operator_client.post(f"/operator/pekerjaan/tenant/{job.pk}/ulangi/")
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2 and job.error == ""
    assert not Tenant.objects.filter(region_id=code).exists()
