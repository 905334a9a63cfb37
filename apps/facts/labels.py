"""Readable names for the codes that fact dimensions carry (KBLI sectors, category slugs).

Dimensions are stored as codes ("56", "jalan-rusak") so facts stay stable when a name changes;
pages and exports show these names instead of the bare code. No Django import.
"""

from __future__ import annotations

# KBLI 2020 "golongan pokok" (2-digit divisions) of the codes in apps/permits/data/kbli2020.csv,
# shortened where the official title runs on ("dan kegiatan YBDI").
KBLI_DIVISIONS = {
    "01": "Pertanian dan peternakan",
    "03": "Perikanan",
    "10": "Industri makanan",
    "11": "Industri minuman",
    "13": "Industri tekstil",
    "14": "Industri pakaian jadi",
    "15": "Industri kulit dan alas kaki",
    "16": "Industri kayu dan anyaman",
    "17": "Industri kertas",
    "18": "Percetakan",
    "20": "Industri bahan kimia",
    "23": "Industri barang galian bukan logam",
    "25": "Industri barang logam",
    "31": "Industri furnitur",
    "32": "Industri pengolahan lainnya",
    "45": "Perdagangan dan reparasi mobil dan sepeda motor",
    "47": "Perdagangan eceran",
    "55": "Penyediaan akomodasi",
    "56": "Penyediaan makanan dan minuman",
    "62": "Pemrograman dan konsultasi komputer",
    "63": "Jasa informasi",
    "73": "Periklanan dan penelitian pasar",
    "81": "Jasa kebersihan gedung dan pertamanan",
    "82": "Jasa penunjang kantor dan usaha",
    "95": "Reparasi komputer dan barang rumah tangga",
    "96": "Jasa perorangan lainnya",
}


def kbli_sector(code: str) -> str:
    """ "56" -> "56 · Penyediaan makanan dan minuman" (an unknown code stays a code, with "KBLI")."""
    title = KBLI_DIVISIONS.get(code[:2])
    return f"{code} · {title}" if title else f"KBLI {code}"


def humanize_slug(slug: str) -> str:
    """ "jalan-rusak" -> "Jalan rusak": a slug shown to people reads as a name."""
    text = slug.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else slug
