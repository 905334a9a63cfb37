from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SembakoConfig(AppConfig):
    name = "apps.sembako"
    verbose_name = _("Sembako Pintar")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.payments import events

        from . import facts
        from .services import REFERENCE_KIND, order_payment_settled

        events.on_settled(REFERENCE_KIND, order_payment_settled)
        registry.register(self.label, facts.daily_facts)
