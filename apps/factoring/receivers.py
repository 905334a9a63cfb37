"""Hooks into apps.invoicing (registered in FactoringConfig.ready(); apps.invoicing.events)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.core.errors import Conflict
from apps.invoicing.events import PaymentRecorded

from .models import Financing


def payment_recorded(event: PaymentRecorded) -> None:
    from . import services

    services.do_settle_from_payment(event)


def refuse_cancel(invoice_id: int) -> None:
    if Financing.objects.filter(invoice_id=invoice_id).exists():
        raise Conflict(_("Faktur yang sudah dibiayai tidak bisa dibatalkan."), code="financed")


def notices(invoice_id: int) -> list[str]:
    financing = Financing.objects.select_related("product__lender").filter(invoice_id=invoice_id).first()
    if financing is None:
        return []
    lender = financing.product.lender.name
    return [
        _(
            "Piutang faktur ini telah dialihkan kepada %(lender)s. Pembayaran melalui KotaKita "
            "diteruskan lebih dulu kepada %(lender)s."
        )
        % {"lender": lender}
    ]
