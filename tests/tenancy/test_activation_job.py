"""Activating one region runs as a tenant job (apps.tenancy.operations.do_start_activate_region):
checked before any job exists, one at a time per region code, resumable, and shown on the
operator's job page with the new tenant's address and its admin's set-password link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.tenancy import operations
from apps.tenancy.models import Tenant, TenantOperationJob
from tests.conftest import TenantSet

pytestmark = pytest.mark.django_db

CODE = "35.77.01.1009"  # Kelurahan Kelun, not a tenant in the fixtures


def test_start_makes_a_pending_job_and_running_it_makes_the_tenant(tenants: TenantSet, operator: User) -> None:
    job = operations.do_start_activate_region(CODE, admin_email="lurah@kelun.id", actor=operator, queue=False)
    assert (job.kind, job.status, job.code, job.total) == ("activate", "pending", CODE, 2)
    assert job.options["admin_email"] == "lurah@kelun.id" and job.options["tenant_type"] == "kelurahan"
    assert not Tenant.objects.filter(region_id=CODE).exists()

    operations.run_tenant_operation(job.pk)
    job.refresh_from_db()
    tenant = Tenant.objects.get(region_id=CODE)
    assert (job.status, job.step, job.done, job.schema_name) == ("done", "done", 2, tenant.schema_name)
    assert job.result == {
        "schema": tenant.schema_name,
        "url": tenant.url(),
        "admin_username": "admin",
        "from_pool": job.result["from_pool"],
    }
    assert "sandi" not in str(job.result)  # the link is made when shown, never stored
    assert operations.set_password_url(job).startswith(f"{tenant.url()}akun/sandi/")

    # A redelivered message finds the job done; another run of the body finds the tenant it made.
    assert operations.run_tenant_operation(job.pk) is None
    TenantOperationJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=None)
    operations.run_tenant_operation(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2
    assert Tenant.objects.filter(region_id=CODE).count() == 1

    # Once the admin has chosen a password, the page no longer offers a link that would reset it.
    with tenant:
        admin = User.objects.get(username="admin")
        admin.set_password("kata-sandi-baru-123")
        admin.save(update_fields=["password"])
    assert operations.set_password_url(job) == ""


def test_a_second_start_is_refused_while_one_runs(tenants: TenantSet, operator: User) -> None:
    first = operations.do_start_activate_region(CODE, actor=operator, queue=False)
    with pytest.raises(Conflict) as caught:
        operations.do_start_activate_region(CODE, actor=operator, queue=False)
    assert caught.value.code == "tenant_job_running"
    TenantOperationJob.objects.filter(pk=first.pk).update(status="running")
    with pytest.raises(Conflict):
        operations.do_start_activate_region(f"{CODE}".replace(".", ""), actor=operator, queue=False)
    assert TenantOperationJob.objects.filter(code=CODE).count() == 1


def test_errors_are_answered_before_any_job_exists(tenants: TenantSet, operator: User) -> None:
    with pytest.raises(NotFound):
        operations.do_start_activate_region("35.77.01.1999", actor=operator, queue=False)
    with pytest.raises(ValidationFailed):
        operations.do_start_activate_region("35.77.1", actor=operator, queue=False)
    with pytest.raises(ValidationFailed):
        operations.do_start_activate_region("35.77.01", actor=operator, queue=False)  # a kecamatan
    with pytest.raises(Conflict) as caught:
        operations.do_start_activate_region("35.77.03.1001", actor=operator, queue=False)  # Mojorejo
    assert caught.value.code == "already_active"
    with pytest.raises(ValidationFailed):
        operations.do_start_activate_region(CODE, plan="emas", actor=operator, queue=False)
    assert not TenantOperationJob.objects.filter(kind="activate").exists()


def test_a_job_whose_region_was_activated_meanwhile_fails_and_says_why(tenants: TenantSet, operator: User) -> None:
    from apps.tenancy import services

    job = operations.do_start_activate_region(CODE, actor=operator, queue=False)
    services.activate_region(CODE, refill_pool=False)  # e.g. `manage.py activate_tenant` at the same time
    operations.run_tenant_operation(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "sudah aktif" in job.error
    assert Tenant.objects.filter(region_id=CODE).count() == 1


def test_api_answers_202_with_the_job_and_runs_it(
    operator_client: Client, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            "/api/v1/tenants/", {"code": CODE}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="aktif-kelun"
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["kind"] == "activate"
    assert response["Location"] == body["url"] == f"/api/v1/tenant-jobs/{body['id']}/"
    job = operator_client.get(body["url"]).json()
    assert job["status"] == "done" and job["set_password_url"].startswith("http://kelun.localhost:8000/akun/sandi/")
    assert Tenant.objects.filter(region_id=CODE).exists()

    # The same key replays the first answer; it never starts (or refuses) a second job.
    replay = operator_client.post(
        "/api/v1/tenants/", {"code": CODE}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="aktif-kelun"
    )
    assert (replay.status_code, replay.content, replay["Idempotency-Replayed"]) == (202, response.content, "true")
    assert TenantOperationJob.objects.filter(code=CODE).count() == 1


def test_api_refuses_bad_codes_and_running_jobs_before_a_job_exists(
    operator_client: Client, tenants: TenantSet
) -> None:
    unknown = operator_client.post("/api/v1/tenants/", {"code": "35.77.01.1999"}, content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_region"
    invalid = operator_client.post("/api/v1/tenants/", {"code": "35.77.1"}, content_type="application/json")
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_region_code"
    assert not TenantOperationJob.objects.exists()

    first = operator_client.post("/api/v1/tenants/", {"code": CODE}, content_type="application/json")
    assert first.status_code == 202  # not run: its commit never comes inside this test
    second = operator_client.post("/api/v1/tenants/", {"code": CODE}, content_type="application/json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "tenant_job_running"
    assert TenantOperationJob.objects.filter(code=CODE).count() == 1


def test_operator_page_shows_progress_then_the_tenant_and_its_link(
    operator_client: Client, tenants: TenantSet, operator: User
) -> None:
    job = operations.do_start_activate_region(CODE, actor=operator, queue=False)
    page = operator_client.get(f"/operator/pekerjaan/tenant/{job.pk}/").content.decode()
    assert 'data-status="pending"' in page and 'data-testid="job-progress"' in page and "hx-get" in page
    assert 'data-testid="set-password-link"' not in page

    operations.run_tenant_operation(job.pk)
    polled = operator_client.get(f"/operator/pekerjaan/tenant/{job.pk}/", headers={"HX-Request": "true"})
    html = polled.content.decode()
    assert 'data-status="done"' in html and "hx-get" not in html
    assert 'data-testid="activated"' in html and "Kelun" in html
    assert 'data-testid="set-password-link"' in html and "http://kelun.localhost:8000/akun/sandi/" in html
    assert "http://kelun.localhost:8000/" in html

    listing = operator_client.get("/operator/pekerjaan/").content.decode()
    assert f"/operator/pekerjaan/tenant/{job.pk}/" in listing


def test_admin_form_shows_errors_without_a_job(operator_client: Client, tenants: TenantSet) -> None:
    response = operator_client.post("/admin/tenancy/tenant/activate/", {"code": "35.77.01.1999"})
    assert response.status_code == 200
    assert "tidak ada dalam daftar Kemendagri" in response.content.decode()
    assert not TenantOperationJob.objects.exists()
