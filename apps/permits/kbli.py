"""The KBLI 2020 list kept in `data/kbli2020.csv` (see data/README.md). No Django import."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
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
    # Everyday words people type for this business ("katering", "warteg"), from the `kata_kunci` column.
    keywords: str = ""
    haystack: str = field(default="", repr=False, compare=False)

    @property
    def label(self) -> str:
        """Code and title together: a bare code ("56") means nothing to an applicant."""
        return f"{self.code} — {self.title}"


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
            title, keywords = row["judul"].strip(), (row.get("kata_kunci") or "").strip()
            entries[code] = Kbli(
                code, title, row["kategori"].strip(), risk, keywords, haystack=normalize(f"{title} {keywords}")
            )
    return dict(sorted(entries.items()))


def get(code: str) -> Kbli:
    clean = (code or "").strip()
    if not _CODE.match(clean):
        raise InvalidKbli(clean)
    try:
        return catalogue()[clean]
    except KeyError:
        raise UnknownKbli(clean) from None


def normalize(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "Kafé/Kedai" -> "kafe kedai"."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


_LEADING_CODE = re.compile(r"^\s*(\d{5})(?!\d)")


def code_in(text: str) -> str | None:
    """The code at the start of a chosen suggestion ("56210 — Jasa Boga …") or of a typed code."""
    found = _LEADING_CODE.match(text or "")
    return found.group(1) if found else None


@cache
def _vocabulary() -> tuple[str, ...]:
    return tuple(sorted({w for k in catalogue().values() for w in k.haystack.split()}))


def _matches(words: list[str]) -> list[Kbli]:
    """Every word starts a word of the title or keywords ("kater" finds "katering")."""
    hits = []
    for entry in catalogue().values():
        padded = " " + entry.haystack
        if all(" " + w in padded for w in words):
            hits.append(entry)
    return hits


def search(query: str, limit: int = 20) -> list[Kbli]:
    """By code prefix, or by words of the title and everyday keywords; one typo per word is
    forgiven when nothing matches exactly ("ketering" finds the catering codes)."""
    raw = (query or "").strip()
    code = code_in(raw)
    if code is not None:
        raw = code
    q = normalize(raw)
    if not q:
        return list(catalogue().values())[:limit]
    if q.isdigit():
        return [k for c, k in catalogue().items() if c.startswith(q)][:limit]
    words = q.split()
    hits = _matches(words)
    if not hits:
        vocabulary = _vocabulary()
        close = [difflib.get_close_matches(w, vocabulary, n=1, cutoff=0.75) for w in words]
        if all(close):
            hits = _matches([c[0] for c in close])
    # Titles that start with the query first, then the file order (by code).
    first = words[0]
    hits.sort(key=lambda k: 0 if k.haystack.startswith(first) else 1)
    return hits[:limit]
