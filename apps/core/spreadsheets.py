"""Reading uploaded xlsx/csv tables for imports (bansos beneficiaries, marketplace products).

Both imports accept the same files: xlsx (checked by its zip signature) or csv (UTF-8 with or
without BOM, else cp1252; `;` or `,` as separator), at most 5 MB, with headers matched to
columns through aliases after normalising case, spaces and punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from apps.core.errors import DomainError, ValidationFailed
from apps.core.text import clean_text

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def normalise_header(value: object) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(value or "").lower()).split())


def column_map(headers: Sequence[object], columns: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Index of each known column (by any of its aliases) in `headers`; first match wins."""
    aliases = {alias: key for key, names in columns.items() for alias in names}
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = aliases.get(normalise_header(header))
        if key and key not in found:
            found[key] = index
    return found


def read_table(file_name: str, content: bytes) -> tuple[list[object], list[list[object]]]:
    """Headers and rows of an uploaded .xlsx or .csv; a clear ValidationFailed otherwise. An empty
    cell is "" whichever the format; xlsx numbers and dates keep their type."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(_("Berkas terlalu besar (maks. 5 MB)."), code="file_too_large")
    name = file_name.lower()
    try:
        if name.endswith(".xlsx"):
            if not content.startswith(b"PK\x03\x04"):
                raise ValidationFailed(_("Berkas bukan xlsx yang valid."), code="unreadable_file")
            dataset = XLSX().create_dataset(content)
        elif name.endswith(".csv"):
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("cp1252", errors="replace")
            first_line = text.split("\n", 1)[0]
            delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
            dataset = CSV().create_dataset(text, delimiter=delimiter)
        else:
            raise ValidationFailed(_("Format berkas harus .xlsx atau .csv."), code="unsupported_format")
    except DomainError:
        raise
    except StopIteration:
        raise ValidationFailed(_("Berkas kosong."), code="empty_file") from None
    except Exception:  # a broken workbook or CSV: openpyxl/zipfile/csv raise many kinds
        raise ValidationFailed(_("Berkas tidak bisa dibaca."), code="unreadable_file") from None
    # Imported text is user text too: without the characters XML 1.0 and PostgreSQL refuse. An
    # empty xlsx cell (None from openpyxl) is "" as in a CSV, so no caller tells the two apart.
    return [_clean(h) for h in dataset.headers or []], [[_clean(cell) for cell in row] for row in dataset]


def _clean(value: object) -> object:
    """A cell as the importers read it: text cleaned, an empty cell "", numbers and dates kept."""
    if value is None:
        return ""
    return clean_text(value) if isinstance(value, str) else value
