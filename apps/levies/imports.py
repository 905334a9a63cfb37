"""Issuing bills from a spreadsheet (xlsx/csv, read by apps.core.spreadsheets like the bansos and
product imports). Each row is issued by `services.do_issue_bill` in its own transaction: a bad row
is reported and skipped, the good ones are issued; a re-upload of the same file issues nothing
twice (each row's issue key: its `kunci` column, else levy + kelurahan + payer + period).

A payer is addressed by their account in the kelurahan (`akun`), by their NIK (`nik`), or both.
The NIK cell is checked and digested the moment it is read (`identity.digest_nik`): only the
digest reaches the register, and a refused cell's message never repeats it. The uploaded file is
never stored: the view hands its bytes to `import_bills` and drops them with the request
(Django keeps an upload over FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file that it deletes
when the request ends)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import DomainError, ValidationFailed
from apps.core.money import parse_rupiah
from apps.core.spreadsheets import column_map, read_table

from . import access, identity, services
from .models import Levy

COLUMNS = {
    "levy": ["kode", "kode retribusi", "jenis", "levy"],
    "kelurahan": ["kelurahan", "desa kelurahan"],
    "name": ["nama", "nama wajib bayar", "name"],
    "account": ["akun", "username", "nomor hp", "hp", "account"],
    "nik": ["nik", "nik wajib bayar", "nik wajib pajak", "nomor induk kependudukan"],
    "address": ["alamat", "alamat objek", "address"],
    "amount": ["jumlah", "tarif", "amount"],
    "period": ["masa", "periode", "period"],
    "due": ["jatuh tempo", "due"],
    "key": ["kunci", "key"],
}
# The cells behind do_issue_bill's typed text: a refusal (too long) names the column it came from.
TEXT_FIELDS = {"payer_name": "name", "payer_account": "account", "object_address": "address", "period_label": "period"}
REQUIRED = ("levy", "kelurahan", "name")
PAYER = ("account", "nik")  # at least one of them
MAX_ROWS = 2000


@dataclass
class ImportResult:
    issued: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _amount(raw: object) -> int | None:
    """The cell's amount ("25.000", "Rp25.000,00" or a number; see parse_rupiah); None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    amount = parse_rupiah(raw)
    if amount is None:
        raise ValidationFailed(_("Jumlah harus bilangan bulat rupiah."), code="invalid_amount")
    return amount


def _period(raw: object) -> str:
    """The masa as typed; a cell the spreadsheet turned into a date ("2026-03") is its month."""
    if isinstance(raw, datetime.date):
        return raw.strftime("%Y-%m")
    return str(raw or "")


def _due(raw: object) -> datetime.date | None:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw or "").strip()
    if not text:
        return None
    day = parse_date(text[:10])
    if day is None:
        raise ValidationFailed(_("Tanggal jatuh tempo harus TTTT-BB-HH."), code="invalid_date")
    return day


def import_bills(file_name: str, content: bytes, *, actor: User) -> ImportResult:
    if not access.is_finance_officer(actor):
        services._require_officer(actor)
    kota = services._kota()
    headers, rows = read_table(file_name, content)
    columns = column_map(headers, COLUMNS)
    missing = [name for name in REQUIRED if name not in columns]
    if not any(name in columns for name in PAYER):
        missing.append("akun/nik")
    if missing:
        raise ValidationFailed(
            _("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)}, code="missing_columns"
        )
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(_("Paling banyak %(n)s baris sekali unggah.") % {"n": MAX_ROWS}, code="too_many_rows")
    levies = {levy.code: levy for levy in Levy.objects.all()}
    result = ImportResult()

    def cell(row: list[object], name: str) -> object:
        # read_table gives "" for an empty cell (xlsx too), and "" here for a column not in the file.
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else ""

    for line, row in enumerate(rows, start=2):
        try:
            levy = levies.get(str(cell(row, "levy")).strip().upper())
            if levy is None:
                raise ValidationFailed(_("Kode retribusi/pajak tidak dikenal."), code="unknown_levy")
            kelurahan = services.kelurahan_of_kota(kota, slug=str(cell(row, "kelurahan")))
            bill = services.do_issue_bill(
                levy,
                kelurahan=kelurahan,
                payer_name=str(cell(row, "name")),
                payer_account=str(cell(row, "account")),
                payer_nik_digest=identity.optional_digest(cell(row, "nik")),
                object_address=str(cell(row, "address")),
                amount=_amount(cell(row, "amount")),
                period_label=_period(cell(row, "period")),
                due_on=_due(cell(row, "due")),
                issue_key=str(cell(row, "key")).strip(),
                actor=actor,
            )
        except DomainError as exc:
            column = TEXT_FIELDS.get(str(exc.details.get("field", "")))
            if column is not None and column in columns:
                header = str(headers[columns[column]]).strip()
                result.errors.append(
                    _("Baris %(line)s, kolom %(column)s: %(error)s")
                    % {"line": line, "column": header, "error": exc.message}
                )
                continue
            result.errors.append(_("Baris %(line)s: %(error)s") % {"line": line, "error": exc.message})
            continue
        result.issued.append(bill.number)
    return result
