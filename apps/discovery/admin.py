from django.contrib import admin

from apps.tenancy.admin import platform_admin_site

from .models import Listing


class ListingAdmin(admin.ModelAdmin[Listing]):
    list_display = ["name", "shop_name", "tenant_name", "price", "in_stock", "updated_at"]
    list_filter = ["in_stock", "kota"]
    search_fields = ["name", "shop_name", "tenant_name"]
    readonly_fields = [f.name for f in Listing._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


platform_admin_site.register(Listing, ListingAdmin)
