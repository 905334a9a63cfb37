"""Reads of apps.factoring: offers (computed, never stored), the pricing inputs, limits in use,
and the lender officer's portfolio by buyer and ageing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.invoicing import selectors as invoicing
from apps.invoicing.models import Invoice, InvoiceEvent
from apps.lending import selectors as lending
from apps.lending.models import CreditAssessment, Lender
from apps.payments.models import PaymentRequest

from . import pricing
from .models import OUTSTANDING, FactoringProduct, Financing

JAKARTA = dt.timezone(dt.timedelta(hours=7))
HISTORY = 100  # the buyer's latest paid invoices read for its average days-to-pay


def today() -> dt.date:
    return timezone.localtime(timezone.now(), JAKARTA).date()


def buyer_key(invoice: Invoice) -> str:
    if invoice.buyer_opd:
        return f"opd:{invoice.buyer_opd}"
    if invoice.buyer_is_office:
        return "office"
    if invoice.buyer_user_id is not None:
        return f"user:{invoice.buyer_user_id}"
    return "name:" + " ".join(invoice.buyer_name.lower().split())[:75]


def band_of(user_id: int) -> str | None:
    """The seller's latest credit band from apps.lending (any lender's assessment), None if never scored."""
    band = CreditAssessment.objects.filter(applicant_id=user_id).order_by("-id").values_list("band", flat=True).first()
    return band or None


def _same_buyer(invoice: Invoice) -> QuerySet[Invoice]:
    if invoice.buyer_is_office:
        return Invoice.objects.filter(buyer_is_office=True)
    if invoice.buyer_user_id is not None:
        return Invoice.objects.filter(buyer_user_id=invoice.buyer_user_id)
    return Invoice.objects.filter(
        buyer_user__isnull=True, buyer_is_office=False, buyer_opd="", buyer_name__iexact=invoice.buyer_name
    )


def buyer_days_to_pay(invoice: Invoice) -> float | None:
    """Average days from issue to full payment of the buyer's paid invoices; None without any.

    An OPD of the kota is priced on its history in **every kelurahan** of the kota (the public
    invoice routes); the kelurahan office and business buyers on their invoices here."""
    if invoice.buyer_opd:
        rows = invoicing.opd_payment_history(invoice, limit=HISTORY)
    else:
        rows = list(
            _same_buyer(invoice)
            .filter(status=Invoice.Status.PAID, paid_at__isnull=False)
            .order_by("-paid_at")
            .values_list("issue_date", "paid_at")[:HISTORY]
        )
    if not rows:
        return None
    days = [max((timezone.localtime(paid, JAKARTA).date() - issued).days, 0) for issued, paid in rows]
    return sum(days) / len(days)


def outstanding_of(product: FactoringProduct, *, seller_id: int | None = None, buyer: str | None = None) -> int:
    rows = Financing.objects.filter(product__lender_id=product.lender_id, status__in=OUTSTANDING)
    if seller_id is not None:
        rows = rows.filter(seller_id=seller_id)
    if buyer is not None:
        rows = rows.filter(buyer_key=buyer)
    total = rows.aggregate(a=Sum("advance"), r=Sum("repaid"), c=Sum("recourse"))
    return int((total["a"] or 0) - (total["r"] or 0) - (total["c"] or 0))


@dataclass(frozen=True)
class Offer:
    product: FactoringProduct
    face: int
    advance_percent: int
    fee_bp: int
    advance: int
    estimated_fee: int
    estimated_days: int
    reason: str = ""  # why there is no offer from this product (empty: it can be accepted)

    @property
    def available(self) -> bool:
        return not self.reason

    @property
    def fee_percent(self) -> Decimal:
        return (Decimal(self.fee_bp) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def offer_for(
    invoice: Invoice, product: FactoringProduct, *, band: str | None, days_to_pay: float | None, on: dt.date
) -> Offer:
    face = invoice.remaining
    days = max((invoice.due_date - on).days, 1)
    terms = pricing.price(
        advance_percent=product.advance_percent, fee_bp=product.fee_bp, band=band, days_to_pay=days_to_pay
    )
    if terms is None:
        return Offer(product, face, 0, 0, 0, 0, days, reason=_("Skor kredit atau riwayat pembeli belum memenuhi."))
    advance = pricing.advance_of(face, terms.advance_percent)
    fee = pricing.fee_of(product.fee_basis, face=face, advance=advance, fee_bp=terms.fee_bp, days=days)
    offer = Offer(product, face, terms.advance_percent, terms.fee_bp, advance, fee, days)
    reason = ""
    if advance <= 0:
        reason = _("Sisa faktur terlalu kecil.")
    elif outstanding_of(product, seller_id=invoice.shop.owner_id) + advance > product.limit_per_seller:
        reason = _("Melebihi batas pembiayaan lembaga untuk UMKM ini.")
    elif outstanding_of(product, buyer=buyer_key(invoice)) + advance > product.limit_per_buyer:
        reason = _("Melebihi batas pembiayaan lembaga untuk pembeli ini.")
    if reason:
        return Offer(product, face, terms.advance_percent, terms.fee_bp, advance, fee, days, reason=reason)
    return offer


def active_products() -> QuerySet[FactoringProduct]:
    return (
        FactoringProduct.objects.filter(is_active=True, lender__is_active=True)
        .select_related("lender")
        .order_by("lender__name", "name")
    )


def offers(invoice: Invoice, on: dt.date | None = None) -> list[Offer]:
    """Every active product's offer for what is still open on `invoice` (computed, not stored)."""
    day = on or today()
    band = band_of(invoice.shop.owner_id)
    days_to_pay = buyer_days_to_pay(invoice)
    return [offer_for(invoice, product, band=band, days_to_pay=days_to_pay, on=day) for product in active_products()]


def financing_of(invoice_id: int) -> Financing | None:
    return Financing.objects.select_related("product__lender").filter(invoice_id=invoice_id).first()


# --- lender officers -----------------------------------------------------------------------------


def officer_lenders(user: Any) -> QuerySet[Lender]:
    if not getattr(user, "is_authenticated", False) or not user.has_role("petugas_lembaga_keuangan"):
        return Lender.objects.none()
    return lending.lenders_of(user)


def financings_of(lenders: QuerySet[Lender]) -> QuerySet[Financing]:
    return (
        Financing.objects.filter(product__lender__in=lenders)
        .select_related("product__lender", "invoice")
        .order_by("-accepted_at", "-id")
    )


def _days_late(due: dt.date, settled_at: dt.datetime | None, on: dt.date) -> int:
    """Days past the invoice's due date: to the day the financing settled, else to `on`."""
    end = timezone.localtime(settled_at, JAKARTA).date() if settled_at is not None else on
    return max((end - due).days, 0)


def portfolio_by_buyer(rows: QuerySet[Financing], on: dt.date | None = None) -> list[dict[str, Any]]:
    """Per buyer (one query, whatever the number of financings): financings, advanced, back
    from the buyer, taken back from sellers, outstanding, and the average days late (past the
    invoice's due date, up to settlement or `on` for those still open; 0 when paid on time).
    Largest outstanding first."""
    day = on or today()
    merged: dict[str, dict[str, Any]] = {}
    late: dict[str, int] = {}
    for key, name, advance, repaid, recourse, due, settled_at in rows.order_by().values_list(
        "buyer_key", "buyer_name", "advance", "repaid", "recourse", "invoice__due_date", "settled_at"
    ):
        item = merged.setdefault(
            key, {"buyer_key": key, "buyer": name, "n": 0, "advance": 0, "repaid": 0, "recourse": 0}
        )
        item["n"] += 1
        item["advance"] += advance
        item["repaid"] += repaid
        item["recourse"] += recourse
        late[key] = late.get(key, 0) + _days_late(due, settled_at, day)
    for key, item in merged.items():
        item["outstanding"] = item["advance"] - item["repaid"] - item["recourse"]
        item["avg_days_late"] = (Decimal(late[key]) / item["n"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return sorted(merged.values(), key=lambda item: (-item["outstanding"], item["buyer"]))


AGEING_BUCKETS = ((0, "current"), (30, "d30"), (60, "d60"), (90, "d90"))
AGEING_NAMES = ("current", "d30", "d60", "d90", "over90")


def ageing_rows(rows: QuerySet[Financing], on: dt.date) -> list[dict[str, Any]]:
    """Outstanding advance and number of open financings by days past the invoice's due date
    (not yet due, 1–30, 31–60, 61–90, over 90), one query."""
    amounts = dict.fromkeys(AGEING_NAMES, 0)
    counts = dict.fromkeys(AGEING_NAMES, 0)
    for due, advance, repaid, recourse in (
        rows.order_by().filter(status__in=OUTSTANDING).values_list("invoice__due_date", "advance", "repaid", "recourse")
    ):
        late = (on - due).days
        name = "over90"
        for bound, label in AGEING_BUCKETS:
            if late <= bound:
                name = label
                break
        amounts[name] += advance - repaid - recourse
        counts[name] += 1
    return [{"bucket": name, "outstanding": amounts[name], "count": counts[name]} for name in AGEING_NAMES]


def timeline(financing: Financing) -> QuerySet[InvoiceEvent]:
    """The financed invoice's history, oldest first: issue, bills, views, disputes and the
    factoring steps (financed, fin_payment, fin_default, fin_recourse)."""
    return InvoiceEvent.objects.filter(invoice=financing.invoice_id).order_by("created_at", "id")


def products_of(lenders: QuerySet[Lender]) -> QuerySet[FactoringProduct]:
    return FactoringProduct.objects.filter(lender__in=lenders).select_related("lender").order_by("lender__name", "name")


def mdr_of(request_id: int) -> int:
    """The platform fee (MDR) charged on a paid invoice bill (0 when the platform fee is off)."""
    fee = PaymentRequest.objects.filter(pk=request_id).values_list("paid_entry__fee", flat=True).first()
    return int(fee or 0)
