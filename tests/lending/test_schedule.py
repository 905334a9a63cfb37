"""Loan schedule arithmetic against hand-computed examples; exact rupiah; bad input refused.

Pure: no database, no Django models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.lending.schedule import (
    Amortization,
    DelinquencyBucket,
    Fee,
    FeeTiming,
    InterestMethod,
    LoanTerms,
    PrepaymentStrategy,
    Schedule,
    ScheduleError,
    add_months,
    build_schedule,
    days_past_due,
    delinquency_bucket,
    payoff_amount,
    prepay,
)

FLAT = InterestMethod.FLAT
DECLINING = InterestMethod.DECLINING_BALANCE
EQUAL_INST = Amortization.EQUAL_INSTALLMENTS
EQUAL_PRIN = Amortization.EQUAL_PRINCIPAL


def terms(**kw: object) -> LoanTerms:
    base: dict[str, object] = {"principal": 12_000_000, "annual_rate": Decimal(18), "tenor_months": 12}
    base.update(kw)
    return LoanTerms(**base)  # type: ignore[arg-type]


def parts(s: Schedule) -> list[tuple[int, int]]:
    return [(i.principal, i.interest) for i in s.instalments]


# --- hand-computed examples -----------------------------------------------------------------


def test_flat_12_million_18_percent_12_months() -> None:
    """Rp12,000,000 at 18%/year flat over 12 months.

    Monthly rate 18% / 12 = 1.5%. Flat interest is on the original principal every month:
    12,000,000 x 1.5% = 180,000 per month; total 180,000 x 12 = 2,160,000
    (= 12,000,000 x 18% x 1 year). Principal 12,000,000 / 12 = 1,000,000 per month.
    Instalment 1,000,000 + 180,000 = 1,180,000, twelve times: 14,160,000.
    """
    for amortization in (EQUAL_INST, EQUAL_PRIN):  # FLAT gives the same schedule for both
        s = build_schedule(terms(interest_method=FLAT, amortization=amortization))
        assert parts(s) == [(1_000_000, 180_000)] * 12
        assert [i.total for i in s.instalments] == [1_180_000] * 12
        assert s.total_interest == 2_160_000
        assert s.total_repayment == 14_160_000
        assert [i.balance_after for i in s.instalments] == [12_000_000 - 1_000_000 * k for k in range(1, 13)]


def test_declining_equal_instalments_annuity() -> None:
    """Rp12,000,000 at 18%/year, declining balance, equal instalments, 12 months.

    i = 1.5% per month. Annuity EMI = P * i / (1 - (1 + i)^-n):
      (1.015)^12 = 1.1956181715, (1.015)^-12 = 0.8363874219, 1 - that = 0.1636125781,
      12,000,000 * 0.015 = 180,000; 180,000 / 0.1636125781 = 1,100,159.91 -> Rp1,100,160.
    Month 1: interest 12,000,000 * 1.5% = 180,000;   principal 1,100,160 - 180,000 = 920,160;
             balance 11,079,840.
    Month 2: interest 11,079,840 * 1.5% = 166,197.6 -> 166,198; principal 933,962;
             balance 10,145,878.
    Month 3: interest 10,145,878 * 1.5% = 152,188.17 -> 152,188; principal 947,972;
             balance 9,197,906.
    Month 12: the last balance 1,083,901 is repaid; interest 1,083,901 * 1.5% = 16,258.515
             -> 16,259; instalment 1,100,160 (the rounding came out even).
    Total interest = 12 * 1,100,160 - 12,000,000 = 1,201,920.
    """
    s = build_schedule(terms(interest_method=DECLINING, amortization=EQUAL_INST))
    assert s.regular_payment == 1_100_160
    assert parts(s)[:3] == [(920_160, 180_000), (933_962, 166_198), (947_972, 152_188)]
    assert [i.balance_after for i in s.instalments[:3]] == [11_079_840, 10_145_878, 9_197_906]
    assert parts(s)[-1] == (1_083_901, 16_259)
    assert all(i.total == 1_100_160 for i in s.instalments)
    assert s.total_interest == 1_201_920
    assert s.total_principal == 12_000_000


def test_declining_equal_principal() -> None:
    """Rp12,000,000 at 18%/year, declining balance, equal principal, 12 months.

    Principal 1,000,000 per month. Interest on the balance at 1.5%:
    month 1 12,000,000 -> 180,000; month 2 11,000,000 -> 165,000; ... month 12 1,000,000 ->
    15,000. Total = 15,000 * (12 + 11 + ... + 1) = 15,000 * 78 = 1,170,000.
    """
    s = build_schedule(terms(interest_method=DECLINING, amortization=EQUAL_PRIN))
    assert parts(s) == [(1_000_000, 15_000 * (12 - k)) for k in range(12)]
    assert s.total_interest == 1_170_000


def test_rounding_remainder_goes_to_the_last_instalment() -> None:
    """Rp1,000,000 at 12% flat over 3 months: 1,000,000 / 3 = 333,333.33 -> 333,333, 333,333
    and the last takes the remainder 333,334. Interest 1,000,000 * 1% = 10,000 each.

    Rp1,000,000 at 10% flat over 7 months: total interest 1,000,000 * 10/1200 * 7 = 58,333.33
    -> 58,333; 58,333 / 7 = 8,333.29 -> 8,333 six times (49,998), last 8,335.
    Principal 1,000,000 / 7 = 142,857.14 -> 142,857 six times (857,142), last 142,858.

    Rp10,000,001 declining, equal principal over 7: 1,428,571 six times, last 1,428,575."""
    s = build_schedule(terms(principal=1_000_000, annual_rate=Decimal(12), tenor_months=3, interest_method=FLAT))
    assert parts(s) == [(333_333, 10_000), (333_333, 10_000), (333_334, 10_000)]

    s = build_schedule(terms(principal=1_000_000, annual_rate=Decimal(10), tenor_months=7, interest_method=FLAT))
    assert [i.interest for i in s.instalments] == [8_333] * 6 + [8_335]
    assert [i.principal for i in s.instalments] == [142_857] * 6 + [142_858]
    assert s.total_interest == 58_333

    s = build_schedule(terms(principal=10_000_001, tenor_months=7, amortization=EQUAL_PRIN))
    assert [i.principal for i in s.instalments] == [1_428_571] * 6 + [1_428_575]


def test_zero_rate_is_interest_free() -> None:
    s = build_schedule(terms(annual_rate=Decimal(0), tenor_months=5, principal=1_000_003))
    assert parts(s) == [(200_000, 0)] * 4 + [(200_003, 0)]


def test_rate_accepts_str_and_int_and_keeps_decimal() -> None:
    assert terms(annual_rate="18.5").annual_rate == Decimal("18.5")
    assert terms(annual_rate=18).annual_rate == Decimal(18)


# --- grace periods --------------------------------------------------------------------------


def test_principal_grace_declining_equal_principal() -> None:
    """Rp12,000,000 at 18%, 12 months, 3 months' grace on principal, equal principal.

    Months 1-3: interest only, 180,000 each. Then 12,000,000 / 9 = 1,333,333.33 -> 1,333,333
    for months 4-11 and the last takes 12,000,000 - 8 * 1,333,333 = 1,333,336.
    Month 4 interest is on 12,000,000: 180,000. Month 5: 10,666,667 * 1.5% = 160,000.005 ->
    160,000; then 140,000, 120,000, ... month 12: 1,333,336 * 1.5% = 20,000.04 -> 20,000.
    Total interest: 4 * 180,000 + (160 + 140 + ... + 20) thousand = 720,000 + 720,000 = 1,440,000.
    """
    s = build_schedule(terms(amortization=EQUAL_PRIN, grace_principal_months=3))
    assert [i.principal for i in s.instalments] == [0, 0, 0] + [1_333_333] * 8 + [1_333_336]
    assert [i.interest for i in s.instalments] == [180_000] * 4 + [160_000 - 20_000 * k for k in range(8)]
    assert s.total_interest == 1_440_000


def test_principal_grace_flat() -> None:
    """Flat, 3 months' grace on principal: interest 180,000 every month (12 x 180,000 =
    2,160,000, grace months included); principal 0, 0, 0, then 1,333,333 x 8 and 1,333,336."""
    s = build_schedule(terms(interest_method=FLAT, grace_principal_months=3))
    assert [i.interest for i in s.instalments] == [180_000] * 12
    assert [i.principal for i in s.instalments] == [0, 0, 0] + [1_333_333] * 8 + [1_333_336]


def test_principal_grace_annuity_amortizes_over_the_rest() -> None:
    """Declining equal instalments with 3 months' grace: interest-only 180,000 x 3, then the
    annuity over 9 months: 1.015^-9 = 0.8745922402; EMI = 180,000 / 0.1254077598 = 1,435,317.88
    -> 1,435,318 (months 4-12)."""
    s = build_schedule(terms(grace_principal_months=3))
    assert [i.total for i in s.instalments[:3]] == [180_000] * 3
    assert s.regular_payment == 1_435_318
    assert all(i.principal + i.interest == 1_435_318 for i in s.instalments[3:-1])
    assert abs(s.instalments[-1].total - 1_435_318) <= 12
    assert s.total_principal == 12_000_000


def test_interest_grace_defers_interest_flat() -> None:
    """Flat, 3 months' principal grace and 2 months' interest grace. Total flat interest stays
    2,160,000 (deferred, not waived); it is paid over months 3-12: 2,160,000 / 10 = 216,000.
    Months 1-2 owe nothing; month 3 is 216,000 of interest only."""
    s = build_schedule(terms(interest_method=FLAT, grace_principal_months=3, grace_interest_months=2))
    assert [i.total for i in s.instalments[:3]] == [0, 0, 216_000]
    assert [i.interest for i in s.instalments] == [0, 0] + [216_000] * 10
    assert s.total_interest == 2_160_000
    assert [i.interest_accrued for i in s.instalments] == [180_000] * 12


def test_interest_grace_defers_interest_declining() -> None:
    """Declining, 3 months' principal grace, 2 months' interest grace: months 1-2 accrue
    180,000 each (not due); 360,000 is spread over months 3-12, 36,000 each, on top of each
    month's own interest (not capitalised). Month 3: 180,000 + 36,000 = 216,000."""
    s = build_schedule(terms(grace_principal_months=3, grace_interest_months=2))
    assert [i.interest for i in s.instalments[:4]] == [0, 0, 216_000, 216_000]
    assert all(i.interest == i.interest_accrued + 36_000 for i in s.instalments[2:])
    assert sum(i.interest for i in s.instalments) == sum(i.interest_accrued for i in s.instalments)
    assert s.total_principal == 12_000_000


# --- fees -----------------------------------------------------------------------------------


def test_fees() -> None:
    """Disbursement fee Rp50,000 + 1% of 12,000,000 = 170,000 (net disbursed 11,830,000);
    instalment fee Rp5,000 + 0.1% of the instalment's principal (1,000,000 -> 1,000)."""
    s = build_schedule(
        terms(
            interest_method=FLAT,
            fees=(
                Fee("provisi", FeeTiming.DISBURSEMENT, amount=50_000, percent=Decimal(1)),
                Fee("administrasi", FeeTiming.INSTALMENT, amount=5_000, percent=Decimal("0.1")),
            ),
        )
    )
    assert s.disbursement_fee == 170_000
    assert s.net_disbursement == 11_830_000
    assert [i.fee for i in s.instalments] == [6_000] * 12
    assert s.instalments[0].total == 1_186_000
    assert s.total_fees == 170_000 + 72_000


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=10**11),
    rate=st.decimals(min_value=0, max_value=60, places=2),
    tenor=st.integers(min_value=1, max_value=60),
    method=st.sampled_from(list(InterestMethod)),
    amortization=st.sampled_from(list(Amortization)),
    grace=st.integers(min_value=0, max_value=6),
    interest_grace=st.integers(min_value=0, max_value=6),
)
def test_principal_parts_sum_exactly(
    principal: int,
    rate: Decimal,
    tenor: int,
    method: InterestMethod,
    amortization: Amortization,
    grace: int,
    interest_grace: int,
) -> None:
    grace = min(grace, tenor - 1)
    interest_grace = min(interest_grace, grace)
    if principal < tenor - grace:
        return
    s = build_schedule(LoanTerms(principal, rate, tenor, method, amortization, grace, interest_grace))
    principals = [i.principal for i in s.instalments]
    assert sum(principals) == principal
    assert len(s.instalments) == tenor
    assert all(p >= 0 for p in principals) and all(i.interest >= 0 for i in s.instalments)
    assert principals[:grace] == [0] * grace
    assert s.instalments[-1].balance_after == 0
    balances = [principal] + [i.balance_after for i in s.instalments]
    assert all(a - b == p for a, b, p in zip(balances, balances[1:], principals, strict=False))
    assert sum(i.interest for i in s.instalments) == sum(i.interest_accrued for i in s.instalments)
    if method is FLAT or amortization is EQUAL_PRIN or rate == 0:
        regular = principals[grace:-1]
        assert len(set(regular)) <= 1  # every regular part equal ...
        assert 0 <= principals[-1] - (regular[0] if regular else principals[-1]) < tenor  # ... remainder last
    if method is FLAT:
        assert s.total_interest == int((Decimal(principal) * rate * tenor / 1200).quantize(Decimal(1), "ROUND_HALF_UP"))


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code", "words"),
    [
        ({"tenor_months": 0}, "out_of_range", "tenor_months"),
        ({"tenor_months": -3}, "out_of_range", "tenor_months"),
        ({"principal": -1_000}, "negative_amount", "principal"),
        ({"principal": 0}, "too_small_amount", "principal"),
        ({"annual_rate": Decimal("-0.5")}, "negative_rate", "annual_rate"),
        ({"annual_rate": "-1"}, "negative_rate", "annual_rate"),
        ({"annual_rate": 18.0}, "float_rate", "floats are inexact"),
        ({"annual_rate": "abc"}, "bad_rate", "not a number"),
        ({"annual_rate": Decimal("NaN")}, "bad_rate", "finite"),
        ({"principal": 1_000_000.0}, "not_integer_rupiah", "integer number of rupiah"),
        ({"principal": True}, "not_integer_rupiah", "integer number of rupiah"),
        ({"grace_principal_months": 12}, "out_of_range", "grace_principal_months"),
        ({"grace_interest_months": 2}, "interest_grace_exceeds_principal_grace", "cannot exceed"),
        ({"principal": 5, "tenor_months": 12}, "principal_too_small", "at least 1 rupiah"),
        ({"interest_method": "SIMPLE"}, "bad_method", "SIMPLE"),
    ],
)
def test_bad_terms_raise_a_clear_value_error(kwargs: dict[str, object], code: str, words: str) -> None:
    with pytest.raises(ValueError, match=words) as info:
        terms(**kwargs)
    assert isinstance(info.value, ScheduleError)
    assert info.value.code == code


def test_bad_fee() -> None:
    with pytest.raises(ScheduleError, match="negative"):
        Fee("x", FeeTiming.INSTALMENT, amount=-1)
    with pytest.raises(ScheduleError, match="at most 100"):
        Fee("x", FeeTiming.DISBURSEMENT, percent=Decimal(101))


# --- early and partial repayment ------------------------------------------------------------


def test_partial_prepayment_reduces_instalment_declining() -> None:
    """After instalment 3 the balance is 9,197,906 (see the annuity example). Prepay 2,000,000:
    7,197,906 over the remaining 9 months at 1.5%: 1.015^-9 = 0.8745922402,
    EMI = 7,197,906 * 0.015 / 0.1254077598 = 860,940.27 -> 860,940. Same end date.
    Month 4 interest: 7,197,906 * 1.5% = 107,968.59 -> 107,969."""
    s = build_schedule(terms())
    p = prepay(s, 3, 2_000_000)
    assert len(p.instalments) == 12
    assert p.instalments[:3] == s.instalments[:3]
    assert p.regular_payment == 860_940
    assert p.instalments[3].interest == 107_969
    assert p.instalments[3].principal == 860_940 - 107_969
    assert p.total_principal == 12_000_000
    assert sum(i.principal for i in p.instalments) == 10_000_000
    assert p.total_interest < s.total_interest
    assert p.prepayments[0].strategy is PrepaymentStrategy.REDUCE_INSTALMENT


def test_partial_prepayment_reduces_tenor_declining() -> None:
    """Same prepayment, keeping the EMI of 1,100,160: 7,197,906 needs n with
    EMI(7,197,906, n) <= 1,100,160: n = 7 (EMI over 6 would be 1,263,414, over 7 1,090,887)."""
    s = build_schedule(terms())
    p = prepay(s, 3, 2_000_000, PrepaymentStrategy.REDUCE_TENOR)
    assert len(p.instalments) == 3 + 7
    assert all(i.principal + i.interest == 1_100_160 for i in p.instalments[3:-1])
    assert p.instalments[-1].total <= 1_100_160
    assert p.total_principal == 12_000_000
    assert p.instalments[-1].balance_after == 0


def test_partial_prepayment_flat() -> None:
    """Flat 12,000,000 / 18% / 12: after 6 instalments 6,000,000 is outstanding; prepay 3,000,000.
    The rest is a flat loan of 3,000,000 over 6 months: principal 500,000, interest
    3,000,000 * 1.5% = 45,000 per month. Reducing the tenor instead keeps the principal part
    1,000,000: 3 months of 1,000,000 + 45,000."""
    s = build_schedule(terms(interest_method=FLAT))
    p = prepay(s, 6, 3_000_000)
    assert parts(p)[6:] == [(500_000, 45_000)] * 6
    t = prepay(s, 6, 3_000_000, PrepaymentStrategy.REDUCE_TENOR)
    assert parts(t)[6:] == [(1_000_000, 45_000)] * 3
    assert p.total_principal == t.total_principal == 12_000_000


def test_full_early_repayment() -> None:
    s = build_schedule(terms())
    balance = s.instalments[5].balance_after
    assert payoff_amount(s, 6) == balance
    p = prepay(s, 6, balance)
    assert len(p.instalments) == 6
    assert p.prepayments[0].principal == balance
    assert p.total_principal == 12_000_000
    with pytest.raises(ScheduleError, match="nothing outstanding"):
        prepay(p, 6, 1)


def test_payoff_collects_deferred_interest() -> None:
    """Flat with 2 months' interest grace: after instalment 1, 180,000 of interest has been
    earned and none paid, so the payoff is 12,000,000 + 180,000."""
    s = build_schedule(terms(interest_method=FLAT, grace_principal_months=3, grace_interest_months=2))
    assert payoff_amount(s, 1) == 12_180_000
    with pytest.raises(ScheduleError, match="pay exactly 12180000"):
        prepay(s, 1, 12_000_000)
    p = prepay(s, 1, 12_180_000)
    assert p.prepayments[0].interest == 180_000
    assert p.total_interest == 180_000


def test_partial_prepayment_keeps_deferred_interest() -> None:
    s = build_schedule(terms(grace_principal_months=3, grace_interest_months=2))
    p = prepay(s, 1, 1_000_000)
    assert p.total_principal == 12_000_000
    assert sum(i.interest for i in p.instalments) == sum(i.interest_accrued for i in p.instalments)


def test_two_prepayments_then_stale_one_refused() -> None:
    s = build_schedule(terms(amortization=EQUAL_PRIN))
    p = prepay(prepay(s, 2, 1_000_000), 4, 500_000, PrepaymentStrategy.REDUCE_TENOR)
    assert p.total_principal == 12_000_000
    with pytest.raises(ScheduleError, match="already applied after instalment 4"):
        prepay(p, 3, 100)


@pytest.mark.parametrize(
    ("after", "amount", "match"),
    [
        (3, 10_000_000, "not below the outstanding principal"),
        (3, 0, "at least 1"),
        (3, -5, "must not be negative"),
        (13, 100, "after_instalment"),
        (-1, 100, "after_instalment"),
    ],
)
def test_bad_prepayments(after: int, amount: int, match: str) -> None:
    with pytest.raises(ScheduleError, match=match):
        prepay(build_schedule(terms()), after, amount)


# --- arrears --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, DelinquencyBucket.CURRENT),
        (1, DelinquencyBucket.DPD_1_30),
        (30, DelinquencyBucket.DPD_1_30),
        (31, DelinquencyBucket.DPD_31_60),
        (60, DelinquencyBucket.DPD_31_60),
        (61, DelinquencyBucket.DPD_61_90),
        (90, DelinquencyBucket.DPD_61_90),
        (91, DelinquencyBucket.DPD_90_PLUS),
        (400, DelinquencyBucket.DPD_90_PLUS),
    ],
)
def test_delinquency_buckets(days: int, bucket: DelinquencyBucket) -> None:
    assert delinquency_bucket(days) is bucket


def test_delinquency_bucket_refuses_negative_days() -> None:
    with pytest.raises(ScheduleError, match="days_past_due"):
        delinquency_bucket(-1)


def test_days_past_due() -> None:
    """Flat 1,180,000 a month, disbursed 15 Jan 2026: due 15 Feb, 15 Mar, ...
    Nothing paid on 20 Mar: the oldest unpaid is 15 Feb -> 33 days (31-60).
    One instalment paid: the oldest unpaid is 15 Mar -> 5 days.
    10 rupiah short with a tolerance of 10: not in arrears."""
    s = build_schedule(terms(interest_method=FLAT, disbursed_on=dt.date(2026, 1, 15)))
    assert s.instalments[0].due_date == dt.date(2026, 2, 15)
    assert days_past_due(s, 0, dt.date(2026, 3, 20)) == 33
    assert delinquency_bucket(days_past_due(s, 0, dt.date(2026, 3, 20))) is DelinquencyBucket.DPD_31_60
    assert days_past_due(s, 1_180_000, dt.date(2026, 3, 20)) == 5
    assert days_past_due(s, 1_180_000, dt.date(2026, 3, 15)) == 0  # due today is not late
    assert days_past_due(s, 1_179_990, dt.date(2026, 2, 20), tolerance=10) == 0
    assert days_past_due(s, 1_179_990, dt.date(2026, 2, 20), tolerance=9) == 5
    with pytest.raises(ScheduleError, match="disbursement date"):
        days_past_due(build_schedule(terms()), 0, dt.date(2026, 3, 1))


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
