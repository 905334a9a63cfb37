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

        from apps.core import cache_scopes
        from apps.permits.models import Permit

        from . import selectors
        from .models import Category, Product, ProductPhoto, Review, Shop, Variant

        # What the cached catalogue fragments show (apps.marketplace.fragments); the price range
        # and stock state are written by QuerySet.update() and bump in refresh_summaries.
        models = (Shop, Product, ProductPhoto, Variant, Category, Review, Permit)
        cache_scopes.bump_on_change(selectors.CATALOGUE_SCOPE, *models)

        from apps.core import profile

        profile.register(
            profile.ProfileSection(
                key="marketplace",
                order=30,
                scope=selectors.CATALOGUE_SCOPE,
                template="marketplace/_profile.html",
                build=selectors.profile_section,
            )
        )
