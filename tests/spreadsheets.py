"""Spreadsheet uploads as an officer's Excel makes them, for the import tests."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook


def xlsx_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet with these rows (the first is usually the header); None leaves a cell empty."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
