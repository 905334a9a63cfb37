"""Every bansos model written in kelurahan A is invisible and unreachable from B."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.aid import services
from apps.aid.identity import build_person
from apps.aid.models import Beneficiary, Distribution, Enrolment, ImportBatch, Program
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import ProgramFactory, csv_file, make_nik, png_bytes

pytestmark = pytest.mark.django_db

Units = dict[tuple[int, int], RukunTetangga]


@pytest.fixture
def written_in_a(tenant_a: Tenant, units_a: Units, units_b: Units, make_program: ProgramFactory) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.accounts.models import User

    with tenant_a:
        program = make_program("Rahasia A")
        person = build_person(nik=make_nik(1), name="Warga A", rw=1, rt=1)
        enrolment = services.enrol_person(program, person, by=None)
        distribution, _ = services.plan_distribution(enrolment, period=timezone.localdate().strftime("%Y-%m"))
        services.mark_distributed(
            distribution,
            by=User.objects.get(username="admin"),
            distributed_on=timezone.localdate(),
            proof=SimpleUploadedFile("b.png", png_bytes()),
        )
        batch = services.preview_import(
            program, file_name="a.csv", content=csv_file([[make_nik(2), "", "B", "", 1, 1, ""]]), by=None
        )
        return {
            "program": program.pk,
            "beneficiary": enrolment.beneficiary_id,
            "enrolment": enrolment.pk,
            "distribution": distribution.pk,
            "batch": str(batch.uuid),
        }


def test_orm_rows_of_a_are_invisible_from_b(tenant_a: Tenant, tenant_b: Tenant, written_in_a: dict[str, Any]) -> None:
    with tenant_a:
        assert Program.objects.filter(name="Rahasia A").exists()
        assert Distribution.objects.filter(status="tersalurkan").count() == 1
    with tenant_b:
        assert not Program.objects.exists()
        assert not Beneficiary.objects.exists()
        assert not Enrolment.objects.exists()
        assert not Distribution.objects.exists()
        assert not ImportBatch.objects.exists()
        # the same NIK in B is a new person there
        services.save_beneficiary(build_person(nik=make_nik(1), name="Warga B", rw=1, rt=1))
    with tenant_a:
        assert Beneficiary.objects.get().name == "Warga A"


def test_api_and_pages_of_b_cannot_reach_a(staff_b: Client, written_in_a: dict[str, Any]) -> None:
    ids = written_in_a
    for url in (
        f"/api/v1/aid/programs/{ids['program']}/",
        f"/api/v1/aid/beneficiaries/{ids['beneficiary']}/",
        f"/api/v1/aid/enrolments/{ids['enrolment']}/",
        f"/api/v1/aid/distributions/{ids['distribution']}/",
        f"/api/v1/aid/imports/{ids['batch']}/",
        f"/bansos/program/{ids['program']}/",
        f"/bansos/impor/{ids['batch']}/",
        f"/bansos/penyaluran/{ids['distribution']}/bukti/",
    ):
        assert staff_b.get(url).status_code == 404, url
    for url in ("/api/v1/aid/programs/", "/api/v1/aid/beneficiaries/", "/api/v1/aid/distributions/"):
        assert staff_b.get(url).json()["results"] == [], url
    assert staff_b.get("/api/v1/aid/conflicts/").json() == []
    assert staff_b.post(f"/api/v1/aid/distributions/{ids['distribution']}/fail/", {"reason": "x"}).status_code == 404
    assert staff_b.post(f"/bansos/impor/{ids['batch']}/konfirmasi/").status_code == 404
    assert staff_b.post(f"/api/v1/aid/enrolments/{ids['enrolment']}/withdraw/").status_code == 404
    assert "Rahasia A" not in staff_b.get("/bansos/").content.decode()
    assert "Warga A" not in staff_b.get("/bansos/penyaluran/ekspor/?format=csv").content.decode("utf-8-sig")


def test_proof_files_are_stored_per_tenant(tenant_a: Tenant, written_in_a: dict[str, Any], settings: Any) -> None:
    with tenant_a:
        proof = Distribution.objects.get(pk=written_in_a["distribution"]).proof
        assert tenant_a.schema_name in proof.path and "aid/bukti/" in proof.name
        assert proof.path.startswith(str(settings.MEDIA_ROOT))
