"""The KBLI 2020 list kept in `data/kbli2020.csv` (see data/README.md). No Django import."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "kbli2020.csv"
RISK_LEVELS = ("rendah", "menengah_rendah", "menengah_tinggi", "tinggi")
_CODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Kbli:
    code: str
    title: str
    section: str
    risk: str


class UnknownKbli(LookupError):
    pass


class InvalidKbli(ValueError):
    pass


@cache
def catalogue() -> dict[str, Kbli]:
    entries: dict[str, Kbli] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["kode"].strip()
            if not _CODE.match(code) or code in entries:
                raise ValueError(f"{DATA_FILE.name}: bad or duplicate code {code!r}")
            risk = row["risiko"].strip()
            if risk not in RISK_LEVELS:
                raise ValueError(f"{DATA_FILE.name}: unknown risk {risk!r} for {code}")
            entries[code] = Kbli(code, row["judul"].strip(), row["kategori"].strip(), risk)
    return dict(sorted(entries.items()))


def get(code: str) -> Kbli:
    clean = (code or "").strip()
    if not _CODE.match(clean):
        raise InvalidKbli(clean)
    try:
        return catalogue()[clean]
    except KeyError:
        raise UnknownKbli(clean) from None


def search(query: str, limit: int = 20) -> list[Kbli]:
    """By code prefix, or by every word of the query appearing in the title."""
    q = (query or "").strip().lower()
    if not q:
        return list(catalogue().values())[:limit]
    if q.isdigit():
        return [k for code, k in catalogue().items() if code.startswith(q)][:limit]
    words = q.split()
    return [k for k in catalogue().values() if all(w in k.title.lower() for w in words)][:limit]
