from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    verbose_name = _("Analitik")

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401 - registers the producers check

        receivers.connect()

        from apps.tenancy import events as tenancy_events

        from .tenant_restore import restore_public_rows

        tenancy_events.on_restore(self.label, restore_public_rows)
