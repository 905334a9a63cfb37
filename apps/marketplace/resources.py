"""Export of a shop's products and stock (xlsx/csv) with django-import-export. The columns are
the ones the importer reads, so an exported file can be edited and uploaded back. Cells a
spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from .models import Stock, Variant

FORMATS: dict[str, Any] = {"xlsx": XLSX, "csv": CSV}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Safe(resources.ModelResource):
    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(_FORMULA_START):
            return "'" + value
        return value


class ProductResource(_Safe):
    """One row per variant, with its stock at the shop's own location."""

    sku = fields.Field(attribute="sku", column_name="SKU")
    product = fields.Field(attribute="product__name", column_name="Produk")
    variant = fields.Field(attribute="name", column_name="Varian")
    price = fields.Field(attribute="price", column_name="Harga", widget=widgets.IntegerWidget(coerce_to_string=False))
    stock = fields.Field(column_name="Stok")
    categories = fields.Field(column_name="Kategori")
    description = fields.Field(attribute="product__description", column_name="Deskripsi")
    active = fields.Field(column_name="Aktif")

    class Meta:
        model = Variant
        fields = ("sku", "product", "variant", "price", "stock", "categories", "description", "active")
        export_order = fields

    def dehydrate_stock(self, obj: Variant) -> int:
        return sum(s.quantity for s in obj.stocks.all() if s.location.shop_id == obj.shop_id)

    def dehydrate_categories(self, obj: Variant) -> str:
        return ", ".join(c.name for c in obj.product.categories.all())

    def dehydrate_active(self, obj: Variant) -> str:
        return "ya" if obj.is_active and obj.product.is_active else "tidak"


class StockResource(_Safe):
    """One row per variant and location."""

    sku = fields.Field(attribute="variant__sku", column_name="SKU")
    product = fields.Field(column_name="Produk")
    location = fields.Field(attribute="location__code", column_name="Lokasi")
    quantity = fields.Field(
        attribute="quantity", column_name="Stok", widget=widgets.IntegerWidget(coerce_to_string=False)
    )
    allocated = fields.Field(
        attribute="quantity_allocated", column_name="Dipesan", widget=widgets.IntegerWidget(coerce_to_string=False)
    )

    class Meta:
        model = Stock
        fields = ("sku", "product", "location", "quantity", "allocated")
        export_order = fields

    def dehydrate_product(self, obj: Stock) -> str:
        return str(obj.variant)


def export(queryset: QuerySet[Any], resource: resources.ModelResource, file_format: str) -> tuple[bytes, str]:
    """(content, content type) as xlsx or csv."""
    fmt = FORMATS[file_format]()
    data = fmt.export_data(resource.export(queryset=queryset))
    content = data.encode("utf-8-sig") if isinstance(data, str) else bytes(data)
    return content, str(fmt.get_content_type())
