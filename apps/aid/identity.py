"""Turning a typed NIK / No. KK into what we keep: a keyed hash for matching and a mask.

The key is `settings.NIK_HMAC_KEY` when set, else SECRET_KEY. Changing it makes every stored
hash unmatchable, so production should set NIK_HMAC_KEY once and never rotate it casually.
A full NIK is never logged, stored, or put in an error message.

Numbers are read as spreadsheet cells (`apps.core.nik.digits_of`): typed and imported input
go through the same rules. A two-digit birth year whose 20YY date lies later this year is read
as 19YY (someone about to turn 100), not refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core import nik as nikmod
from apps.core.errors import ValidationFailed
from apps.core.personal_data import Derivation, PersonalDataKey
from apps.core.short_text import clean_short_text

_NIK_REASONS: dict[str, Promise] = {
    nikmod.EMPTY: _("NIK wajib diisi."),
    nikmod.FORMAT: _("NIK harus 16 digit angka."),
    nikmod.REGION: _("Kode wilayah pada NIK tidak dikenal."),
    nikmod.BIRTH_DATE: _("Tanggal lahir pada NIK tidak valid."),
    nikmod.SERIAL: _("Nomor urut pada NIK tidak valid."),
}
_KK_REASONS: dict[str, Promise] = {
    nikmod.EMPTY: _("No. KK wajib diisi."),
    nikmod.FORMAT: _("No. KK harus 16 digit angka."),
    nikmod.REGION: _("Kode wilayah pada No. KK tidak dikenal."),
    nikmod.BIRTH_DATE: _("No. KK tidak valid."),
    nikmod.SERIAL: _("Nomor urut pada No. KK tidak valid."),
}

# Stored hashes were made with Django's salted_hmac("kotakita.aid.<kind>", ...): keep it so.
NUMBER_KEY = PersonalDataKey(setting="NIK_HMAC_KEY", namespace="kotakita.aid", derivation=Derivation.SALTED_HMAC)


def hash_number(kind: str, number: str) -> str:
    """HMAC-SHA256 of a 16-digit number, separated by kind ("nik" / "kk")."""
    return NUMBER_KEY.digest(number, purpose=kind)


@dataclass(frozen=True)
class Person:
    """A beneficiary as typed or imported, with the NIK and No. KK already hashed and masked."""

    nik_hash: str
    nik_masked: str
    birth_date: date
    female: bool
    kk_hash: str
    kk_masked: str
    name: str
    address: str
    rw: int
    rt: int
    household_income: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "nik_hash": self.nik_hash,
            "nik_masked": self.nik_masked,
            "birth_date": self.birth_date.isoformat(),
            "female": self.female,
            "kk_hash": self.kk_hash,
            "kk_masked": self.kk_masked,
            "name": self.name,
            "address": self.address,
            "rw": self.rw,
            "rt": self.rt,
            "household_income": self.household_income,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Person:
        return cls(**{**data, "birth_date": date.fromisoformat(data["birth_date"])})


def check_nik(raw: object) -> nikmod.NikInfo:
    try:
        return nikmod.parse_nik(raw, today=timezone.localdate(), spreadsheet=True, past_century_if_future=True)
    except nikmod.InvalidNumber as exc:
        raise ValidationFailed(_NIK_REASONS[exc.code], code="invalid_nik", field="nik") from None


def check_kk(raw: object) -> str:
    try:
        return nikmod.parse_kk(raw, spreadsheet=True)
    except nikmod.InvalidNumber as exc:
        raise ValidationFailed(_KK_REASONS[exc.code], code="invalid_kk", field="kk") from None


def _whole_number(raw: object, field: str, label: Promise) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValidationFailed(_("%(label)s harus angka.") % {"label": label}, code="invalid_number", field=field)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        text = re.sub(r"^Rp\.?", "", str(raw).strip(), flags=re.IGNORECASE).replace(" ", "")
        text = re.sub(r"[.,]00?$", "", text)  # 1500000,00
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):  # 1.500.000 or 1,500,000
            text = re.sub(r"[.,]", "", text)
        if not text.isascii() or not text.isdigit():
            raise ValidationFailed(
                _("%(label)s harus angka bulat.") % {"label": label}, code="invalid_number", field=field
            )
        value = int(text)
    if value < 0:
        raise ValidationFailed(
            _("%(label)s tidak boleh negatif.") % {"label": label}, code="invalid_number", field=field
        )
    return value


def build_person(
    *,
    nik: object,
    kk: object = "",
    name: object,
    address: object = "",
    rw: object,
    rt: object,
    household_income: object = None,
) -> Person:
    """Validate typed input and return a Person; raises ValidationFailed naming the first bad field."""
    info = check_nik(nik)
    kk_digits = nikmod.digits_of(kk)
    kk_number = check_kk(kk_digits) if kk_digits else ""
    clean_name = " ".join(str(name or "").split())
    if not clean_name:
        raise ValidationFailed(_("Nama wajib diisi."), code="name_required", field="name")
    if len(clean_name) > 150:
        raise ValidationFailed(_("Nama terlalu panjang (maks. 150 karakter)."), code="name_too_long", field="name")
    clean_address = clean_short_text(address, field="address", max_length=255, collapse_spaces=True)
    rw_number = _whole_number(rw, "rw", _("RW"))
    rt_number = _whole_number(rt, "rt", _("RT"))
    if not rw_number or not rt_number:
        raise ValidationFailed(_("RT dan RW wajib diisi."), code="unit_required", field="rt")
    income = _whole_number(household_income, "household_income", _("Penghasilan"))
    return Person(
        nik_hash=hash_number("nik", info.nik),
        nik_masked=nikmod.mask(info.nik),
        birth_date=info.birth_date,
        female=info.female,
        kk_hash=hash_number("kk", kk_number) if kk_number else "",
        kk_masked=nikmod.mask(kk_number) if kk_number else "",
        name=clean_name,
        address=clean_address,
        rw=rw_number,
        rt=rt_number,
        household_income=income,
    )
