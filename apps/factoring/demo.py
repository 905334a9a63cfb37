"""Factoring demo for each kelurahan (idempotent), after the invoicing and lending demos:
"BPR Bank Daerah Madiun" offers "Anjak Piutang Pengadaan" (80% advance, 1,5% flat, net of the
seller's band and the buyer's history) and bu-sri finances her open procurement invoice to the
kelurahan office with it: the advance is in her /dompet/ and the office sees the assignment."""

from __future__ import annotations

import logging

from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.invoicing.models import Invoice
from apps.lending.models import Lender
from apps.tenancy.models import Tenant

from . import services
from .models import FactoringProduct, Financing

logger = logging.getLogger(__name__)
LENDER = "BPR Bank Daerah Madiun"
PRODUCT = "Anjak Piutang Pengadaan"
DAILY = "Anjak Piutang Harian"


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    lender = Lender.objects.filter(name=LENDER).first()
    sri = User.objects.filter(username="bu-sri").first()
    if lender is None or sri is None:
        return
    product, _created = FactoringProduct.objects.get_or_create(
        lender=lender,
        name=PRODUCT,
        defaults={
            "advance_percent": 80,
            "fee_basis": "flat",
            "fee_bp": 150,
            "limit_per_seller": 25_000_000,
            "limit_per_buyer": 250_000_000,
            "grace_days": 30,
        },
    )
    officer = User.objects.filter(username="bpr-madiun").first()
    if officer is not None and not FactoringProduct.objects.filter(lender=lender, name=DAILY).exists():
        try:
            services.do_create_product(
                lender,
                officer,
                name=DAILY,
                advance_percent=90,
                fee_basis="per_day",
                fee_bp=5,
                limit_per_seller=10_000_000,
                limit_per_buyer=100_000_000,
                grace_days=30,
            )
        except DomainError as exc:
            logger.warning("factoring demo (%s): %s", tenant.schema_name, exc.message)
    invoice = (
        Invoice.objects.filter(
            shop__owner=sri, source=Invoice.Source.PROCUREMENT, disputed=False, status__in=["sent", "viewed"]
        )
        .order_by("pk")
        .first()
    )
    if invoice is None or Financing.objects.filter(invoice=invoice).exists():
        return
    try:
        with transaction.atomic():
            services.do_accept_financing(invoice.pk, sri, product_id=product.pk)
    except DomainError as exc:
        logger.warning("factoring demo (%s): %s", tenant.schema_name, exc.message)
