"""Factoring arithmetic against hand-computed examples (no database)."""

from __future__ import annotations

import pytest

from apps.factoring import pricing
from apps.factoring.pricing import Split, Terms


@pytest.mark.parametrize(
    ("band", "days_to_pay", "expected"),
    [
        ("A", 20, Terms(80, 10)),  # best seller, prompt buyer: the product's own terms
        ("A", 30, Terms(80, 10)),  # 30 days is still "prompt"
        ("B", 30, Terms(75, 11)),  # 10 × 1.10 = 11
        ("C", 45, Terms(65, 16)),  # 80 − 10 − 5; 10 × 1.25 × 1.25 = 15.625 → 16 (half up)
        ("D", 61, Terms(50, 23)),  # 80 − 20 − 10; 10 × 1.5 × 1.5 = 22.5 → 23
        ("D", None, Terms(55, 19)),  # unknown buyer: 80 − 20 − 5; 10 × 1.5 × 1.25 = 18.75 → 19
        (None, 61, Terms(55, 23)),  # never scored: 80 − 15 − 10
        ("E", 10, None),  # band E: no offer
    ],
)
def test_price_adjusts_for_seller_band_and_buyer_history(
    band: str | None, days_to_pay: float | None, expected: Terms | None
) -> None:
    assert pricing.price(advance_percent=80, fee_bp=10, band=band, days_to_pay=days_to_pay) == expected


def test_price_refuses_an_advance_below_the_floor() -> None:
    # 60 − 20 − 10 = 30% < 50%
    assert pricing.price(advance_percent=60, fee_bp=10, band="D", days_to_pay=90) is None


def test_advance_is_rounded_down_to_whole_rupiah() -> None:
    assert pricing.advance_of(12_345_678, 80) == 9_876_542  # 9.876.542,4
    assert pricing.advance_of(999, 65) == 649  # 649,35
    assert pricing.advance_of(1_000_000, 60) == 600_000


def test_flat_fee_rounds_half_up() -> None:
    assert pricing.flat_fee(1_000_000, 375) == 37_500
    assert pricing.flat_fee(100, 250) == 3  # 2,5 → 3
    assert pricing.flat_fee(333, 150) == 5  # 4,995 → 5
    assert pricing.flat_fee(1_000_001, 375) == 37_500  # 37.500,0375


def test_fee_per_day_on_the_advance() -> None:
    # 9.876.542 × 0,10% × 31 days = 306.172,802 → 306.173
    assert pricing.per_day_fee(9_876_542, 10, 31) == 306_173
    # 650.000 × 0,16% × 1 day = 1.040
    assert pricing.per_day_fee(650_000, 16, 1) == 1_040
    # the same day counts as one day
    assert pricing.per_day_fee(600_000, 5, 0) == 300
    # 123.457 × 0,07% × 45 = 3.888,8955 → 3.889
    assert pricing.per_day_fee(123_457, 7, 45) == 3_889
    assert pricing.fee_of("per_day", face=0, advance=600_000, fee_bp=5, days=10) == 3_000
    assert pricing.fee_of("flat", face=1_000_000, advance=600_000, fee_bp=375, days=10) == 37_500


def test_a_payment_repays_the_lender_first_then_its_fee() -> None:
    assert pricing.split_payment(700_000, outstanding=600_000, fee_due=37_500) == Split(600_000, 37_500, 62_500)
    assert pricing.split_payment(300_000, outstanding=600_000, fee_due=37_500) == Split(300_000, 0, 0)
    assert pricing.split_payment(320_000, outstanding=300_000, fee_due=37_500) == Split(300_000, 20_000, 0)
    assert pricing.split_payment(50_000, outstanding=0, fee_due=0) == Split(0, 0, 50_000)
