from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeviesConfig(AppConfig):
    name = "apps.levies"
    verbose_name = _("Retribusi dan pajak daerah")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.payments import events

        from . import facts, handlers

        registry.register(self.label, facts.daily_facts)
        events.on_settled("levy", handlers.levy_settled)
