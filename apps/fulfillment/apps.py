from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "apps.fulfillment"
    verbose_name = _("Antar barang")

    def ready(self) -> None:
        from apps.marketplace import events as marketplace_events
        from apps.marketplace.models import OrderEvent

        from . import hours, public_tracking
        from .services import pricing

        marketplace_events.provide_hub_hours(
            marketplace_events.HubHours(
                next_opening=hours.next_opening_time,
                describe=hours.describe,
            )
        )
        marketplace_events.provide_hub_quote(pricing.quote)
        marketplace_events.provide_order_tracking(public_tracking.for_order)

        from .receivers import order_event_saved

        post_save.connect(order_event_saved, sender=OrderEvent, dispatch_uid="fulfillment.order_event_saved")

        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
