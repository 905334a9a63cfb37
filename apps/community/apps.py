from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "apps.community"
    verbose_name = _("Kas RT, iuran dan arisan")

    def ready(self) -> None:
        from apps.payments import events

        from .receivers import (
            ARISAN_REFERENCE_KIND,
            IURAN_REFERENCE_KIND,
            arisan_contribution_settled,
            iuran_payment_settled,
        )

        events.on_settled(IURAN_REFERENCE_KIND, iuran_payment_settled)
        events.on_settled(ARISAN_REFERENCE_KIND, arisan_contribution_settled)

        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
