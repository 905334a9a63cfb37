"""NIK (Nomor Induk Kependudukan): format and plausibility checks, masking. No Django import.

A NIK is 16 digits: PP KK CC (province, kabupaten/kota, kecamatan of registration) + DDMMYY
(birth date; women add 40 to the day) + a 4-digit serial. It is personal data (UU 27/2022):
callers store it encrypted or hashed and only ever show `mask(nik)`.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date

# Province codes of the Kemendagri list (../data/wilayah, level 1).
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

_DIGITS = re.compile(r"^\d{16}$")
MAX_AGE_YEARS = 120


class InvalidNik(ValueError):
    """`code` says which check failed; the message never contains the NIK itself."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NikInfo:
    province: str
    regency: str  # PP.KK
    district: str  # PP.KK.CC
    birth_date: date
    female: bool
    serial: str


def normalize(raw: str) -> str:
    """Drop spaces, dots and dashes people type between digit groups."""
    return re.sub(r"[\s.\-]", "", raw or "")


def parse(raw: str, *, today: date | None = None, known_regencies: Container[str] | None = None) -> NikInfo:
    """Check a NIK and return what it encodes, or raise InvalidNik.

    `known_regencies` (codes like "35.77"), when given, must contain the NIK's kabupaten/kota.
    """
    nik = normalize(raw)
    if not _DIGITS.match(nik):
        raise InvalidNik("format", "NIK harus 16 digit angka.")
    province, regency, district = nik[0:2], nik[2:4], nik[4:6]
    if province not in PROVINCES:
        raise InvalidNik("region", "Kode provinsi pada NIK tidak dikenal.")
    regency_no = int(regency)
    if regency_no == 0 or regency_no == 70:
        raise InvalidNik("region", "Kode kabupaten/kota pada NIK tidak valid.")
    if district == "00":
        raise InvalidNik("region", "Kode kecamatan pada NIK tidak valid.")
    regency_code = f"{province}.{regency}"
    if known_regencies is not None and regency_code not in known_regencies:
        raise InvalidNik("region", "Kode kabupaten/kota pada NIK tidak ada dalam daftar wilayah Kemendagri.")

    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    today = today or date.today()
    century = 2000 if year2 <= today.year % 100 else 1900
    try:
        born = date(century + year2, month, day)
    except ValueError:
        raise InvalidNik("birth_date", "Tanggal lahir pada NIK tidak valid.") from None
    if born > today:
        raise InvalidNik("birth_date", "Tanggal lahir pada NIK ada di masa depan.")
    if age_on(born, today) > MAX_AGE_YEARS:
        raise InvalidNik("birth_date", "Tanggal lahir pada NIK tidak masuk akal.")
    serial = nik[12:16]
    if serial == "0000":
        raise InvalidNik("serial", "Nomor urut pada NIK tidak valid.")
    return NikInfo(
        province=province,
        regency=regency_code,
        district=f"{regency_code}.{district}",
        birth_date=born,
        female=female,
        serial=serial,
    )


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def mask(nik: str) -> str:
    """`3577035208850001` → `3577********0001` (region of the kabupaten/kota and the serial)."""
    nik = normalize(nik)
    if len(nik) != 16:
        return "*" * 16
    return f"{nik[:4]}{'*' * 8}{nik[12:]}"


def mask_name(name: str) -> str:
    """`Sri Rahayu` → `S** R*****`: enough to recognise, not enough to identify."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)
