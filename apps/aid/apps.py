from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "apps.aid"
    verbose_name = _("Bansos")

    def ready(self) -> None:
        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
