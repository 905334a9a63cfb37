"""Reading a beneficiary list (xlsx or csv) into validated rows, with django-import-export's
format readers. No database access here: the dry run against the database is in services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import DomainError, ValidationFailed
from apps.core.spreadsheets import column_map, read_table

from .identity import Person, build_person

# The dry run is a background job (apps.aid.jobs, `bulk` queue), no longer bound by the web
# timeout: ~11 ms a row, so 20,000 rows stay well inside the job's soft time limit.
MAX_IMPORT_ROWS = 20000
FIRST_DATA_LINE = 2  # line 1 is the header, as the operator sees it in a spreadsheet

# Column names an operator may use, normalised (lower case, words separated by one space).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no nik", "nomor nik", "nomor induk kependudukan"),
    "kk": ("kk", "no kk", "nomor kk", "no kartu keluarga", "nomor kartu keluarga"),
    "name": ("nama", "nama lengkap", "nama penerima", "name"),
    "address": ("alamat", "address"),
    "rt": ("rt", "no rt"),
    "rw": ("rw", "no rw"),
    "household_income": (
        "penghasilan",
        "penghasilan rumah tangga",
        "penghasilan per bulan",
        "penghasilan rumah tangga per bulan",
        "income",
    ),
}
REQUIRED_COLUMNS = ("nik", "name", "rt", "rw")


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str
    who: str = ""  # masked NIK when the NIK itself was readable

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "message": self.message, "who": self.who}


@dataclass(frozen=True)
class ParsedRow:
    line: int
    person: Person


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0


def _blank(values: list[object]) -> bool:
    # read_table gives "" for an empty cell, xlsx or csv alike.
    return all(isinstance(value, str) and not value.strip() for value in values)


def check_file(file_name: str, content: bytes, *, family_target: bool) -> int:
    """The whole-file checks only (readable, required columns, 1..MAX_IMPORT_ROWS data rows),
    cheap enough for the upload request; returns the number of data rows. The row checks run
    in the import job (apps.aid.jobs)."""
    headers, table = read_table(file_name, content)
    _check_columns(headers, family_target=family_target)
    count = sum(1 for values in table if not _blank(values))
    if count > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            _("Terlalu banyak baris (maks. %(max)d).") % {"max": MAX_IMPORT_ROWS}, code="too_many_rows"
        )
    if count == 0:
        raise ValidationFailed(_("Berkas tidak berisi baris data."), code="empty_file")
    return count


def _check_columns(headers: list[object], *, family_target: bool) -> dict[str, int]:
    columns = column_map(headers, COLUMNS)
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if family_target and "kk" not in columns:
        missing.append("kk")
    if missing:
        names = ", ".join(
            COLUMNS[key][0].upper() if key in ("nik", "kk", "rt", "rw") else COLUMNS[key][0] for key in missing
        )
        raise ValidationFailed(
            _("Kolom wajib tidak ada: %(columns)s.") % {"columns": names}, code="missing_columns", columns=missing
        )
    return columns


def parse_file(file_name: str, content: bytes, *, family_target: bool) -> ParsedFile:
    """Rows that are well formed and unique within the file, and an error per bad row.

    `family_target`: the program counts families (No. KK required, one row per No. KK).
    Raises ValidationFailed when the file as a whole is unusable.
    """
    headers, table = read_table(file_name, content)
    columns = _check_columns(headers, family_target=family_target)
    result = ParsedFile()
    seen_nik: dict[str, int] = {}
    seen_kk: dict[str, int] = {}
    for offset, values in enumerate(table):
        line = FIRST_DATA_LINE + offset
        if _blank(values):
            continue
        result.row_count += 1
        if result.row_count > MAX_IMPORT_ROWS:
            raise ValidationFailed(
                _("Terlalu banyak baris (maks. %(max)d).") % {"max": MAX_IMPORT_ROWS}, code="too_many_rows"
            )
        cells = {key: (values[index] if index < len(values) else "") for key, index in columns.items()}
        try:
            person = build_person(
                nik=cells.get("nik"),
                kk=cells.get("kk") or "",
                name=cells.get("name"),
                address=cells.get("address") or "",
                rw=cells.get("rw"),
                rt=cells.get("rt"),
                household_income=cells.get("household_income"),
            )
        except DomainError as exc:
            result.errors.append(RowError(line, exc.code, str(exc.message)))
            continue
        if family_target and not person.kk_hash:
            result.errors.append(
                RowError(line, "kk_required", _("No. KK wajib untuk program sasaran keluarga."), person.nik_masked)
            )
            continue
        if person.nik_hash in seen_nik:
            message = _("Baris duplikat: NIK yang sama sudah ada di baris %(line)d.") % {
                "line": seen_nik[person.nik_hash]
            }
            result.errors.append(RowError(line, "duplicate_row", message, person.nik_masked))
            continue
        if family_target and person.kk_hash in seen_kk:
            message = _("Baris duplikat: No. KK yang sama sudah ada di baris %(line)d.") % {
                "line": seen_kk[person.kk_hash]
            }
            result.errors.append(RowError(line, "duplicate_row", message, person.nik_masked))
            continue
        seen_nik[person.nik_hash] = line
        if person.kk_hash:
            seen_kk.setdefault(person.kk_hash, line)
        result.rows.append(ParsedRow(line, person))
    if result.row_count == 0:
        raise ValidationFailed(_("Berkas tidak berisi baris data."), code="empty_file")
    return result
