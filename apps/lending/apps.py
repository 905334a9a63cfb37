from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "apps.lending"
    verbose_name = _("Pinjaman mikro")

    def ready(self) -> None:
        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
