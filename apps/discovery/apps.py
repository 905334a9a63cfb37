from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    """Public-schema listings fed by tenants (city-wide product discovery)."""

    name = "apps.discovery"
    verbose_name = _("Penemuan lintas kelurahan")

    def ready(self) -> None:
        from apps.tenancy import events as tenancy_events

        from .tenant_restore import restore_public_rows

        tenancy_events.on_restore(self.label, restore_public_rows)
