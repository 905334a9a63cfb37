from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "apps.marketplace"
    verbose_name = _("Pasar UMKM")

    def ready(self) -> None:
        from .receivers import payment_request_saved

        post_save.connect(
            payment_request_saved, sender="payments.PaymentRequest", dispatch_uid="marketplace-payment-request"
        )
