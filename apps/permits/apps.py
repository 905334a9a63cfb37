from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "apps.permits"
    verbose_name = _("Izin usaha mikro")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.payments import events

        from . import facts
        from .services import fees

        registry.register(self.label, facts.daily_facts)
        events.on_settled(fees.REFERENCE_KIND, fees.permit_fee_settled)
