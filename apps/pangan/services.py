"""Importing a harga-pangan series (the shape of ../shared/data/demand/harga-pangan-bandung.csv:
Timestamp, ID, Komoditas, Satuan, Harga, ...). Rows with a zero price (no market report that
day) are skipped; importing the same file again changes nothing (one row per commodity, area, day)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed

from .models import FoodPrice

REQUIRED = ("Timestamp", "Komoditas", "Satuan", "Harga")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class ImportResult:
    read: int
    written: int
    skipped: int


def clean_unit(text: str) -> str:
    """ "Rp./Kg", "Rp/kg" → "kg"; "Rp./Liter" → "liter"."""
    unit = text.strip().lower().replace("rp.", "").replace("rp", "").lstrip("/").strip()
    return unit[:20] or "unit"


@transaction.atomic
def import_csv(content: str, *, area: str) -> ImportResult:
    area = " ".join(area.split())[:60]
    if not area:
        raise ValidationFailed(_("Wilayah pasar wajib diisi."), code="area_required", field="area")
    reader = csv.DictReader(io.StringIO(content))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(
            _("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)}, code="missing_columns"
        )
    rows: dict[tuple[str, date], FoodPrice] = {}
    read = skipped = 0
    for number, row in enumerate(reader, start=2):
        read += 1
        if read > MAX_ROWS:
            raise ValidationFailed(_("Berkas terlalu besar."), code="too_many_rows")
        try:
            day = date.fromisoformat((row.get("Timestamp") or "").strip()[:10])
            price = int(float((row.get("Harga") or "0").strip()))
        except ValueError:
            raise ValidationFailed(
                _("Baris %(row)d: tanggal atau harga tidak terbaca.") % {"row": number}, code="bad_row"
            ) from None
        commodity = " ".join((row.get("Komoditas") or "").split())[:80]
        if price <= 0 or not commodity:
            skipped += 1
            continue
        rows[(commodity, day)] = FoodPrice(
            area=area, commodity=commodity, unit=clean_unit(row.get("Satuan") or ""), day=day, price=price
        )
    written = FoodPrice.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["commodity", "area", "day"],
        update_fields=["price", "unit"],
    )
    return ImportResult(read=read, written=len(written), skipped=skipped)
