"""NIK and No. KK: structure checks and masking. No Django import.

NIK = region (PP KK CC) + birth date DDMMYY (day + 40 for women) + 4-digit serial; No. KK is
also 16 digits starting with the region. Both are personal data: callers hash them for
matching and keep only the masked form (`3577********0001`) for display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

# Kemendagri province codes in use (Sumatra 11-19, Kepri 21, Java 31-36, Bali/NT 51-53,
# Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82, Papua 91-96).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65}
    | {71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)

# Why a number was refused; the Django layer turns these into translated messages.
EMPTY = "empty"
NOT_16_DIGITS = "not_16_digits"
BAD_REGION = "bad_region"
BAD_BIRTH_DATE = "bad_birth_date"
BAD_SERIAL = "bad_serial"

_SEPARATORS = re.compile(r"[\s.\-']")


class InvalidNumber(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NikInfo:
    nik: str
    birth_date: date
    female: bool


def digits_of(raw: object) -> str:
    """The digits of a cell as typed or as a spreadsheet stored it (a number, a float,
    `3577 0101 ...`, `'3577...`)."""
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
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):  # 3.5770301010001E+15 from a CSV made by Excel
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text
        if value == value.to_integral_value():
            return str(int(value))
    return _SEPARATORS.sub("", text)


def _check_shape(number: str) -> None:
    if not number:
        raise InvalidNumber(EMPTY)
    if len(number) != 16 or not number.isascii() or not number.isdigit():
        raise InvalidNumber(NOT_16_DIGITS)
    province, regency, district = int(number[0:2]), int(number[2:4]), int(number[4:6])
    if province not in PROVINCES or regency == 0 or district == 0:
        raise InvalidNumber(BAD_REGION)
    if number[12:16] == "0000":
        raise InvalidNumber(BAD_SERIAL)


def parse_nik(raw: object, *, today: date) -> NikInfo:
    """Check a NIK's structure and read the birth date and sex from it, or raise InvalidNumber."""
    nik = digits_of(raw)
    _check_shape(nik)
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    born = None
    for century in (2000, 1900):
        try:
            candidate = date(century + year, month, day)
        except ValueError:
            raise InvalidNumber(BAD_BIRTH_DATE) from None
        if candidate <= today:
            born = candidate
            break
    if born is None:
        raise InvalidNumber(BAD_BIRTH_DATE)
    return NikInfo(nik=nik, birth_date=born, female=female)


def parse_kk(raw: object) -> str:
    """Check a No. KK's structure; return its 16 digits or raise InvalidNumber."""
    kk = digits_of(raw)
    _check_shape(kk)
    return kk


def mask(number: str) -> str:
    """`3577031501900001` → `3577********0001`."""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
