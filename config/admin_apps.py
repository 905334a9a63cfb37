"""The admin app with KotaKita's site as `django.contrib.admin.site` (INSTALLED_APPS names this
config instead of "django.contrib.admin"; django-tenants still sees the app as
"django.contrib.admin" through AppConfig.name)."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class KotaKitaAdminConfig(AdminConfig):
    default_site = "config.admin_site.KotaKitaAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscover: every app's admin.py registers on the site
        from django.contrib import admin

        from apps.core.admin_log import guard_log_entry_cascades
        from config.admin_site import KotaKitaAdminSite

        guard_log_entry_cascades()  # LogEntry's table is public only: no cascade from a tenant

        if isinstance(admin.site, KotaKitaAdminSite):
            admin.site.lock()
