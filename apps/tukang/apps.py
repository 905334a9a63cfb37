from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TukangConfig(AppConfig):
    name = "apps.tukang"
    verbose_name = _("GoTukang")

    def ready(self) -> None:
        from apps.facts import registry
        from apps.payments import events

        from . import facts
        from .services import REFERENCE_KIND, job_payment_settled

        events.on_settled(REFERENCE_KIND, job_payment_settled)
        registry.register(self.label, facts.daily_facts)
