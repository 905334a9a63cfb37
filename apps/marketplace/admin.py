from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import timeline_field
from apps.core.errors import DomainError

from . import services
from .models import (
    Category,
    ImportBatch,
    Order,
    OrderLine,
    Product,
    Review,
    Shop,
    Stock,
    StockLocation,
    Variant,
)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin[Shop]):
    list_display = ["name", "owner", "verified", "is_active", "created_at"]
    list_filter = ["verified", "is_active"]
    search_fields = ["name", "owner__username", "owner__full_name"]
    readonly_fields = ["payment_account", "verified", "verified_reason", "verified_at", "verified_by"]
    actions = ["verify"]

    @admin.action(description=gettext_lazy("Tandai terverifikasi (NIB/izin sudah diperiksa)"))
    def verify(self, request: HttpRequest, queryset: QuerySet[Shop]) -> None:
        for shop in queryset:
            try:
                services.mark_verified(shop, _("Diverifikasi petugas lewat admin"), actor=request.user)  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                return
        self.message_user(request, _("%(n)d toko ditandai terverifikasi.") % {"n": queryset.count()})


@admin.register(StockLocation)
class StockLocationAdmin(admin.ModelAdmin[StockLocation]):
    list_display = ["code", "name", "kind", "shop", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class VariantInline(admin.TabularInline[Variant, Product]):
    model = Variant
    extra = 0
    fields = ("sku", "name", "price", "is_active")
    readonly_fields = ("sku", "name", "price", "is_active")
    can_delete = False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["name", "shop", "is_active", "updated_at"]
    list_filter = ["is_active", "categories"]
    search_fields = ["name", "shop__name"]
    inlines = [VariantInline]
    readonly_fields = ["search_name", "search_text"]


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin[Stock]):
    list_display = ["variant", "location", "quantity", "quantity_allocated"]
    readonly_fields = ["variant", "location", "quantity", "quantity_allocated"]
    search_fields = ["variant__sku", "variant__product__name"]


class OrderLineInline(admin.TabularInline[OrderLine, Order]):
    model = OrderLine
    extra = 0
    fields = ("product_name", "variant_name", "sku", "unit_price", "quantity", "line_total")
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = ["number", "shop", "buyer", "status", "total", "platform_fee", "created_at"]
    list_filter = ["status", "delivery_method", "payment_method"]
    search_fields = ["shop__name", "buyer__username"]
    inlines = [OrderLineInline]
    readonly_fields = [*(f.name for f in Order._meta.fields), "timeline"]
    timeline = timeline_field()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = ["shop", "product", "buyer", "rating", "created_at"]
    list_filter = ["rating"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    list_display = ["file_name", "shop", "kind", "status", "row_count", "created_at"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
