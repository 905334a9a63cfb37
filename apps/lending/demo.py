"""Lending demo for each kelurahan: "BPR Bank Daerah Madiun" (officer bpr-madiun) with two
products; Bu Sri with a running loan (disbursed 45 days ago, first instalment paid) and a
pre-approved offer from batch scoring. Idempotent: nothing is made twice.

Bu Sri's features come from her marketplace shop when it has at least 3 months of history;
the demo marketplace is only days old, so otherwise they come from a fixed demo row (a steady
pecel stall), stated here and visible to the officer in the assessment's features."""

from __future__ import annotations

import datetime as dt

from apps.accounts.models import User
from apps.tenancy.models import Tenant

from . import credit, services
from .models import Application, Lender, LoanProduct, Offer, OfferStatus

LENDER = "BPR Bank Daerah Madiun"
# Her repayment history and wallet use are always read from the data, never from the demo row.
HER_OWN = ("repay_", "prior_loans", "wallet_")
DEMO_FEATURES: dict[str, float | int | None] = {
    "gmv_avg_3m": 9_500_000.0,
    "gmv_trend_3m": 0.06,
    "orders_3m": 410,
    "active_weeks_ratio_12w": 1.0,
    "refund_rate_3m": 0.004,
    "cancel_rate_3m": 0.01,
    "cancellations_30d": 1,
    "rating_avg": 4.7,
    "rating_count": 86,
    "tenure_months": 30,
    "permit_level": 2,
    "iuran_on_time_ratio": 0.92,
}


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    officer = User.objects.filter(username="bpr-madiun").first()
    sri = User.objects.filter(username="bu-sri").first()
    if officer is None or sri is None:
        return
    lender = services.open_lender(name=LENDER, kind="bpr", officers=[officer])
    product = _product(lender, "Modal Kerja UMKM", "DECLINING_BALANCE", 500_000, 50_000_000, 1, 24, "18")
    _product(lender, "Kredit Warung Flat", "FLAT", 500_000, 10_000_000, 3, 12, "14")
    today = services.today()
    features = _features(sri, today)
    if not Application.objects.filter(applicant=sri, lender=lender).exists():
        start = today - dt.timedelta(days=45)
        application = services.apply(
            sri,
            product,
            amount=3_000_000,
            tenor_months=6,
            purpose="Tambah gerobak dan stok bumbu pecel",
            idempotency_key="demo:bu-sri:loan-1",
            features=features,
            as_of=start,
        )
        services.approve(application, officer, reason="Penjualan stabil, izin usaha aktif")
        loan = services.disburse(application, officer, on_date=start)
        first = loan.instalments.get(number=1)
        services.repay(
            loan, first.total, actor=sri, idempotency_key="demo:bu-sri:loan-1:cicilan-1", on_date=first.due_date
        )
    credit.retrain(lender)
    if not Offer.objects.filter(applicant=sri, lender=lender, status=OfferStatus.OPEN).exists():
        # Scored as of today: her running loan and her wallet exist now (the row above was as of
        # the first application, before either); her own record always comes from the data.
        credit.score_all(today, lender=lender, rows=([sri.pk], [_features(sri, today)]))


def _product(
    lender: Lender, name: str, method: str, low: int, high: int, min_tenor: int, max_tenor: int, rate: str
) -> LoanProduct:
    existing = LoanProduct.objects.filter(lender=lender, name=name).first()
    return existing or services.create_product(
        lender,
        services.ProductTerms(
            name=name,
            interest_method=method,
            min_amount=low,
            max_amount=high,
            min_tenor_months=min_tenor,
            max_tenor_months=max_tenor,
            annual_rate=rate,
            disbursement_fee_percent="1",
            penalty_percent="2",
        ),
    )


def _features(sri: User, as_of: dt.date) -> dict[str, float | int | None]:
    """Her real features; when her demo shop is too new for a sales history, the sales part
    comes from the fixed demo row, but her own record (wallet, past loans, ...) stays real:
    the demo row used to replace it and told her she had no wallet and no loan history."""
    from .features import OWNER_FEATURES

    actual = credit.features_of(sri, as_of)
    if (actual.get("tenure_months") or 0) >= 3:
        return actual
    row = dict(DEMO_FEATURES)
    row.update({name: actual.get(name) for name in OWNER_FEATURES if name.startswith(HER_OWN)})
    return row
