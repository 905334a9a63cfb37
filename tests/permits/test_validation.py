"""Bad input gets a clear 422 (or 409/403) and changes nothing: no permit, no event, no file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.core import uploads
from apps.core.errors import Conflict, ValidationFailed
from apps.notifications.models import Message
from apps.permits import services
from apps.permits.models import Permit, PermitEvent
from apps.permits.services import applications as permit_applications
from apps.tenancy.models import Tenant

from .conftest import JPEG, PDF, PNG, People, application, logged_in, submitted_permit, upload

pytestmark = pytest.mark.django_db


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def assert_nothing_written(media_root: Path) -> None:
    assert Permit.objects.count() == 0
    assert PermitEvent.objects.count() == 0
    assert Message.objects.count() == 0
    assert stored_files(media_root) == []


BAD = [
    ({"nik": "357703520885000"}, "invalid_nik", "nik", "16 digit"),
    ({"nik": "9977035208850001"}, "invalid_nik", "nik", "wilayah"),
    ({"nik": "3598035208850001"}, "invalid_nik", "nik", "wilayah"),  # no kota 35.98 in Jawa Timur
    ({"nik": "3577033102850001"}, "invalid_nik", "nik", "Tanggal lahir"),
    ({"nik": "3577030101200001"}, "invalid_nik", "nik", "minimal 17 tahun"),  # born 2020
    ({"kbli_code": "5610"}, "invalid_kbli", "kbli_code", "5 digit"),
    ({"kbli_code": "99999"}, "unknown_kbli", "kbli_code", "tidak ada dalam daftar"),
    ({"lat": "", "lng": ""}, "incomplete", None, "lokasi usaha di peta"),
    ({"lat": "-7.6375", "lng": ""}, "invalid_location", "location", "lintang dan bujur"),
    ({"lat": "51.5", "lng": "-0.12"}, "invalid_location", "location", "luar wilayah Indonesia"),
    ({"lat": "-6.2", "lng": "106.8"}, "invalid_location", "location", "km dari Kelurahan Mojorejo"),
    ({"lat": "abc", "lng": "111.5"}, "invalid_location", "location", "angka"),
    ({"capital": 1_000_000_001}, "validation_failed", "capital", "Rp1.000.000.000"),
    ({"capital": -5}, "validation_failed", "capital", "Rp1.000.000.000"),
    ({"capital": "dua juta"}, "validation_failed", "capital", "bilangan bulat"),
    ({"workers": -1}, "validation_failed", "workers", "antara 0 dan 1000"),
    ({"business_name": "  "}, "validation_failed", "business_name", "wajib diisi"),
    ({"ktp_scan": None}, "incomplete", None, "scan KTP"),
    (
        {"ktp_scan": upload("besar.jpg", JPEG + b"\x00" * services.MAX_UPLOAD_BYTES)},
        "file_too_large",
        "ktp_scan",
        "paling besar 2 MB",
    ),
    ({"ktp_scan": upload("ktp.jpg", b"GIF89a" + b"\x00" * 50, "image/jpeg")}, "file_type", "ktp_scan", "JPEG/PNG/PDF"),
    ({"ktp_scan": upload("ktp.jpg", b"", "image/jpeg")}, "file_empty", "ktp_scan", "kosong"),
    ({"premises_photo": upload("foto.jpg", PDF, "image/jpeg")}, "file_type", "premises_photo", "JPEG/PNG"),
    ({"premises_photo": upload("foto.png", b"<svg/>", "image/png")}, "file_type", "premises_photo", "JPEG/PNG"),
]


@pytest.mark.parametrize(("overrides", "code", "field", "text"), BAD, ids=[b[1] + ":" + b[3] for b in BAD])
def test_bad_applications_are_refused_with_nothing_written(
    tenant_a: Tenant,
    people: People,
    media_root: Path,
    overrides: dict[str, Any],
    code: str,
    field: str | None,
    text: str,
) -> None:
    with tenant_a:
        with pytest.raises(ValidationFailed) as info:
            services.create_permit(actor=people.owner, submit=True, **application(**overrides))
        assert info.value.status_code == 422
        assert info.value.code == code
        assert info.value.details.get("field") == field
        assert text in str(info.value.message)
        assert_nothing_written(media_root)


def test_a_file_stored_before_a_database_failure_is_removed(
    tenant_a: Tenant, people: People, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    with tenant_a:
        monkeypatch.setattr(permit_applications, "_record", broken)  # create_permit's own lookup
        with pytest.raises(RuntimeError):
            services.create_permit(actor=people.owner, submit=True, **application())
        assert stored_files(media_root) == []


def test_files_are_typed_by_content_not_by_name(tenant_a: Tenant, people: People, media_root: Path) -> None:
    with tenant_a:
        permit = services.create_permit(
            actor=people.owner,
            submit=True,
            **application(
                ktp_scan=upload("scan.png", PDF, "image/png"),  # a PDF named .png
                premises_photo=upload("foto.pdf", JPEG, "application/pdf"),  # a JPEG named .pdf
            ),
        )
        assert permit.ktp_scan_type == "application/pdf" and permit.ktp_scan.name.endswith(".pdf")
        assert permit.premises_photo_type == "image/jpeg" and permit.premises_photo.name.endswith(".jpg")
        assert permit.ktp_scan.name.startswith(f"permits/{permit.uuid}/ktp-")
        on_disk = stored_files(media_root)
        assert len(on_disk) == 2 and all(tenant_a.schema_name in p.parts for p in on_disk)
        exactly_2mb = upload("ok.png", PNG + b"\x00" * (services.MAX_UPLOAD_BYTES - len(PNG)))
        assert services.clean_upload(exactly_2mb, "premises_photo").kind == uploads.PNG


def test_a_submitted_permit_cannot_be_edited(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        with pytest.raises(Conflict) as info:
            services.update_permit(permit, actor=people.owner, business_name="Nama Baru")
        assert info.value.code == "not_editable"
        assert Permit.objects.get(pk=permit.pk).business_name == "Pecel Madiun Bu Sri"


def test_returned_permit_is_completed_and_resubmitted(tenant_a: Tenant, people: People, media_root: Path) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        old_photo = permit.premises_photo.name
        permit = services.return_for_completion(permit, people.ketua_rt, "Foto tempat usaha buram")
        updated = services.update_permit(
            permit,
            actor=people.owner,
            premises_photo=upload("baru.jpg", JPEG),
            capital=30_000_000,
            nik="3577035208850001",  # unchanged: not recorded as a change
        )
        event = updated.events.get(action="update")
        assert event.reason == "Diubah: modal, foto tempat usaha"
        assert "3577035208850001" not in event.reason
        assert updated.premises_photo.name != old_photo
        assert services.resubmit(updated, people.owner).status == "submitted"
        # a bad edit changes nothing
        permit = services.return_for_completion(updated, people.ketua_rt, "KBLI salah")
        with pytest.raises(ValidationFailed):
            services.update_permit(permit, actor=people.owner, kbli_code="00000", capital=1)
        assert Permit.objects.get(pk=permit.pk).capital == 30_000_000


def test_api_bad_input_is_422_in_the_error_format(tenant_a: Tenant, people: People, media_root: Path) -> None:
    client = logged_in(tenant_a, people.owner)
    response = client.post(
        "/api/v1/permits/",
        {**application(nik="1234"), "submit": "true"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_nik" and error["details"] == {"field": "nik"}
    assert "16 digit" in error["message"]
    # a serializer-level problem is 422 too, never DRF's 400
    response = client.post("/api/v1/permits/", {"nik": "x"}, content_type="application/json")
    assert response.status_code == 422 and "business_name" in response.json()["error"]["details"]
    oversized = application(ktp_scan=upload("big.jpg", JPEG + b"\x00" * services.MAX_UPLOAD_BYTES))
    response = client.post("/api/v1/permits/", {**oversized, "submit": "true"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "file_too_large"
    with tenant_a:
        assert_nothing_written(media_root)


def test_page_bad_input_is_422_and_shows_the_message(tenant_a: Tenant, people: People, media_root: Path) -> None:
    client = logged_in(tenant_a, people.owner)
    data = {**application(kbli_code="99999"), "submit_now": "1"}
    response = client.post("/izin/ajukan/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Kode KBLI 99999 tidak ada dalam daftar" in page and 'data-testid="error-kbli_code"' in page
    response = client.post("/izin/ajukan/", {**application(lat="", lng=""), "submit_now": "1"})
    assert response.status_code == 422 and "lokasi usaha di peta" in response.content.decode()
    # The chosen files wait, private and short-lived, for the corrected form (apps.core.files.kept);
    # no permit, event, message or permit file exists.
    kept = [p for p in stored_files(media_root) if "/kept/" in p.as_posix()]
    assert kept and all("/private/" in p.as_posix() for p in kept)
    for path in kept:
        path.unlink()
    with tenant_a:
        assert_nothing_written(media_root)
