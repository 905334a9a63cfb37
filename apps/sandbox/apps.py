from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "apps.sandbox"
    verbose_name = _("Sandbox layanan luar")

    def ready(self) -> None:
        from apps.tenancy import events as tenancy_events

        from .tenant_restore import restore_public_rows

        tenancy_events.on_restore(self.label, restore_public_rows)
