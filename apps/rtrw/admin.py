from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Residency, RukunTetangga, RukunWarga


class RukunTetanggaInline(admin.TabularInline[RukunTetangga, RukunWarga]):
    model = RukunTetangga
    extra = 0
    autocomplete_fields = ["ketua"]


@admin.register(RukunWarga)
class RukunWargaAdmin(admin.ModelAdmin[RukunWarga]):
    list_display = ["__str__", "ketua"]
    inlines = [RukunTetanggaInline]
    autocomplete_fields = ["ketua"]


@admin.register(RukunTetangga)
class RukunTetanggaAdmin(admin.ModelAdmin[RukunTetangga]):
    list_display = ["__str__", "rw", "ketua"]
    list_filter = ["rw"]
    autocomplete_fields = ["ketua"]


@admin.register(Residency)
class ResidencyAdmin(admin.ModelAdmin[Residency]):
    list_display = ["user", "rt", "address"]
    list_filter = ["rt__rw"]
    search_fields = ["user__username", "user__full_name", "address"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Residency | None = None) -> Any:
        # The user is the key: changing it on a saved residency would insert a second row.
        return ["user"] if obj is not None else []
