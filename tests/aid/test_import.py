"""Beneficiary import: dry run with row errors and nothing written; confirm re-validates and
writes every row or none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.aid import services
from apps.aid.identity import build_person
from apps.aid.models import Beneficiary, Enrolment, ImportBatch, Program, TargetType
from apps.core.errors import ValidationFailed
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import ProgramFactory, csv_file, make_kk, make_nik, xlsx_file

pytestmark = pytest.mark.django_db


def _nothing_written() -> None:
    assert Beneficiary.objects.count() == 0
    assert Enrolment.objects.count() == 0


def _bad_rows() -> list[list[object]]:
    return [
        [make_nik(1), make_kk(1), "Sumarni", "Jl. Mawar 1", 1, 1, 1_000_000],  # line 2: fine
        ["3577123", make_kk(2), "NIK pendek", "", 1, 1, ""],  # line 3: bad NIK
        [make_nik(1), make_kk(3), "Sumarni lagi", "", 1, 1, ""],  # line 4: duplicate of line 2
        [make_nik(4), make_kk(4), "Paijo", "", 9, 9, ""],  # line 5: unknown RT
        [make_nik(5), make_kk(5), "Tukiyem", "", 2, 1, ""],  # line 6: fine, but quota is 2
        [make_nik(6), make_kk(6), "Ngatini", "", 2, 2, ""],  # line 7: over quota
        [make_nik(7, born=timezone.localdate().replace(year=2020)), "", "", "", 1, 1, ""],  # line 8: no name
    ]


def test_preview_lists_every_row_error_and_writes_nothing(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    with tenant_a:
        program = make_program(quota=2)
        batch = services.preview_import(program, file_name="daftar.csv", content=csv_file(_bad_rows()), by=None)
        errors = {e["line"]: e for e in batch.errors}
        assert sorted(errors) == [3, 4, 5, 7, 8]
        assert errors[3]["code"] == "invalid_nik" and "16 digit" in errors[3]["message"]
        assert errors[4]["code"] == "duplicate_row" and "baris 2" in errors[4]["message"]
        assert errors[5]["code"] == "unknown_rt" and "RT 09/RW 09" in errors[5]["message"]
        assert errors[7]["code"] == "over_quota"
        assert errors[8]["code"] == "name_required"
        assert batch.row_count == 7 and batch.status == ImportBatch.Status.PREVIEW
        _nothing_written()
        # staged rows never hold a full NIK
        assert make_nik(1) not in str(batch.rows) and "3577********0001" in str(batch.rows)


def test_confirm_with_errors_is_refused_and_writes_nothing(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    with tenant_a:
        program = make_program(quota=2)
        batch = services.preview_import(program, file_name="daftar.csv", content=csv_file(_bad_rows()), by=None)
        with pytest.raises(ValidationFailed) as info:
            services.confirm_import(batch, by=None)
        assert info.value.code == "import_has_errors" and len(info.value.details["rows"]) == 5
        _nothing_written()
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEW


def test_clean_xlsx_writes_all_rows_in_one_go(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    rows: list[list[object]] = [
        [
            int(make_nik(i, female=i % 2 == 0)),
            make_kk(i),
            f"Warga {i}",
            f"Jl. Uji {i}",
            (i % 3) + 1,
            (i % 2) + 1,
            1_500_000,
        ]
        for i in range(1, 13)
    ]
    with tenant_a:
        program = make_program(quota=20, target_type=TargetType.KK, max_household_income=2_000_000)
        batch = services.preview_import(program, file_name="daftar.xlsx", content=xlsx_file(rows), by=None)
        assert batch.errors == [] and batch.row_count == 12
        _nothing_written()
        confirmed = services.confirm_import(batch, by=None)
        assert confirmed.status == ImportBatch.Status.CONFIRMED and confirmed.rows == []
        assert Enrolment.objects.filter(program=program, import_batch=batch).count() == 12
        assert Beneficiary.objects.filter(sex="P").count() == 6
        # a double submit writes nothing more
        services.confirm_import(confirmed, by=None)
        assert Enrolment.objects.count() == 12


def test_confirm_revalidates_and_is_all_or_nothing(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    """Between preview and confirm another operator fills the last quota place: the confirm
    finds it, keeps nothing of the file, and shows the new error."""
    rows: list[list[object]] = [[make_nik(i), "", f"Warga {i}", "", 1, 1, ""] for i in range(1, 4)]
    with tenant_a:
        program = make_program(quota=3)
        batch = services.preview_import(program, file_name="daftar.csv", content=csv_file(rows), by=None)
        assert batch.errors == []
        other = build_person(nik=make_nik(99), name="Datang duluan", rw=2, rt=2)
        services.enrol_person(program, other, by=None)
        with pytest.raises(ValidationFailed) as info:
            services.confirm_import(batch, by=None)
        assert info.value.details["rows"][0]["line"] == 4
        assert info.value.details["rows"][0]["code"] == "over_quota"
        assert Enrolment.objects.filter(program=program).count() == 1  # only the other operator's
        assert Beneficiary.objects.count() == 1
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEW and batch.errors[0]["line"] == 4


def test_expired_preview_cannot_be_confirmed(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    with tenant_a:
        program = make_program()
        batch = services.preview_import(
            program, file_name="d.csv", content=csv_file([[make_nik(1), "", "A", "", 1, 1, ""]]), by=None
        )
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(days=2))
        with pytest.raises(ValidationFailed) as info:
            services.confirm_import(batch, by=None)
        assert info.value.code == "import_expired"
        _nothing_written()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("daftar.pdf", b"%PDF-1.4", "unsupported_format"),
        ("daftar.xlsx", b"not a zip", "unreadable_file"),
        ("daftar.csv", b"Nama,Alamat\nA,B\n", "missing_columns"),
        ("daftar.csv", b"NIK,Nama,RT,RW\n", "empty_file"),
        ("daftar.xlsx", b"PK\x03\x04garbage", "unreadable_file"),
    ],
)
def test_unusable_files_are_refused_whole(
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    make_program: ProgramFactory,
    name: str,
    content: bytes,
    code: str,
) -> None:
    with tenant_a:
        program = make_program()
        with pytest.raises(ValidationFailed) as info:
            services.preview_import(program, file_name=name, content=content, by=None)
        assert info.value.code == code
        assert not ImportBatch.objects.exists()


def test_semicolon_csv_with_indonesian_numbers(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    rows: list[list[object]] = [[make_nik(1), make_kk(1), "Sumarni", "Jl. Mawar; Gg. 2", 1, 1, "1.250.000"]]
    content = csv_file(rows, delimiter=";").replace(b"Jl. Mawar; Gg. 2", b'"Jl. Mawar; Gg. 2"')
    with tenant_a:
        program = make_program(max_household_income=1_500_000)
        batch = services.preview_import(program, file_name="daftar.CSV", content=content, by=None)
        assert batch.errors == []
        services.confirm_import(batch, by=None)
        beneficiary = Beneficiary.objects.get()
        assert beneficiary.household_income == 1_250_000 and beneficiary.address == "Jl. Mawar; Gg. 2"


def test_family_program_needs_kk_and_one_row_per_family(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    rows: list[list[object]] = [
        [make_nik(1), make_kk(1), "Ayah", "", 1, 1, ""],
        [make_nik(2, female=True), make_kk(1), "Ibu", "", 1, 1, ""],
        [make_nik(3), "", "Tanpa KK", "", 1, 1, ""],
    ]
    with tenant_a:
        program = make_program(target_type=TargetType.KK)
        batch = services.preview_import(program, file_name="kk.csv", content=csv_file(rows), by=None)
        codes = {e["line"]: e["code"] for e in batch.errors}
        assert codes == {3: "duplicate_row", 4: "kk_required"}


def test_import_pages_preview_then_confirm(
    staff_a: Client, tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    with tenant_a:
        program = make_program(quota=2)
    upload = SimpleUploadedFile("daftar.csv", csv_file(_bad_rows()), content_type="text/csv")
    response = staff_a.post("/bansos/impor/", {"program": program.pk, "file": upload}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Push-Url"].startswith("/bansos/impor/")
    page = response.content.decode()
    assert 'data-testid="row-errors"' in page and "NIK harus 16 digit angka." in page
    assert 'data-testid="confirm"' not in page  # no confirm button while rows are wrong
    with tenant_a:
        batch = ImportBatch.objects.get()
        _nothing_written()
    refused = staff_a.post(f"/bansos/impor/{batch.uuid}/konfirmasi/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "baris bermasalah" in refused.content.decode()

    good = csv_file([[make_nik(1), "", "Sumarni", "", 1, 1, ""], [make_nik(2), "", "Paijo", "", 3, 2, ""]])
    response = staff_a.post("/bansos/impor/", {"program": program.pk, "file": SimpleUploadedFile("ok.csv", good)})
    assert response.status_code == 302
    preview = staff_a.get(response["Location"]).content.decode()
    assert 'data-testid="confirm"' in preview and "3577********0001" in preview and make_nik(1) not in preview
    with tenant_a:
        _nothing_written()
        batch = ImportBatch.objects.get(file_name="ok.csv")
    done = staff_a.post(f"/bansos/impor/{batch.uuid}/konfirmasi/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Redirect"] == f"/bansos/program/{program.pk}/"
    with tenant_a:
        assert Enrolment.objects.filter(program=program).count() == 2


def test_admin_import_preview_and_confirm(
    staff_a: Client, tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    with tenant_a:
        program = make_program(quota=2)
    url = f"/admin/aid/program/{program.pk}/impor/"
    assert staff_a.get(url).status_code == 200
    bad = staff_a.post(url, {"program": program.pk, "file": SimpleUploadedFile("x.csv", csv_file(_bad_rows()))})
    assert bad.status_code == 302
    preview_url = bad["Location"]
    page = staff_a.get(preview_url).content.decode()
    assert "Kuota BLT Uji sudah penuh" in page and 'name="confirm"' not in page
    refused = staff_a.post(preview_url, {"confirm": "1"})
    assert refused.status_code == 422
    with tenant_a:
        _nothing_written()
    ok = staff_a.post(
        url,
        {"program": program.pk, "file": SimpleUploadedFile("y.csv", csv_file([[make_nik(1), "", "A", "", 1, 1, ""]]))},
    )
    confirmed = staff_a.post(ok["Location"], {"confirm": "1"})
    assert confirmed.status_code == 302
    with tenant_a:
        assert Enrolment.objects.filter(program=program).count() == 1


def test_import_api(
    staff_a: Client, tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    with tenant_a:
        program = make_program(quota=2)
    response = staff_a.post(
        "/api/v1/aid/imports/", {"program": program.pk, "file": SimpleUploadedFile("x.csv", csv_file(_bad_rows()))}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["row_count"] == 7 and body["valid_rows"] == 2
    assert [e["line"] for e in body["row_errors"]] == [3, 4, 5, 7, 8]
    refused = staff_a.post(f"/api/v1/aid/imports/{body['id']}/confirm/")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "import_has_errors"
    with tenant_a:
        _nothing_written()
        assert Program.objects.get().enrolments.count() == 0


def test_too_many_rows_are_refused_before_touching_the_database(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    from apps.aid.importing import MAX_IMPORT_ROWS

    rows: list[list[object]] = [[make_nik(i + 1), "", f"W{i}", "", 1, 1, ""] for i in range(MAX_IMPORT_ROWS + 1)]
    with tenant_a:
        program = make_program()
        with pytest.raises(ValidationFailed) as info:
            services.preview_import(program, file_name="besar.csv", content=csv_file(rows), by=None)
        assert info.value.code == "too_many_rows"
        _nothing_written()
