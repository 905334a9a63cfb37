"""The platform's MDR on a financed invoice's payment (rule of issue 20: the buyer's payment
settles the lender first and releases the remainder minus fees to the UMKM).

Hand-computed: a Rp1.000.000 invoice on a 100% / 1% flat product, seller never scored (−15
points, fee ×1,5) and buyer without history (−5 points, fee ×1,25) → 80% advance = Rp800.000,
fee 100 × 1,875 = 187,5 → 188 basis points of the face = Rp18.800. MDR 0,7% (70 bps) of each
payment, rounded down."""

from __future__ import annotations

import pytest

from apps.factoring import pricing, services
from apps.factoring.models import Financing
from apps.invoicing.models import InvoiceEvent
from apps.payments import services as payments
from apps.payments.models import Account

from .conftest import World, invoice_for, make_product, pay


@pytest.fixture(autouse=True)
def _mdr(settings: object) -> None:
    settings.PAYMENTS_FEE_BPS = 70  # type: ignore[attr-defined]


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def financed(world: World) -> Financing:
    world.product.is_active = False
    world.product.save()
    product = make_product(world.lender, name="Penuh", advance_percent=100, fee_bp=100)
    invoice = invoice_for(world)
    financing = services.do_accept_financing(invoice.pk, world.seller, product_id=product.pk)
    assert (financing.advance, financing.fee) == (800_000, 18_800)
    return financing


def ledger(world: World) -> tuple[int, int, int, int]:
    """(shop account, lender receivable, lender income, platform fee)."""
    return (
        balance(world.inv.shop.payment_account),
        balance(services.receivable_account(world.lender)),
        balance(world.lender.income_account),
        balance(payments.platform_fee_account()),
    )


def steps(financing: Financing) -> list[dict[str, int]]:
    rows = InvoiceEvent.objects.filter(invoice=financing.invoice_id, action="fin_payment").order_by("id")
    return [{k: v for k, v in row.data.items() if k != "payment_request"} for row in rows]


def test_the_split_rule_by_hand() -> None:
    # remainder 181.200 ≥ MDR 7.000: the seller keeps 174.200
    assert pricing.collection_split(1_000_000, outstanding=800_000, fee_due=18_800, mdr=7_000) == pricing.Collection(
        amount=1_000_000, principal=800_000, fee=18_800, mdr=7_000, rebate=0
    )
    # remainder 1.200 < MDR 5.740: the seller bears 1.200, 4.540 is given back, the lender is whole
    small = pricing.collection_split(820_000, outstanding=800_000, fee_due=18_800, mdr=5_740)
    assert (small.principal, small.fee, small.rebate, small.seller) == (800_000, 18_800, 4_540, 0)
    # all of it is the lender's: the whole MDR is given back
    assert pricing.collection_split(500_000, outstanding=800_000, fee_due=18_800, mdr=3_500).rebate == 3_500


def test_full_payment_mdr_comes_out_of_the_sellers_remainder(world: World) -> None:
    financing = financed(world)
    pay(world, financing.invoice)
    financing.refresh_from_db()
    assert (financing.repaid, financing.fee_paid, financing.status) == (800_000, 18_800, "settled")
    # 1.000.000 − 800.000 − 18.800 − 7.000 MDR = 174.200 for the shop
    assert ledger(world) == (174_200, 0, 18_800, 7_000)
    assert steps(financing) == [
        {"principal": 800_000, "fee": 18_800, "mdr": 7_000, "mdr_rebate": 0, "seller": 174_200, "amount": 818_800}
    ]


def test_a_remainder_smaller_than_the_mdr_never_shorts_the_lender(world: World) -> None:
    financing = financed(world)
    pay(world, financing.invoice, 500_000)  # all principal: MDR 3.500 given back, shop left at 0
    financing.refresh_from_db()
    assert (financing.repaid, financing.fee_paid) == (500_000, 0)
    assert ledger(world) == (0, -300_000, 0, 0)
    pay(world, financing.invoice, 320_000)  # 300.000 + 18.800 fee, remainder 1.200 < MDR 2.240
    financing.refresh_from_db()
    assert (financing.repaid, financing.fee_paid, financing.status) == (800_000, 18_800, "settled")
    assert ledger(world) == (0, 0, 18_800, 1_200)
    pay(world, financing.invoice)  # the last 180.000 is the seller's: MDR 1.260 charged in full
    assert ledger(world) == (178_740, 0, 18_800, 2_460)
    assert [(s["principal"], s["fee"], s["mdr"], s["mdr_rebate"], s["seller"]) for s in steps(financing)] == [
        (500_000, 0, 0, 3_500, 0),
        (300_000, 18_800, 1_200, 1_040, 0),
    ]
    assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()


def test_the_sellers_other_sales_do_not_pay_the_lenders_mdr(world: World) -> None:
    """Money already in the shop account (other sales) is the seller's: the rebate does not
    depend on it, and the lender's share is still exactly principal + fee."""
    shop = world.inv.shop.payment_account
    payments.top_up(payments.ensure_wallet(world.buyer), 50_000, reference="t", idempotency_key="mdr-other-1")
    bill = payments.create_payment_request(shop, 50_000, description="jualan lain", open_qris_charge=False)
    payments.pay_request_with_wallet(bill, world.buyer, idempotency_key="mdr-other-2")
    assert balance(shop) == 49_650
    financing = financed(world)
    pay(world, financing.invoice, 500_000)
    assert ledger(world) == (49_650, -300_000, 0, 350)
