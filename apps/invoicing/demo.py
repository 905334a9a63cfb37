"""Demo invoices for a kelurahan (idempotent), after the marketplace and procurement demos:

- bu-sri's invoice to the kelurahan office for her delivered and accepted procurement order
  ("Snack rapat koordinasi posyandu"), net 30, opened by the admin: open to pay by QRIS in the
  sandbox from /faktur/;
- her invoice to Bu Yati's shop for the marketplace order Bu Yati placed on invoice terms (net
  14, delivered; the marketplace demo places it): issued here as the delivery's task would;
- an older invoice of hers to pak-joko (catering for a family event), past its due date, so the
  ageing report and the cash-flow view have something late.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.marketplace import services as marketplace
from apps.marketplace.models import Order, Shop
from apps.procurement.models import PurchaseOrder
from apps.tenancy.models import Tenant

from . import services
from .models import Invoice

logger = logging.getLogger(__name__)
MANUAL_KEY = "demo:joko-hajatan"


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    sri = User.objects.filter(username="bu-sri").first()
    admin = User.objects.filter(username="admin").first()
    joko = User.objects.filter(username="pak-joko").first()
    if sri is None:
        return
    shop = Shop.objects.filter(owner=sri, is_active=True, payment_account__isnull=False).order_by("pk").first()
    if shop is None:
        logger.warning("invoicing demo (%s): bu-sri has no shop; no invoices", tenant.schema_name)
        return
    try:
        with transaction.atomic():
            orders = PurchaseOrder.objects.filter(award__quote__supplier=sri, accepted_at__isnull=False)
            for order in orders.order_by("pk"):
                invoice = services.issue_from_procurement(order.pk)
                if invoice is not None and admin is not None:
                    services.mark_viewed(invoice, admin)
            on_terms = Order.objects.filter(
                shop__owner=sri,
                payment_method=marketplace.INVOICE_METHOD,
                status__in=[Order.Status.DELIVERED, Order.Status.COMPLETED],
            )
            for order_id in on_terms.order_by("pk").values_list("pk", flat=True):
                services.issue_from_order(order_id)
        if joko is not None and not Invoice.objects.filter(source_key=MANUAL_KEY).exists():
            with transaction.atomic():
                services.issue_invoice(
                    shop,
                    sri,
                    buyer_name="Pak Joko (hajatan keluarga)",
                    buyer_user=joko,
                    lines=[
                        {
                            "description": "Nasi pecel bungkus",
                            "quantity": "60",
                            "unit": "bungkus",
                            "unit_price": 12_000,
                        },
                        {"description": "Rempeyek kacang", "quantity": "5", "unit": "toples", "unit_price": 35_000},
                    ],
                    terms_days=14,
                    issue_date=services.today() - timedelta(days=40),
                    source_key=MANUAL_KEY,
                )
            services.remind_due()  # marks it overdue and sends its reminders
    except DomainError as exc:
        logger.warning("invoicing demo (%s): %s", tenant.schema_name, exc.message)
