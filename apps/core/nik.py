"""NIK and No. KK: reading, structure and plausibility checks, masking. No Django import.

A NIK (Nomor Induk Kependudukan) is 16 digits: PP KK CC (province, kabupaten/kota, kecamatan
of registration) + DDMMYY (birth date; women add 40 to the day) + a 4-digit serial. A No. KK
(family card number) is also 16 digits and starts with the same region code. Both are personal
data (UU 27/2022): callers keep a keyed digest (`apps.core.personal_data`) and, if they must,
an encrypted copy, and only ever show `mask(number)`.

Refusals raise `InvalidNumber` whose `code` says which check failed (`EMPTY`, `FORMAT`,
`REGION`, `BIRTH_DATE`, `SERIAL`); each app turns codes into its own translated messages. The
exception text never contains the number.

Checks run left to right over the number: empty, 16 ASCII digits, region (known province,
kabupaten/kota 01-69 or 71-99, kecamatan not 00, optionally a given list of kabupaten/kota),
birth date (NIK only: a real date, not in the future, not more than `MAX_AGE_YEARS` ago), serial
not 0000.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

# Kemendagri province codes in use (../data/wilayah, level 1): Sumatra 11-19, Kepri 21,
# Java 31-36, Bali/NT 51-53, Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82, Papua 91-96.
PROVINCES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
        "31", "32", "33", "34", "35", "36",
        "51", "52", "53",
        "61", "62", "63", "64", "65",
        "71", "72", "73", "74", "75", "76",
        "81", "82",
        "91", "92", "93", "94", "95", "96",
    }
)  # fmt: skip

MAX_AGE_YEARS = 120

# Why a number was refused (`InvalidNumber.code`).
EMPTY = "empty"
FORMAT = "format"
REGION = "region"
BIRTH_DATE = "birth_date"
SERIAL = "serial"

_TYPED_SEPARATORS = re.compile(r"[\s.\-]")
_CELL_SEPARATORS = re.compile(r"[\s.\-']")


class InvalidNumber(ValueError):
    """`code` says which check failed; the message never contains the number itself."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NikInfo:
    nik: str  # the 16 digits
    province: str  # PP
    regency: str  # PP.KK
    district: str  # PP.KK.CC
    birth_date: date
    female: bool
    serial: str


def normalize(raw: str | None) -> str:
    """A number as typed in a form: drop the spaces, dots and dashes people put between groups."""
    return _TYPED_SEPARATORS.sub("", raw or "")


def digits_of(raw: object) -> str:
    """A number as a spreadsheet cell holds it: an int, a float, `3577 0101 ...`, `'3577...`,
    `3577....0` or `3.5770301010001E+15` (a CSV saved by Excel). Lenient on purpose; the result
    still goes through the checks."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 2**53:
            return str(int(raw))
        return str(raw)
    text = str(raw).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return text.split(".")[0]
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text
        if value == value.to_integral_value():
            return str(int(value))
    return _CELL_SEPARATORS.sub("", text)


def _clean(raw: object, spreadsheet: bool) -> str:
    if spreadsheet:
        return digits_of(raw)
    return normalize(raw if isinstance(raw, str) or raw is None else str(raw))


def _check_region(number: str, what: str, known_regencies: Container[str] | None) -> str:
    """The checks every 16-digit population number shares; returns the PP.KK code."""
    if not number:
        raise InvalidNumber(EMPTY, f"{what} wajib diisi.")
    if len(number) != 16 or not number.isascii() or not number.isdigit():
        raise InvalidNumber(FORMAT, f"{what} harus 16 digit angka.")
    province, regency, district = number[0:2], number[2:4], number[4:6]
    if province not in PROVINCES:
        raise InvalidNumber(REGION, f"Kode provinsi pada {what} tidak dikenal.")
    if regency in ("00", "70"):  # kabupaten are 01-69, kota 71-99
        raise InvalidNumber(REGION, f"Kode kabupaten/kota pada {what} tidak valid.")
    if district == "00":
        raise InvalidNumber(REGION, f"Kode kecamatan pada {what} tidak valid.")
    regency_code = f"{province}.{regency}"
    if known_regencies is not None and regency_code not in known_regencies:
        raise InvalidNumber(REGION, f"Kode kabupaten/kota pada {what} tidak ada dalam daftar wilayah Kemendagri.")
    return regency_code


def _check_serial(number: str, what: str) -> None:
    if number[12:16] == "0000":
        raise InvalidNumber(SERIAL, f"Nomor urut pada {what} tidak valid.")


def parse_nik(
    raw: object,
    *,
    today: date | None = None,
    known_regencies: Container[str] | None = None,
    spreadsheet: bool = False,
    past_century_if_future: bool = False,
) -> NikInfo:
    """Check a NIK and return what it encodes, or raise InvalidNumber.

    - `known_regencies` (codes like "35.77"), when given, must contain the NIK's kabupaten/kota.
    - `spreadsheet=True` reads the input with `digits_of` (numbers and cells from an import);
      otherwise it must be text as typed, read with `normalize`.
    - The two-digit year is read as 20YY when YY is not after this year's, else 19YY. A 20YY
      date later this year is refused as in the future, unless `past_century_if_future=True`,
      which reads it as 19YY instead (someone about to turn 100).
    """
    nik = _clean(raw, spreadsheet)
    regency_code = _check_region(nik, "NIK", known_regencies)
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    today = today or date.today()
    century = 2000 if year2 <= today.year % 100 else 1900
    try:
        born = date(century + year2, month, day)
        if born > today and past_century_if_future:
            born = date(1900 + year2, month, day)
    except ValueError:
        raise InvalidNumber(BIRTH_DATE, "Tanggal lahir pada NIK tidak valid.") from None
    if born > today:
        raise InvalidNumber(BIRTH_DATE, "Tanggal lahir pada NIK ada di masa depan.")
    if age_on(born, today) > MAX_AGE_YEARS:
        raise InvalidNumber(BIRTH_DATE, "Tanggal lahir pada NIK tidak masuk akal.")
    _check_serial(nik, "NIK")
    return NikInfo(
        nik=nik,
        province=nik[0:2],
        regency=regency_code,
        district=f"{regency_code}.{nik[4:6]}",
        birth_date=born,
        female=female,
        serial=nik[12:16],
    )


def parse_kk(raw: object, *, known_regencies: Container[str] | None = None, spreadsheet: bool = False) -> str:
    """Check a No. KK (region and serial; it encodes no birth date); return its 16 digits."""
    kk = _clean(raw, spreadsheet)
    _check_region(kk, "No. KK", known_regencies)
    _check_serial(kk, "No. KK")
    return kk


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def mask(number: str) -> str:
    """`3577035208850001` → `3577********0001` (kabupaten/kota and serial). Anything that is not
    16 characters after `normalize` masks to 16 stars, so a mask never tells a length apart."""
    number = normalize(number)
    if len(number) != 16:
        return "*" * 16
    return f"{number[:4]}{'*' * 8}{number[12:]}"


def mask_name(name: str) -> str:
    """`Sri Rahayu` → `S** R*****`: enough to recognise, not enough to identify."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)
