from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeviesConfig(AppConfig):
    name = "apps.levies"
    verbose_name = _("Retribusi dan pajak daerah")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.payments import events
        from apps.tenancy import events as tenancy_events

        from . import facts, handlers, lifecycle

        registry.register(self.label, facts.daily_facts)
        events.on_settled("levy", handlers.levy_settled)
        # A kota's removal withdraws its bills' payer copies in its kelurahan; a restore reopens them.
        tenancy_events.on_removing(self.label, lifecycle.kota_removing, lifecycle.kota_removal_abandoned)
        tenancy_events.on_restore(self.label, lifecycle.kota_restored)
