from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "apps.marketplace"
    verbose_name = _("Pasar UMKM")

    def ready(self) -> None:
        from apps.payments import events

        from .receivers import ORDER_REFERENCE_KIND, order_payment_settled

        events.on_settled(ORDER_REFERENCE_KIND, order_payment_settled)

        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
