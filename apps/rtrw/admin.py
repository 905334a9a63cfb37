from django.contrib import admin

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
