from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    verbose_name = _("KotaKitaPay")

    def ready(self) -> None:
        from apps.facts import registry

        from . import (
            checks,  # noqa: F401 - registers the gateway configuration checks
            facts,
        )

        registry.register(self.label, facts.daily_facts)
