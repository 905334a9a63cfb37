from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "apps.invoicing"
    verbose_name = _("Faktur UMKM")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.marketplace import events as marketplace_events
        from apps.payments import events as payment_events
        from apps.procurement import events as procurement_events

        from . import facts, receivers

        registry.register(self.label, facts.daily_facts)
        payment_events.on_settled("invoice", receivers.invoice_payment_settled)
        procurement_events.on_accepted(self.label, receivers.delivery_accepted)
        procurement_events.on_payment_check(self.label, receivers.procurement_payment_check)
        marketplace_events.on_terms_delivered(self.label, receivers.order_delivered_on_terms)
        marketplace_events.on_terms_refund(self.label, receivers.order_refund_check)
