"""apps.core.spreadsheets.read_table: an empty cell is "" whether the file is xlsx or csv (openpyxl
gives None for it); xlsx numbers and dates keep their type."""

from __future__ import annotations

import datetime

from apps.core.spreadsheets import read_table
from tests.spreadsheets import xlsx_bytes


def test_empty_xlsx_cells_are_empty_text_like_csv() -> None:
    day = datetime.datetime(2026, 3, 1)
    headers, rows = read_table(
        "daftar.xlsx",
        xlsx_bytes([["nama", None, "jumlah", "tanggal"], ["Joko", None, 25000, day], [None, None, None, None]]),
    )
    assert headers == ["nama", "", "jumlah", "tanggal"]
    assert rows == [["Joko", "", 25000, day], ["", "", "", ""]]
    assert isinstance(rows[0][2], int) and isinstance(rows[0][3], datetime.datetime)
    csv_headers, csv_rows = read_table("daftar.csv", b"nama,,jumlah,tanggal\nJoko,,25000,2026-03-01\n,,,\n")
    assert csv_headers == headers
    assert csv_rows == [["Joko", "", "25000", "2026-03-01"], ["", "", "", ""]]
    assert not any(cell is None for row in rows + csv_rows for cell in row)
