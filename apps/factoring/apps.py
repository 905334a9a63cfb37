from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactoringConfig(AppConfig):
    name = "apps.factoring"
    verbose_name = _("Pembiayaan faktur")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.invoicing import events as invoice_events

        from . import facts, receivers

        registry.register(self.label, facts.daily_facts)
        invoice_events.on_payment_recorded(self.label, receivers.payment_recorded)
        invoice_events.on_cancel(self.label, receivers.refuse_cancel)
        invoice_events.on_notices(self.label, receivers.notices)
