"""Operator job pages: who may see them, what they show while a job runs and once it is done,
their query budgets, and the operator API of the tenant jobs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import create_user
from apps.tenancy import operations
from apps.tenancy.models import ActivationJob, Tenant, TenantArchive, TenantOperationJob
from tests.conftest import PASSWORD, TenantSet, client_for

PAGES = [
    "/operator/pekerjaan/",
    "/operator/arsip/",
    "/operator/tenant/35.77.03.1001/arsipkan/",
]


def make_jobs(n: int, operator: User) -> None:
    TenantOperationJob.objects.bulk_create(
        TenantOperationJob(
            kind=TenantOperationJob.Kind.ARCHIVE if i % 2 else TenantOperationJob.Kind.RESTORE,
            code=f"35.77.02.{1000 + i}",
            name=f"Kelurahan {i}",
            status=TenantOperationJob.Status.DONE,
            done=6,
            total=6,
            created_by=operator,
        )
        for i in range(n)
    )
    ActivationJob.objects.bulk_create(
        ActivationJob(scope="35.77.01", codes=["35.77.01.1001"], total=1, done=1, created_by=operator) for _ in range(n)
    )
    TenantArchive.objects.bulk_create(
        TenantArchive(
            code=f"35.77.02.{1000 + i}",
            name=f"Kelurahan {i}",
            schema_name=f"kel_357702{1000 + i}",
            tenant_type="kelurahan",
            path=f"/srv/kotakita/archives/kel-{i}.tar.gz",
            size_bytes=1000,
            sha256="0" * 64,
            removed_by=operator,
        )
        for i in range(n)
    )


def count_queries(client: Client, url: str, *, htmx: bool = False) -> int:
    """Queries of one GET, not counting django-tenants' `SET search_path` before each."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"HX-Request": "true"} if htmx else None)
    assert response.status_code == 200, response.content
    return sum(1 for query in queries.captured_queries if not query["sql"].startswith("SET search_path"))


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_and_a_plain_platform_user_is_refused(
    tenants: TenantSet, platform_client: Client, settings: Any
) -> None:
    for url in PAGES:
        response = platform_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            f"{resolve_url(settings.LOGIN_URL)}?next="
        )
    user = create_user(username="staf-platform", email="staf@kotakita.id", password=PASSWORD)
    user.is_staff = True  # staff of the platform, but not a franchise operator
    user.save(update_fields=["is_staff"])
    platform_client.force_login(user)
    for url in PAGES:
        assert platform_client.get(url).status_code == 403
    assert platform_client.post("/operator/tenant/35.77.03.1001/arsipkan/", {"reason": "x"}).status_code == 403
    assert platform_client.post("/operator/pekerjaan/aktivasi/", {"scope": "35.77.01"}).status_code == 403
    assert not TenantOperationJob.objects.exists() and not ActivationJob.objects.exists()
    assert Tenant.objects.get(region_id="35.77.03.1001").status == Tenant.Status.ACTIVE


@pytest.mark.django_db
def test_a_kelurahan_admin_has_no_route_to_the_operator_pages(tenants: TenantSet) -> None:
    client = client_for(tenants.a)
    with tenants.a:
        client.force_login(User.objects.get(username="admin"))  # the tenant's superuser
    for url in PAGES:
        assert client.get(url).status_code == 404
    assert client.post("/operator/tenant/35.77.03.1001/arsipkan/", {"reason": "x"}).status_code == 404
    assert not TenantOperationJob.objects.exists()


def test_jobs_list_and_archives_have_a_query_budget(operator_client: Client, operator: User) -> None:
    make_jobs(2, operator)
    few = {url: count_queries(operator_client, url) for url in ("/operator/pekerjaan/", "/operator/arsip/")}
    make_jobs(20, operator)
    many = {url: count_queries(operator_client, url) for url in ("/operator/pekerjaan/", "/operator/arsip/")}
    assert many == few, (few, many)
    # Domain, session, user, operator group, then one query per list.
    assert many["/operator/pekerjaan/"] <= 6 and many["/operator/arsip/"] <= 5, many


def test_progress_partials_have_a_query_budget_and_stop_polling_when_done(
    operator_client: Client, operator: User, tenants: TenantSet
) -> None:
    job = operations.do_start_archive(tenants.a, reason="Uji", actor=operator)  # not run: db test
    url = f"/operator/pekerjaan/tenant/{job.pk}/"
    assert count_queries(operator_client, url, htmx=True) <= 5
    running = operator_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert running.startswith('<article id="tenant-job"') and 'hx-trigger="every 2s"' in running
    assert 'data-status="pending"' in running and "<html" not in running
    TenantOperationJob.objects.filter(pk=job.pk).update(status="done", done=6, result={"path": "/x.tar.gz"})
    done = operator_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in done and 'data-testid="job-done"' in done and "/x.tar.gz" in done

    activation = ActivationJob.objects.create(scope="35.77.01", codes=["a", "b"], total=2, done=1, status="running")
    ActivationJob.objects.filter(pk=activation.pk).update(heartbeat_at=timezone.now())
    url = f"/operator/pekerjaan/aktivasi/{activation.pk}/"
    assert count_queries(operator_client, url, htmx=True) <= 5
    partial = operator_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert (
        'hx-trigger="every 2s"' in partial and 'value="1" max="2"' in partial and 'data-testid="resume"' not in partial
    )
    page = operator_client.get(url).content.decode()
    assert "htmx.min.js" in page and 'id="activation-job"' in page


def test_archive_start_is_refused_twice_and_for_the_platform(
    operator_client: Client, operator: User, tenants: TenantSet
) -> None:
    first = operator_client.post("/operator/tenant/35.77.03.1001/arsipkan/", {"reason": "Uji"})
    assert first.status_code == 302
    second = operator_client.post("/operator/tenant/35.77.03.1001/arsipkan/", {"reason": "Uji"})
    assert second.status_code == 409 and "sedang diarsipkan" in second.content.decode()
    assert TenantOperationJob.objects.filter(code="35.77.03.1001").count() == 1
    assert operator_client.get("/operator/tenant/35.77.99.9999/arsipkan/").status_code == 404
    english = operator_client.post(
        "/operator/tenant/35.77.03.1001/arsipkan/", {"reason": "Uji"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 409


def test_bulk_activation_starts_from_the_jobs_page(operator_client: Client, tenants: TenantSet) -> None:
    bad = operator_client.post("/operator/pekerjaan/aktivasi/", {"scope": "35.77.01.1001"})
    assert bad.status_code == 422 and "harus kecamatan" in bad.content.decode()
    unknown = operator_client.post("/operator/pekerjaan/aktivasi/", {"scope": "bukan kode"})
    assert unknown.status_code == 422
    started = operator_client.post("/operator/pekerjaan/aktivasi/", {"scope": "35.77.01"})
    assert started.status_code == 302
    job = ActivationJob.objects.get()
    assert started["Location"] == f"/operator/pekerjaan/aktivasi/{job.pk}/" and job.total == 9
    page = operator_client.get(started["Location"]).content.decode()
    assert 'data-status="pending"' in page and 'hx-trigger="every 2s"' in page
    # Killed worker: running without a heartbeat; the page offers to resume it.
    ActivationJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now() - timedelta(hours=1))
    assert 'data-testid="resume"' in operator_client.get(started["Location"]).content.decode()
    ActivationJob.objects.filter(pk=job.pk).update(status="done")
    resumed = operator_client.post(f"/operator/pekerjaan/aktivasi/{job.pk}/lanjutkan/", follow=True)
    assert "sudah selesai atau masih berjalan" in resumed.content.decode()


def test_operator_api_queues_archive_and_restore_jobs(
    operator_client: Client, operator: User, tenants: TenantSet, tmp_path: Path
) -> None:
    removed = operator_client.delete("/api/v1/tenants/35.77.03.1002/?reason=Uji")
    assert removed.status_code == 202, removed.content
    body = removed.json()
    assert body["kind"] == "archive" and body["status"] == "pending" and body["code"] == "35.77.03.1002"
    fetched = operator_client.get(f"/api/v1/tenant-jobs/{body['id']}/").json()
    assert fetched["total"] == len(operations.ARCHIVE_STEPS) - 1
    assert operator_client.get("/api/v1/tenant-jobs/").json()["results"][0]["id"] == body["id"]

    archive_file = tmp_path / "kel.tar.gz"
    archive_file.write_bytes(b"not read before the job runs")
    archive = TenantArchive.objects.create(
        code="35.77.03.1002", name="Pandean", schema_name="kel_3577031002", tenant_type="kelurahan",
        path=str(archive_file), size_bytes=28, sha256="0" * 64,
    )  # fmt: skip
    post = operator_client.post
    live = post("/api/v1/tenant-jobs/restore/", {"archive": archive.pk}, content_type="application/json")
    assert live.status_code == 409 and live.json()["error"]["code"] == "already_active"
    missing = post("/api/v1/tenant-jobs/restore/", {"archive": 999999}, content_type="application/json")
    assert missing.status_code == 404
    bad_code = post(
        "/api/v1/tenant-jobs/restore/",
        {"archive": archive.pk, "as_code": "bukan-kode"},
        content_type="application/json",
    )
    assert bad_code.status_code == 422
    queued = post(
        "/api/v1/tenant-jobs/restore/",
        {"archive": archive.pk, "as_code": "35.77.02.1009"},
        content_type="application/json",
    )
    assert queued.status_code == 202 and queued.json()["as_code"] == "35.77.02.1009"
    not_failed = post(f"/api/v1/tenant-jobs/{queued.json()['id']}/retry/")
    assert not_failed.status_code == 409
    assert client_for(None).get("/api/v1/tenant-jobs/").status_code in (401, 403)
