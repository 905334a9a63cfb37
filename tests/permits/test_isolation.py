"""Tenant isolation of every permits model: written in A, invisible and unreachable from B."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from apps.core.models import DocumentCounter
from apps.permits import certificate, oss
from apps.permits.models import OssConfig, Permit, PermitEvent, SlaRule
from apps.sandbox.models import SandboxNib
from apps.tenancy.models import Tenant
from tests.conftest import client_for

from .conftest import People, advance, logged_in, make_people, submitted_permit

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued_in_a(tenant_a: Tenant, people: People) -> Permit:
    with tenant_a:
        SlaRule.objects.create(status="submitted", days=2)
        OssConfig.objects.create(mode="sandbox")
        SandboxNib.objects.create(nib="9100000000001", business_name="Usaha A", kbli_codes=["56102"])
        return advance(submitted_permit(people), people, "issued")


def test_orm_rows_of_a_are_invisible_from_b(tenant_a: Tenant, tenant_b: Tenant, issued_in_a: Permit) -> None:
    models = (Permit, PermitEvent, SlaRule, OssConfig, SandboxNib)
    with tenant_a:
        assert all(model.objects.exists() for model in models)
        assert DocumentCounter.objects.filter(kind="permit").exists()
    with tenant_b:
        for model in models:
            assert not model.objects.exists(), model.__name__
        assert not DocumentCounter.objects.filter(kind="permit").exists()
        assert not Permit.objects.filter(verification_token=issued_in_a.verification_token).exists()
        with pytest.raises(oss.OssNotFound):  # A's sandbox NIB is not B's
            oss.client().lookup_nib("9100000000001")


def test_api_and_pages_of_b_never_show_a(tenant_a: Tenant, tenant_b: Tenant, issued_in_a: Permit) -> None:
    with tenant_b:
        b_people = make_people("b-")
    for user in (b_people.admin, b_people.lurah, b_people.owner):
        client = logged_in(tenant_b, user)
        assert client.get("/api/v1/permits/").json()["results"] == []
        assert client.get("/api/v1/permits/events/").json()["results"] == []
        assert client.get(f"/api/v1/permits/{issued_in_a.pk}/").status_code == 404
        assert client.get(f"/api/v1/permits/{issued_in_a.pk}/events/").status_code == 404
        assert client.post(f"/api/v1/permits/{issued_in_a.pk}/revoke/", {"reason": "x"}).status_code == 404
        assert client.get(f"/izin/{issued_in_a.pk}/").status_code == 404
        assert client.get(f"/izin/{issued_in_a.pk}/sertifikat.pdf").status_code == 404
        assert client.get(f"/izin/{issued_in_a.pk}/berkas/ktp/").status_code == 404
        assert "Pecel Madiun" not in client.get("/izin/antrian/?semua=1").content.decode()
    # the applicant's session on A means nothing on B
    a_client = logged_in(tenant_a, issued_in_a.applicant)
    assert a_client.get(f"/izin/{issued_in_a.pk}/").status_code == 200
    thief = client_for(tenant_b)
    thief.cookies["sessionid"] = a_client.cookies["sessionid"].value
    assert thief.get(f"/izin/{issued_in_a.pk}/").status_code == 302
    assert thief.get("/api/v1/permits/").status_code == 401


def test_verification_tokens_of_a_do_not_resolve_on_b(tenant_a: Tenant, tenant_b: Tenant, issued_in_a: Permit) -> None:
    token = issued_in_a.verification_token
    with tenant_a:
        assert client_for(tenant_a).get(certificate.verification_path(token or "")).status_code == 200
    assert client_for(tenant_b).get(f"/izin/verifikasi/{token}/").status_code == 404
    assert client_for(tenant_b).get(f"/api/v1/permits/verification/{token}/").status_code == 404


def test_uploads_are_stored_in_the_tenants_own_folder(
    tenant_a: Tenant, tenant_b: Tenant, issued_in_a: Permit, media_root: Path
) -> None:
    with tenant_a:
        name = issued_in_a.ktp_scan.name
        path_a = Path(default_storage.path(name))
        assert default_storage.exists(name)
    assert media_root / "private" / tenant_a.schema_name in path_a.parents  # KTP scans are private files
    with tenant_b:
        assert not default_storage.exists(name)
        assert Path(default_storage.path(name)) != path_a
