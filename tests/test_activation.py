"""Activation, suspension, removal and bulk activation of tenants."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_exists

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.tenancy import schemas, services
from apps.tenancy.models import ActivationJob, Domain, PooledSchema, Tenant, TenantOperationJob
from tests.conftest import PASSWORD, TenantSet, client_for

pytestmark = pytest.mark.django_db


def test_activation_from_pool_renames_a_ready_schema(
    tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    schemas.fill_pool("kelurahan", 1)
    pooled = PooledSchema.objects.get(tenant_type="kelurahan")
    with django_capture_on_commit_callbacks(execute=True):
        activation = services.activate_region("35.77.01.1001", admin_email="lurah@oro-oro-ombo.id")
    tenant = activation.tenant
    assert activation.from_pool
    assert not schema_exists(pooled.schema_name)
    assert schema_exists(tenant.schema_name)
    assert tenant.schema_name == "kel_3577011001"
    assert tenant.tenant_type == "kelurahan"
    assert tenant.name == "Kelurahan Oro-oro Ombo"
    assert tenant.slug == "oro-oro-ombo"
    assert tenant.parent == tenants.kota
    assert float(tenant.lat) == pytest.approx(-7.620895)
    assert Domain.objects.get(tenant=tenant).domain == "oro-oro-ombo.localhost"
    with tenant:
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.email == "lurah@oro-oro-ombo.id"
        assert not admin.has_usable_password()
        assert admin.has_role("admin_kelurahan")
        # default roles came with the template
        assert {"lurah", "ketua_rt", "warga", "kurir", "integrator"} <= set(
            admin.groups.model.objects.values_list("name", flat=True)
        )
    assert activation.set_password_url.startswith("http://oro-oro-ombo.localhost:8000/akun/sandi/")
    # the set-password e-mail was sent from inside the new tenant
    assert [m.to for m in mail.outbox] == [["lurah@oro-oro-ombo.id"]]
    assert "oro-oro-ombo.localhost" in mail.outbox[0].body


def test_activation_without_pool_clones_the_template(tenants: TenantSet) -> None:
    PooledSchema.objects.filter(tenant_type="kelurahan").delete()
    activation = services.activate_region("35.77.01.1002")
    assert not activation.from_pool
    with activation.tenant:
        assert User.objects.filter(username="admin").exists()
    assert schemas.outdated([(activation.tenant.schema_name, "kelurahan")]) == []


def test_set_password_link_lets_the_admin_sign_in(tenants: TenantSet) -> None:
    activation = services.activate_region("35.77.01.1003")
    client = client_for(activation.tenant)
    path = activation.set_password_url.split(":8000", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    response = client.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["username"] == "admin"


def test_kota_activated_after_its_kelurahan_adopts_them(tenants: TenantSet) -> None:
    kel = services.activate_region("35.73.01.1001").tenant  # a kelurahan of Kota Malang
    assert kel.parent is None
    kota = services.activate_region("35.73", tenant_type="kota").tenant
    kel.refresh_from_db()
    assert kota.tenant_type == "kota" and kota.slug == "kota-malang"
    assert kel.parent == kota


def test_namesake_kelurahan_get_distinct_subdomains(tenants: TenantSet) -> None:
    first = services.activate_region("35.77.01.1008").tenant  # Kartoharjo (kelurahan)
    assert first.slug == "kartoharjo"
    # Kelurahan Taman in Kecamatan Taman, then another "Manguharjo" namesake chain
    taman = services.activate_region("35.77.03.1009").tenant
    assert taman.slug == "taman"
    manguharjo = services.activate_region("35.77.02.1001").tenant
    assert manguharjo.slug == "manguharjo"
    Tenant.objects.filter(pk=manguharjo.pk).update(slug="x-manguharjo")
    Domain.objects.filter(tenant=manguharjo).update(domain="manguharjo.localhost")
    slug = services.propose_slug(services.get_region("35.77.02.1001"))
    assert slug == "manguharjo-manguharjo"


@pytest.mark.parametrize(
    ("code", "kwargs", "error", "code_name"),
    [
        ("35.77.3.1001", {}, ValidationFailed, "invalid_region_code"),
        ("bukan-kode", {}, ValidationFailed, "invalid_region_code"),
        ("99.99.99.9999", {}, NotFound, "unknown_region"),
        ("35.77.03", {}, ValidationFailed, "wrong_region_level"),
        ("35", {}, ValidationFailed, "wrong_region_level"),
        ("35.77.03.1004", {"tenant_type": "kota"}, ValidationFailed, "wrong_tenant_type"),
        ("35.19", {"tenant_type": "kelurahan"}, ValidationFailed, "wrong_tenant_type"),
        ("35.77.03.1001", {}, Conflict, "already_active"),
        ("35.77.03.1004", {"slug": "mojorejo"}, Conflict, "slug_taken"),
        ("35.77.03.1004", {"slug": "Bad Slug!"}, ValidationFailed, "invalid_slug"),
        ("35.77.03.1004", {"slug": "admin"}, ValidationFailed, "invalid_slug"),
        ("35.77.03.1004", {"plan": "gratis"}, ValidationFailed, "unknown_plan"),
    ],
)
def test_bad_activation_changes_nothing(
    tenants: TenantSet, code: str, kwargs: dict[str, str], error: type[Exception], code_name: str
) -> None:
    before = (Tenant.objects.count(), Domain.objects.count(), _schemas())
    with pytest.raises(error) as info:
        services.activate_region(code, **kwargs)
    assert info.value.code == code_name  # type: ignore[attr-defined]
    assert (Tenant.objects.count(), Domain.objects.count(), _schemas()) == before


def test_failure_half_way_leaves_no_schema_or_rows(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch) -> None:
    schemas.fill_pool("kelurahan", 1)
    pool_before = set(PooledSchema.objects.values_list("schema_name", flat=True))
    before = (Tenant.objects.count(), Domain.objects.count(), _schemas())

    def explode(**kwargs: object) -> User:
        raise RuntimeError("disk full while creating the admin")

    monkeypatch.setattr(services, "create_user", explode)
    with pytest.raises(RuntimeError):
        services.activate_region("35.77.03.1005")
    assert (Tenant.objects.count(), Domain.objects.count(), _schemas()) == before
    assert not schema_exists("kel_3577031005")
    # the pooled schema was not consumed either
    assert set(PooledSchema.objects.values_list("schema_name", flat=True)) == pool_before


def test_suspended_tenant_pages_say_so_and_api_answers_403(tenants: TenantSet) -> None:
    tenant = services.activate_region("35.77.03.1006").tenant
    client = client_for(tenant)
    assert client.get("/").status_code == 200
    services.suspend_tenant(tenant, reason="Tunggakan")
    page = client.get("/")
    assert page.status_code == 403
    assert "ditangguhkan" in page.content.decode()
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "tenant_suspended"
    english = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert "suspended" in english.json()["error"]["message"]
    services.reactivate_tenant(tenant)
    assert client.get("/").status_code == 200


def test_bulk_activation_reports_progress_and_resumes(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch) -> None:
    # A kecamatan of 5 kelurahan (Sukakarya, Kota Sabang): the whole job runs inside this test's
    # one transaction, and every schema copied from the template holds ~800 relation locks until
    # it ends (in production each activation commits on its own).
    kota = services.activate_region("11.72", refill_pool=False).tenant
    job = services.create_activation_job("11.72.01")
    assert job.total == 5
    calls = {"n": 0}
    real = services.activate_region

    def interrupted(code: str, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(code, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "activate_region", interrupted)
    out = io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        services.run_activation_job(job, out=out)
    job.refresh_from_db()
    assert job.status == ActivationJob.Status.INTERRUPTED
    assert job.done == 3
    assert "[3/5" in out.getvalue() and "/s" in out.getvalue() and "sisa" in out.getvalue()

    monkeypatch.setattr(services, "activate_region", real)
    resumed: list[str] = []

    def counting(code: str, **kwargs: object) -> object:
        resumed.append(code)
        return real(code, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "activate_region", counting)
    job = services.run_activation_job(job, out=io.StringIO())
    assert job.status == ActivationJob.Status.DONE and job.done == 5
    assert len(resumed) == 2  # finished tenants were not redone
    assert Tenant.objects.filter(region__code__startswith="11.72.01.").count() == 5
    assert all(t.parent == kota for t in Tenant.objects.filter(region__code__startswith="11.72.01."))


def test_bulk_activation_rejects_a_village_scope(tenants: TenantSet) -> None:
    with pytest.raises(ValidationFailed):
        services.create_activation_job("35.77.03.1001")


def test_management_command_activates_and_explains_errors(tenants: TenantSet) -> None:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("activate_tenant", "3577031004", stdout=out)
    assert "Kelurahan Kuncen active at http://kuncen.localhost:8000/" in out.getvalue()
    with pytest.raises(CommandError, match="sudah aktif"):
        call_command("activate_tenant", "35.77.03.1004")
    with pytest.raises(CommandError, match="tidak valid"):
        call_command("activate_tenant", "35.77.3")


def _schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def test_operator_api_activates_suspends_and_lists(
    operator_client: Client, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            "/api/v1/tenants/",
            {"code": "35.77.01.1004", "admin_email": "lurah@rejomulyo.id"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["kind"] == "activate" and started["code"] == "35.77.01.1004"
    assert started["url"] == f"/api/v1/tenant-jobs/{started['id']}/" == response["Location"]
    assert started["page_url"] == f"/operator/pekerjaan/tenant/{started['id']}/"
    assert started["set_password_url"] == ""  # the kept answer holds no secret
    job = operator_client.get(started["url"]).json()
    assert job["status"] == "done", job
    assert job["result"]["url"] == "http://rejomulyo.localhost:8000/"
    assert job["result"]["admin_username"] == "admin"
    assert job["set_password_url"].startswith("http://rejomulyo.localhost:8000/akun/sandi/")
    tenant = operator_client.get("/api/v1/tenants/35.77.01.1004/").json()
    assert tenant["slug"] == "rejomulyo"
    assert tenant["parent_code"] == "35.77"

    again = operator_client.post("/api/v1/tenants/", {"code": "35.77.01.1004"}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_active"

    wrong = operator_client.post(
        "/api/v1/tenants/", {"code": "35.77.01.1005", "tenant_type": "kota"}, content_type="application/json"
    )
    assert wrong.status_code == 422
    assert "tidak bisa diaktifkan sebagai" in wrong.json()["error"]["message"]
    english = operator_client.post(
        "/api/v1/tenants/",
        {"code": "35.77.01.1005", "tenant_type": "kota"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "cannot be activated as" in english.json()["error"]["message"]
    assert not TenantOperationJob.objects.filter(code="35.77.01.1005").exists()

    suspended = operator_client.post("/api/v1/tenants/35.77.01.1004/suspend/", {"reason": "Uji"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    listing = operator_client.get("/api/v1/tenants/").json()
    assert listing["count"] >= 4
    assert "results" in listing
    regions = operator_client.get("/api/v1/regions/", {"parent": "35.77.03"}).json()
    assert regions["count"] == 9
    assert regions["results"][0]["tenant_slug"] == "mojorejo"


def test_operator_api_refuses_tenant_users_and_anonymous(
    platform_client: Client, client_a: Client, tenants: TenantSet
) -> None:
    assert platform_client.get("/api/v1/tenants/").status_code in (401, 403)
    client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    # A tenant's superuser has no business with the registry: not even a route exists there.
    assert client_a.get("/api/v1/tenants/").status_code == 404


def test_operator_api_bulk_job_reports_progress(operator_client: Client, tenants: TenantSet) -> None:
    response = operator_client.post("/api/v1/activation-jobs/", {"scope": "35.77.01"}, content_type="application/json")
    assert response.status_code == 202, response.content
    job = operator_client.get(f"/api/v1/activation-jobs/{response.json()['id']}/").json()
    assert job["total"] == 9
    assert {"done", "rate_per_second", "seconds_left", "status"} <= set(job)
    bad = operator_client.post("/api/v1/activation-jobs/", {"scope": "35.77.01.1001"}, content_type="application/json")
    assert bad.status_code == 422


def test_operator_activates_from_the_platform_admin(
    operator_client: Client, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    form = operator_client.get("/admin/tenancy/tenant/activate/")
    assert form.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        started = operator_client.post(
            "/admin/tenancy/tenant/activate/", {"code": "35.77.01.1006", "admin_email": "lurah@tawangrejo.id"}
        )
    job = TenantOperationJob.objects.get(code="35.77.01.1006", kind="activate")
    assert started.status_code == 302 and started["Location"] == f"/operator/pekerjaan/tenant/{job.pk}/"
    done = operator_client.get(started["Location"])
    assert done.status_code == 200
    body = done.content.decode()
    assert 'data-testid="activated"' in body and 'data-status="done"' in body
    assert 'data-testid="set-password-link"' in body and "http://tawangrejo.localhost:8000/akun/sandi/" in body
    again = operator_client.post("/admin/tenancy/tenant/activate/", {"code": "35.77.01.1006"})
    assert "sudah aktif" in again.content.decode()
    assert Tenant.objects.filter(region_id="35.77.01.1006").count() == 1
