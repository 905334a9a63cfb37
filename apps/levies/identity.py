"""The NIK digest that matches a kota levy bill to a resident of its kelurahan.

Neither side keeps the NIK: the kota's register (`LevyBill.payer_nik_digest`) and the resident's
account (`accounts.User.nik_digest`) keep `digest_nik(nik)`, a keyed HMAC under
`settings.LEVIES_NIK_KEY` (one key per deployment, shared by every kota and kelurahan schema so
both ends compute the same value; production refuses to start without it, kotakita.E504). The
number is checked and digested the moment it is read (a form field, a spreadsheet cell) and
dropped; exceptions and log lines never carry it.

No rotation list: a bill's digest and a resident's digest are made at different times, so a
second key would need the NIK to bridge them (README, "LEVIES_NIK_KEY").
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core import nik as nikmod
from apps.core.errors import ValidationFailed
from apps.core.personal_data import PersonalDataKey

NIK_KEY = PersonalDataKey(setting="LEVIES_NIK_KEY", namespace="kotakita.levies.nik")
DIGEST_LENGTH = 64  # hex HMAC-SHA256

_REASONS: dict[str, Promise] = {
    nikmod.EMPTY: _("NIK wajib diisi."),
    nikmod.FORMAT: _("NIK harus 16 digit angka."),
    nikmod.REGION: _("Kode wilayah pada NIK tidak dikenal."),
    nikmod.BIRTH_DATE: _("Tanggal lahir pada NIK tidak valid."),
    nikmod.SERIAL: _("Nomor urut pada NIK tidak valid."),
}


def digest_nik(raw: object) -> str:
    """Check a NIK (typed or a spreadsheet cell) and return its digest; a bad one is refused
    with a message that never repeats it."""
    try:
        info = nikmod.parse_nik(raw, today=timezone.localdate(), spreadsheet=True, past_century_if_future=True)
    except nikmod.InvalidNumber as exc:
        raise ValidationFailed(_REASONS[exc.code], code="invalid_nik", field="nik") from None
    return NIK_KEY.digest(info.nik)


def optional_digest(raw: object) -> str:
    """`digest_nik` of a value that may be left empty ("" then)."""
    if raw is None or not str(raw).strip():
        return ""
    return digest_nik(raw)


def is_digest(value: str) -> bool:
    return len(value) == DIGEST_LENGTH and all(char in "0123456789abcdef" for char in value)
