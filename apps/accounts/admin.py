from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ["username", "full_name", "email", "phone", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Data diri"), {"fields": ("full_name", "email", "phone")}),
        (_("Peran dan hak akses"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Waktu penting"), {"fields": ("last_login", "date_joined")}),
    )
