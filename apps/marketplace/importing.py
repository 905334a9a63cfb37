"""Reading a product or stock file (xlsx or csv) with django-import-export's format readers
into checked rows, one error per bad row. No database access: the checks against the shop's
data and the writes are in services (preview_import / apply_import).

Columns (header names are matched loosely; the export writes exactly these):
  products: SKU, Produk, Varian, Harga, Stok, Kategori, Deskripsi, Aktif, Lokasi
  stock:    SKU, Stok, Lokasi
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import DomainError, ValidationFailed
from apps.core.money import parse_count, parse_rupiah
from apps.core.spreadsheets import column_map, read_table

MAX_IMPORT_ROWS = 5000
FIRST_DATA_LINE = 2  # line 1 is the header, as the owner sees it in a spreadsheet

COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "kode", "kode barang", "kode produk"),
    "product": ("produk", "nama produk", "nama", "product", "name"),
    "variant": ("varian", "nama varian", "variant", "ukuran"),
    "price": ("harga", "harga rp", "price"),
    "stock": ("stok", "jumlah", "stock", "qty"),
    "categories": ("kategori", "category", "categories"),
    "description": ("deskripsi", "keterangan", "description"),
    "active": ("aktif", "dijual", "active"),
    "location": ("lokasi", "kode lokasi", "location"),
}
REQUIRED = {"products": ("sku", "product", "price"), "stock": ("sku", "stock")}
_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_TRUE = {"1", "ya", "y", "yes", "true", "aktif", "dijual"}
_FALSE = {"0", "tidak", "t", "no", "false", "nonaktif", "tidak aktif", "tidak dijual"}


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class ImportRow:
    line: int
    sku: str
    product: str = ""
    variant: str = ""
    price: int | None = None
    stock: int | None = None
    categories: list[str] = field(default_factory=list)
    description: str = ""
    active: bool | None = None
    location: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ImportRow:
        return cls(**{key: raw[key] for key in cls.__dataclass_fields__ if key in raw})


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0


def _cell_text(value: object) -> str:
    """A cell as text (read_table gives "" for an empty one; `_row` gives "" for an absent column)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _bounded(value: object, label: str, max_length: int, code: str) -> str:
    """A text cell within the catalogue's bound; a longer one is this row's error `code`."""
    text = _cell_text(value)
    if len(text) > max_length:
        raise DomainError(
            _("%(label)s paling panjang %(max)d karakter.") % {"label": label, "max": max_length}, code=code
        )
    return text


def _row(kind: str, line: int, cells: dict[str, object]) -> ImportRow:
    cells = {**dict.fromkeys(COLUMNS, ""), **cells}  # a column the file lacks reads as an empty cell
    sku = _cell_text(cells.get("sku"))
    if not sku:
        raise DomainError(_("SKU wajib diisi."), code="sku_required")
    if not _SKU_RE.match(sku):
        raise DomainError(_("SKU “%(sku)s” tidak valid.") % {"sku": sku[:64]}, code="invalid_sku")
    stock: int | None = None
    raw_stock = cells.get("stock")
    if _cell_text(raw_stock):
        stock = parse_count(raw_stock)
        if stock is None or stock < 0:
            raise DomainError(
                _("Stok harus bilangan bulat 0 atau lebih (tertulis “%(value)s”).")
                % {"value": _cell_text(raw_stock)[:20]},
                code="invalid_stock",
            )
        if stock > 1_000_000:
            raise DomainError(_("Stok terlalu besar."), code="invalid_stock")
    location = _cell_text(cells.get("location")).lower()
    if kind == "stock":
        if stock is None:
            raise DomainError(_("Stok wajib diisi."), code="stock_required")
        return ImportRow(line=line, sku=sku, stock=stock, location=location)

    product = _bounded(cells.get("product"), _("Nama produk"), 150, "product_too_long")
    if not product:
        raise DomainError(_("Nama produk wajib diisi."), code="product_required")
    raw_price = cells.get("price")
    price = parse_rupiah(raw_price)
    if price is None or price <= 0:
        raise DomainError(
            _("Harga harus bilangan bulat rupiah lebih dari nol (tertulis “%(value)s”).")
            % {"value": _cell_text(raw_price)[:20]},
            code="invalid_price",
        )
    if price > 100_000_000:
        raise DomainError(_("Harga terlalu besar."), code="invalid_price")
    active_text = _cell_text(cells.get("active")).lower()
    active: bool | None = None
    if active_text in _TRUE:
        active = True
    elif active_text in _FALSE:
        active = False
    elif active_text:
        raise DomainError(_("Kolom Aktif harus “ya” atau “tidak”."), code="invalid_active")
    # The catalogue's bounds (Variant.name, Category.name, services.catalogue.DESCRIPTION_MAX):
    # a longer cell is this row's error, never stored cut.
    variant = _bounded(cells.get("variant"), _("Nama varian"), 100, "variant_too_long")
    categories = [c.strip() for c in re.split(r"[,;]", _cell_text(cells.get("categories"))) if c.strip()]
    for category in categories:
        _bounded(category, _("Kategori"), 80, "category_too_long")
    description = _bounded(cells.get("description"), _("Deskripsi"), 5000, "description_too_long")
    return ImportRow(
        line=line,
        sku=sku,
        product=product,
        variant=variant,
        price=price,
        stock=stock,
        categories=categories,
        description=description,
        active=active,
        location=location,
    )


def parse_import(file_name: str, content: bytes, *, kind: str) -> ParsedFile:
    """Well-formed rows (SKU unique within the file) and one error per bad row; raises
    ValidationFailed when the file as a whole is unusable."""
    headers, table = read_table(file_name, content)
    columns = column_map(headers, COLUMNS)
    missing = [key for key in REQUIRED[kind] if key not in columns]
    if missing:
        raise ValidationFailed(
            _("Kolom wajib tidak ada: %(columns)s.")
            % {"columns": ", ".join(COLUMNS[k][0].upper() if k == "sku" else COLUMNS[k][0].title() for k in missing)},
            code="missing_columns",
            columns=missing,
        )
    result = ParsedFile()
    seen: dict[tuple[str, str], int] = {}
    for offset, values in enumerate(table):
        line = FIRST_DATA_LINE + offset
        if all(isinstance(value, str) and not value.strip() for value in values):
            continue
        result.row_count += 1
        if result.row_count > MAX_IMPORT_ROWS:
            raise ValidationFailed(
                _("Terlalu banyak baris (maks. %(max)d).") % {"max": MAX_IMPORT_ROWS}, code="too_many_rows"
            )
        cells = {key: values[index] for key, index in columns.items() if index < len(values)}
        try:
            row = _row(kind, line, cells)
        except DomainError as exc:
            result.errors.append(RowError(line, exc.code, str(exc.message)))
            continue
        identity = (row.sku.lower(), row.location)
        if identity in seen:
            result.errors.append(
                RowError(
                    line,
                    "duplicate_sku",
                    _("SKU %(sku)s sudah ada di baris %(line)d.") % {"sku": row.sku, "line": seen[identity]},
                )
            )
            continue
        seen[identity] = line
        result.rows.append(row)
    return result
