from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "apps.tenancy"
    verbose_name = _("Tenant dan wilayah")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the backup and database checks)
