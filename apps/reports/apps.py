from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "apps.reports"
    verbose_name = _("Laporan warga")

    def ready(self) -> None:
        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
