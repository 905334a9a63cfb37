"""Demo invoices for a kelurahan (idempotent), after the marketplace and procurement demos:

- bu-sri's invoice to the kelurahan office for her delivered and accepted procurement order
  ("Snack rapat koordinasi posyandu"), net 30, opened by the admin: open to pay by QRIS in the
  sandbox from /faktur/;
- her invoice to Bu Yati's shop for the marketplace order Bu Yati placed on invoice terms (net
  14, delivered; the marketplace demo places it): issued here as the delivery's task would;
- an older invoice of hers to pak-joko (catering for a family event), past its due date, so the
  ageing report and the cash-flow view have something late;
- in Mojorejo, her invoice to Dinas Perdagangan Kota Madiun (an OPD of the kota: a public route),
  which the kota's finance office (`admin`) and the OPD's officer (`staf-disdag`, seeded here in
  the kota as staff of the OPD) see at /faktur/masuk/ on the kota's host.
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
from apps.reports import services as reports
from apps.tenancy.models import Tenant

from . import services
from .models import Invoice

logger = logging.getLogger(__name__)
MANUAL_KEY = "demo:joko-hajatan"
OPD_KEY = "demo:opd-bazar"
OPD_CODE = "dinas-perdagangan"
OPD_NAME = "Dinas Perdagangan Kota Madiun"
OPD_SELLER_SLUG = "mojorejo"
OPD_OFFICER = "staf-disdag"


def _seed_kota(tenant: Tenant) -> None:
    """The kota's OPD register entry the demo invoice goes to, with its officer."""
    opd = reports.ensure_opd(code=OPD_CODE, name=OPD_NAME, email="disdag@madiunkota.go.id")
    officer = User.objects.filter(username=OPD_OFFICER).first()
    if officer is not None:
        opd.staff.add(officer)


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type == Tenant.Type.KOTA:
        _seed_kota(tenant)
        return
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
        if tenant.slug == OPD_SELLER_SLUG and not Invoice.objects.filter(source_key=OPD_KEY).exists():
            _seed_opd_invoice(shop, sri)
    except DomainError as exc:
        logger.warning("invoicing demo (%s): %s", tenant.schema_name, exc.message)


def _seed_opd_invoice(shop: Shop, seller: User) -> None:
    reports.ensure_opd(code=OPD_CODE, name=OPD_NAME)  # on this kelurahan's list (reports demo adds it too)
    with transaction.atomic():
        services.issue_invoice(
            shop,
            seller,
            buyer_name="",
            buyer_opd=OPD_CODE,
            buyer_address="Jl. Pahlawan No. 37, Kota Madiun",
            lines=[
                {
                    "description": "Nasi kotak bazar UMKM Hari Jadi Kota",
                    "quantity": "150",
                    "unit": "kotak",
                    "unit_price": 20_000,
                },
                {"description": "Jajanan pasar", "quantity": "150", "unit": "porsi", "unit_price": 6_000},
            ],
            terms_days=30,
            issue_date=services.today() - timedelta(days=5),
            source_key=OPD_KEY,
        )
