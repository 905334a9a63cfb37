"""Distributions: planned → distributed (date, photo, officer) / failed (reason); repeats are
no-ops, contradictions 409, bad input 422, and nothing changes on refusal."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.aid import services
from apps.aid.identity import build_person
from apps.aid.models import Distribution, Program
from apps.core.errors import ValidationFailed
from apps.notifications.models import Message
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant
from tests.filters import assert_refused

from .conftest import ProgramFactory, make_nik, png_bytes

pytestmark = pytest.mark.django_db

Units = dict[tuple[int, int], RukunTetangga]


def _period(offset_months: int = 0) -> str:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 + offset_months
    return f"{index // 12}-{index % 12 + 1:02d}"


@pytest.fixture
def setup(tenant_a: Tenant, units_a: Units, make_program: ProgramFactory) -> dict[str, Any]:
    with tenant_a:
        today = timezone.localdate()
        program = make_program(
            "BLT", start_date=today - timedelta(days=200), end_date=today + timedelta(days=200), amount=300_000
        )
        warga = User.objects.get(username="warga-mojorejo")
        for serial in (1, 2, 3):
            person = build_person(nik=make_nik(serial), name=f"Warga {serial}", rw=1, rt=1)
            beneficiary = services.save_beneficiary(person, user=warga if serial == 1 else None)
            services.enrol(program, beneficiary, by=None)
        assert services.plan_period(program, period=_period()) == 3
        assert services.plan_period(program, period=_period()) == 0  # idempotent
        distribution = Distribution.objects.get(enrolment__beneficiary__name="Warga 1")
    return {"program": program, "distribution": distribution}


def _photo(content: bytes | None = None, name: str = "bukti.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type="image/png")


def _state(tenant: Tenant, pk: int) -> tuple[Any, ...]:
    with tenant:
        d = Distribution.objects.get(pk=pk)
        return (d.status, d.distributed_on, d.proof.name, d.officer_id, d.failure_reason)


def test_distribute_then_repeat_is_a_noop_and_notifies_once(
    staff_a: Client, tenant_a: Tenant, setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    pk = setup["distribution"].pk
    today = timezone.localdate().isoformat()
    url = f"/api/v1/aid/distributions/{pk}/distribute/"
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_a.post(url, {"distributed_on": today, "proof": _photo()})
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "tersalurkan" and body["distributed_on"] == today and body["officer_name"]
    assert body["proof_url"] == f"/berkas/aid/distribution/{pk}/proof/"  # the gated private-file route
    before = _state(tenant_a, pk)
    again = staff_a.post(url, {"distributed_on": today, "proof": _photo()})
    assert again.status_code == 200 and _state(tenant_a, pk) == before  # same photo kept, nothing new
    with tenant_a:
        messages = Message.objects.filter(event="aid.distributed", recipient__username="warga-mojorejo")
        assert messages.count() >= 1  # one per channel the warga chose
        assert messages.filter(channel="in_app").count() == 1
        assert "BLT" in messages.get(channel="in_app").title
    # the proof photo is served to staff, never as a public media link
    photo = staff_a.get(body["proof_url"])
    assert photo.status_code == 200 and b"".join(photo.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]


def test_contradicting_changes_are_409_and_change_nothing(
    staff_a: Client, tenant_a: Tenant, setup: dict[str, Any]
) -> None:
    pk = setup["distribution"].pk
    today = timezone.localdate()
    staff_a.post(
        f"/api/v1/aid/distributions/{pk}/distribute/", {"distributed_on": today.isoformat(), "proof": _photo()}
    )
    before = _state(tenant_a, pk)
    other_date = staff_a.post(
        f"/api/v1/aid/distributions/{pk}/distribute/",
        {"distributed_on": (today - timedelta(days=1)).isoformat(), "proof": _photo()},
    )
    assert other_date.status_code == 409 and other_date.json()["error"]["code"] == "already_distributed"
    failed = staff_a.post(f"/api/v1/aid/distributions/{pk}/fail/", {"reason": "Tidak di rumah"})
    assert failed.status_code == 409
    assert _state(tenant_a, pk) == before


def test_fail_transitions(staff_a: Client, tenant_a: Tenant, setup: dict[str, Any]) -> None:
    with tenant_a:
        pk = Distribution.objects.get(enrolment__beneficiary__name="Warga 2").pk
    url = f"/api/v1/aid/distributions/{pk}/fail/"
    empty = staff_a.post(url, {"reason": "  "}, content_type="application/json")
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "reason_required"
    assert _state(tenant_a, pk)[0] == "direncanakan"
    first = staff_a.post(url, {"reason": "Pindah alamat"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["failure_reason"] == "Pindah alamat"
    assert staff_a.post(url, {"reason": "Pindah alamat"}, content_type="application/json").status_code == 200
    other = staff_a.post(url, {"reason": "Meninggal"}, content_type="application/json")
    assert other.status_code == 409
    assert _state(tenant_a, pk)[4] == "Pindah alamat"
    # aid that failed can still be handed over later
    retry = staff_a.post(
        f"/api/v1/aid/distributions/{pk}/distribute/",
        {"distributed_on": timezone.localdate().isoformat(), "proof": _photo(name="x.jpg")},
    )
    assert retry.status_code == 200 and retry.json()["status"] == "tersalurkan" and retry.json()["failure_reason"] == ""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "proof_required"),
        ({"proof": b"GIF89a not allowed"}, "proof_not_image"),
        ({"proof": b"<?php echo 1; ?>"}, "proof_not_image"),
        ({"proof": b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024)}, "proof_too_large"),
        ({"proof": b"", "days": 0}, "proof_not_image"),
        ({"days": -3}, "future_date"),
        ({"days": 400}, "before_program"),
    ],
)
def test_bad_distribution_input_is_422_and_changes_nothing(
    staff_a: Client, tenant_a: Tenant, setup: dict[str, Any], data: dict[str, Any], code: str
) -> None:
    pk = setup["distribution"].pk
    before = _state(tenant_a, pk)
    payload: dict[str, Any] = {
        "distributed_on": (timezone.localdate() - timedelta(days=data.get("days", 0))).isoformat()
    }
    if "proof" in data:
        payload["proof"] = _photo(data["proof"])
    elif code != "proof_required":
        payload["proof"] = _photo()
    response = staff_a.post(f"/api/v1/aid/distributions/{pk}/distribute/", payload)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == code
    assert _state(tenant_a, pk) == before


def test_bad_dates_and_unknown_rows(staff_a: Client, setup: dict[str, Any]) -> None:
    pk = setup["distribution"].pk
    garbage = staff_a.post(f"/api/v1/aid/distributions/{pk}/distribute/", {"distributed_on": "kemarin"})
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "validation_failed"
    assert staff_a.post("/api/v1/aid/distributions/999999/fail/", {"reason": "x"}).status_code == 404


def test_planning_checks_the_period(staff_a: Client, tenant_a: Tenant, setup: dict[str, Any]) -> None:
    program: Program = setup["program"]
    enrolment = setup["distribution"].enrolment_id
    bad_format = staff_a.post("/api/v1/aid/distributions/", {"enrolment": enrolment, "period": "2026-13"})
    assert bad_format.status_code == 422 and bad_format.json()["error"]["code"] == "invalid_period"
    outside = staff_a.post("/api/v1/aid/distributions/", {"enrolment": enrolment, "period": _period(24)})
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "period_outside_program"
    again = staff_a.post("/api/v1/aid/distributions/", {"enrolment": enrolment, "period": _period()})
    assert again.status_code == 200  # already planned: the same row
    new = staff_a.post("/api/v1/aid/distributions/", {"enrolment": enrolment, "period": _period(1), "amount": 5})
    assert new.status_code == 201 and new.json()["amount"] == 5
    plan = staff_a.post(f"/api/v1/aid/programs/{program.pk}/plan-period/", {"period": _period(1)})
    assert plan.json() == {"created": 2}


def test_distribution_pages(staff_a: Client, tenant_a: Tenant, setup: dict[str, Any]) -> None:
    pk = setup["distribution"].pk
    page = staff_a.get("/bansos/penyaluran/", {"program": setup["program"].pk}).content.decode()
    assert page.count('data-testid="distribution"') == 3 and make_nik(1) not in page
    partial = staff_a.get("/bansos/penyaluran/", {"status": "direncanakan"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    bad = staff_a.post(
        f"/bansos/penyaluran/{pk}/salurkan/",
        {"distributed_on": timezone.localdate().isoformat(), "proof": _photo(b"not an image")},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422 and "JPEG, PNG atau WebP" in bad.content.decode()
    ok = staff_a.post(
        f"/bansos/penyaluran/{pk}/salurkan/",
        {"distributed_on": timezone.localdate().isoformat(), "proof": _photo()},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and 'data-testid="status">Tersalurkan<' in ok.content.decode()
    with tenant_a:
        other = Distribution.objects.get(enrolment__beneficiary__name="Warga 3").pk
    failed = staff_a.post(f"/bansos/penyaluran/{other}/gagal/", {"reason": "Tidak di rumah"})
    assert failed.status_code == 302
    assert _state(tenant_a, other)[0] == "gagal"


def test_export_xlsx_and_csv_masks_nik(staff_a: Client, tenant_a: Tenant, setup: dict[str, Any]) -> None:
    with tenant_a:
        Distribution.objects.filter(pk=setup["distribution"].pk).update(status="gagal", failure_reason="=HYPERLINK(1)")
    response = staff_a.get("/bansos/penyaluran/ekspor/", {"format": "csv", "program": setup["program"].pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row["NIK (disamarkan)"] for row in rows} == {"3577********0001", "3577********0002", "3577********0003"}
    assert any(row["Alasan gagal"] == "'=HYPERLINK(1)" for row in rows)  # no formula injection
    assert make_nik(1) not in response.content.decode("utf-8-sig")

    xlsx = staff_a.get("/api/v1/aid/distributions/export/", {"file_format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["id", "Program", "Periode", "Nama", "NIK (disamarkan)"]
    assert len(values) == 4 and all(make_nik(i) not in str(values) for i in (1, 2, 3))
    assert staff_a.get("/api/v1/aid/distributions/export/", {"file_format": "pdf"}).status_code == 422


def test_admin_pages_render(staff_a: Client, setup: dict[str, Any]) -> None:
    for url in (
        "/admin/aid/program/",
        f"/admin/aid/program/{setup['program'].pk}/change/",
        "/admin/aid/program/add/",
        "/admin/aid/beneficiary/",
        "/admin/aid/beneficiary/add/",
        "/admin/aid/enrolment/",
        "/admin/aid/distribution/",
        "/admin/aid/distribution/export/",
        "/admin/aid/importbatch/",
    ):
        response = staff_a.get(url)
        assert response.status_code == 200, url
        assert make_nik(1) not in response.content.decode(), url


def test_service_rejects_future_date_directly(tenant_a: Tenant, setup: dict[str, Any]) -> None:
    with tenant_a:
        admin = User.objects.get(username="admin")
        with pytest.raises(ValidationFailed):
            services.mark_distributed(
                setup["distribution"], by=admin, distributed_on=date.today() + timedelta(days=5), proof=_photo()
            )


def test_date_inputs_carry_iso_values_browsers_accept(staff_a: Client, setup: dict[str, Any]) -> None:
    page = staff_a.get("/bansos/penyaluran/").content.decode()
    assert f'type="date" name="distributed_on" value="{timezone.localdate().isoformat()}"' in page


def test_api_list_filters_narrow_and_refuse_unreadable_values(
    staff_a: Client, tenant_a: Tenant, setup: dict[str, Any], make_program: ProgramFactory
) -> None:
    program = setup["program"]
    with tenant_a:
        today = timezone.localdate()
        other = make_program("PKH", start_date=today - timedelta(days=200), end_date=today + timedelta(days=200))
        warga_2 = Distribution.objects.get(enrolment__beneficiary__name="Warga 2").enrolment
        services.enrol(other, warga_2.beneficiary, by=None)
        services.plan_period(other, period=_period(1))
        services.withdraw(warga_2, by=None)
        Distribution.objects.filter(pk=setup["distribution"].pk).update(status="gagal", failure_reason="Pindah")

    def names(path: str, key: str, **params: Any) -> list[str]:
        response = staff_a.get(f"/api/v1/aid/{path}/", params)
        assert response.status_code == 200, response.content
        return sorted(row[key] for row in response.json()["results"])

    assert names("beneficiaries", "name", q="warga 3") == ["Warga 3"]
    assert names("enrolments", "program", program=other.pk) == [other.pk]
    assert names("enrolments", "status", program=program.pk, status="dicabut") == ["dicabut"]
    assert len(names("distributions", "id")) == 4
    assert names("distributions", "period", program=other.pk) == [_period(1)]
    assert names("distributions", "period", period=_period()) == [_period()] * 3
    assert names("distributions", "status", status="gagal") == ["gagal"]
    export = staff_a.get("/api/v1/aid/distributions/export/", {"file_format": "csv", "program": other.pk})
    assert export.status_code == 200 and len(list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))) == 1
    for path, bad, refused in (
        ("enrolments/", {"program": "satu"}, "program"),
        ("enrolments/", {"status": "semua"}, "status"),
        ("distributions/", {"program": "1.5"}, "program"),
        ("distributions/", {"period": "2026-13"}, "period"),
        ("distributions/", {"status": "x"}, "status"),
        ("distributions/export/", {"period": "Maret", "file_format": "csv"}, "period"),
    ):
        assert_refused(staff_a.get(f"/api/v1/aid/{path}", bad), refused)
