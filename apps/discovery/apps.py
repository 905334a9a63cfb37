from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    """Public-schema listings fed by tenants (city-wide product discovery)."""

    name = "apps.discovery"
    verbose_name = _("Penemuan lintas kelurahan")
