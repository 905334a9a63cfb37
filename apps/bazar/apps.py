from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BazarConfig(AppConfig):
    name = "apps.bazar"
    verbose_name = _("Bazar dan voucher UMKM")

    def ready(self) -> None:
        from apps.community import events as community_events
        from apps.core import cache_scopes
        from apps.marketplace import events as marketplace_events
        from apps.marketplace.models import Product, Shop

        from . import pricing, selectors, services
        from .models import BazarEvent, Stall

        # The landing page shows shop names and product prices: their edits move it too.
        cache_scopes.bump_on_change(selectors.CACHE_SCOPE, BazarEvent, Stall, Shop, Product)
        marketplace_events.provide_pricer(pricing.event_prices)
        community_events.provide_voucher_payout(lambda round_, actor: services.pay_out_as_voucher(round_, actor=actor))
        marketplace_events.provide_vouchers(
            marketplace_events.VoucherProvider(
                options=services.checkout.options,
                redeem=services.checkout.redeem_for_order,
                give_back=services.checkout.give_back_for_order,
            )
        )
