"""An empty xlsx cell (None from openpyxl, "" after apps.core.spreadsheets.read_table) is read by the
bansos import exactly as an empty csv cell: the same refusals on the same lines, the same staged rows."""

from __future__ import annotations

import pytest

from apps.aid import services
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import ProgramFactory, csv_file, make_nik, xlsx_file

pytestmark = pytest.mark.django_db

ROWS: list[list[object]] = [
    # NIK, No KK, Nama, Alamat, RT, RW, Penghasilan
    [None, None, "Tanpa NIK", None, 1, 1, None],  # line 2
    [make_nik(2), None, "Tanpa RT", None, None, 1, None],  # line 3
    [make_nik(3), None, "Tanpa RW", None, 1, None, None],  # line 4
    [make_nik(4), None, None, None, 1, 1, None],  # line 5: no name
    [make_nik(5), None, "Sumarni", None, 1, 1, None],  # line 6: fine, empty No KK/alamat/penghasilan
    [None, None, None, None, None, None, None],  # line 7: a blank row, skipped
    [make_nik(8), None, "Paijo", None, 2, 1, 900_000],  # line 8: fine
]


@pytest.mark.parametrize("file_name", ["daftar.xlsx", "daftar.csv"])
def test_empty_cells_read_the_same_in_xlsx_and_csv(
    file_name: str, tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    content = xlsx_file(ROWS) if file_name.endswith(".xlsx") else csv_file(ROWS)  # csv_file writes None as ""
    with tenant_a:
        program = make_program(quota=10)
        batch = services.preview_import(program, file_name=file_name, content=content, by=None)
    assert [(error["line"], error["code"], error["message"]) for error in batch.errors] == [
        (2, "invalid_nik", "NIK wajib diisi."),
        (3, "unit_required", "RT dan RW wajib diisi."),
        (4, "unit_required", "RT dan RW wajib diisi."),
        (5, "name_required", "Nama wajib diisi."),
    ]
    assert batch.row_count == 6
    staged = {row["line"]: row["person"] for row in batch.rows}
    assert sorted(staged) == [6, 8]
    assert (staged[6]["name"], staged[6]["address"], staged[6]["kk_hash"], staged[6]["household_income"]) == (
        "Sumarni",
        "",
        "",
        None,
    )
    assert (staged[8]["rt"], staged[8]["rw"], staged[8]["household_income"]) == (2, 1, 900_000)
