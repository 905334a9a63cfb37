from django.contrib import admin

from .models import HouseholdOrder, Round, RoundItem


class RoundItemInline(admin.TabularInline[RoundItem, Round]):
    model = RoundItem
    extra = 0
    readonly_fields = ["variant", "name", "unit", "price", "commodity", "cap", "ordered"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin[Round]):
    list_display = ["title", "rw", "organiser", "status", "closes_at", "hub"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [RoundItemInline]
    # Rounds open, close and receive goods through apps.sembako.services only.
    readonly_fields = [f.name for f in Round._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(HouseholdOrder)
class HouseholdOrderAdmin(admin.ModelAdmin[HouseholdOrder]):
    list_display = ["__str__", "round", "household", "total", "status", "paid_method", "fulfilment"]
    list_filter = ["status", "paid_method", "fulfilment"]
    readonly_fields = [f.name for f in HouseholdOrder._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
