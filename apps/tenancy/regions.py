"""Kemendagri region codes (`PP.KK.CC.DDDD`): parsing and classification. No Django import."""

from __future__ import annotations

import re

_CODE_RE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")

PROVINSI, KABUPATEN, KOTA, KECAMATAN, KELURAHAN, DESA = (
    "provinsi",
    "kabupaten",
    "kota",
    "kecamatan",
    "kelurahan",
    "desa",
)
KIND_LABELS = {
    PROVINSI: "Provinsi",
    KABUPATEN: "Kabupaten",
    KOTA: "Kota",
    KECAMATAN: "Kecamatan",
    KELURAHAN: "Kelurahan",
    DESA: "Desa",
}


class InvalidRegionCode(ValueError):
    pass


def normalize(code: str) -> str:
    """Accept `35.77.03.1001` or `3577031001` and return the dotted form, or raise."""
    raw = (code or "").strip()
    if raw.isdigit() and len(raw) in (2, 4, 6, 10):
        parts = [raw[0:2], raw[2:4], raw[4:6], raw[6:10]]
        raw = ".".join(p for p in parts if p)
    if not _CODE_RE.match(raw):
        raise InvalidRegionCode(raw)
    return raw


def level_of(code: str) -> int:
    return code.count(".") + 1


def kind_of(code: str) -> str:
    level = level_of(code)
    if level == 1:
        return PROVINSI
    if level == 2:
        # Kabupaten codes run 01-69, kota 71-99.
        return KOTA if int(code[3:5]) >= 71 else KABUPATEN
    if level == 3:
        return KECAMATAN
    return KELURAHAN if code[9] == "1" else DESA


def parent_code(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def kota_code(code: str) -> str | None:
    """The kabupaten/kota a code belongs to (itself for a level-2 code)."""
    return code[:5] if level_of(code) >= 2 else None


def schema_name_for(code: str) -> str:
    """Deterministic, collision-free schema name: `kel_3577031001`, `kota_3577`."""
    prefix = "kota" if level_of(code) == 2 else "kel"
    return f"{prefix}_{code.replace('.', '')}"
