"""Loan repayment schedules as Apache Fineract models them. Pure: no Django, no float money.

Money is integer rupiah at every boundary; arithmetic inside is `Decimal` (40 digits). Rates are
nominal annual percentages (`Decimal("18")` = 18%/year); the period is one month and the
monthly rate is annual / 12 (equal months, as Fineract's "same as repayment period" interest
calculation does; no day counting).

Interest methods
* FLAT: interest is charged on the original principal for every period of the tenor (grace
  periods included): total = principal x monthly rate x tenor, rounded half-up to the rupiah,
  split evenly over the interest-paying periods.
* DECLINING_BALANCE: each period's interest is the outstanding principal x monthly rate,
  rounded half-up to the rupiah.

Amortization
* EQUAL_INSTALLMENTS: with DECLINING_BALANCE the annuity
  EMI = P * i / (1 - (1 + i) ** -n), rounded half-up; each period principal = EMI - interest.
  With FLAT, equal principal parts plus equal interest parts already make equal instalments,
  so both amortizations give the same FLAT schedule (as in Fineract).
* EQUAL_PRINCIPAL: principal / n each period; interest on top.

Rounding: even splits give every regular part the floor of the exact share and the *last*
instalment the remainder, so the principal parts add up to the loan amount exactly and the last
instalment is the one that differs (by less than n rupiah). For the annuity the last instalment
takes whatever principal is left. Every schedule is checked: principal parts (plus principal
prepaid) == loan amount, always.

Grace (counted in instalments from the first)
* `grace_principal_months` = g: the first g instalments carry no principal (interest only);
  principal is amortized over the remaining tenor - g instalments. 0 <= g < tenor.
* `grace_interest_months` = h (h <= g): the first h instalments carry no interest either.
  The interest of those months still accrues (it is deferred, not waived, and it is not
  capitalised: no interest on it) and is collected in equal parts (floor, remainder last)
  over the instalments after the interest grace, on top of their own interest.

Fees (Fineract charges, simplified)
* DISBURSEMENT: `amount` + `percent` of the principal (half-up), due at disbursement
  (`Schedule.disbursement_fee`; `net_disbursement` is the principal minus it).
* INSTALMENT: `amount` + `percent` of that instalment's principal part (half-up), each instalment.

Early and partial repayment (`prepay`)
* A prepayment is made on a due date, after that instalment has been paid (`after_instalment`
  = k; 0 = right after disbursement). No mid-period prepayment: that needs day counting.
* It pays principal. A prepayment of the whole outstanding principal closes the loan; the payoff
  (`payoff_amount`) also collects interest deferred by an interest grace that is not yet due.
  Interest not yet earned is never charged (for FLAT loans too).
* The rest is rescheduled as a new loan of the outstanding principal, same rate and method,
  from instalment k + 1, keeping any remaining grace and spreading any deferred interest:
  - `REDUCE_INSTALMENT` (our default): same end date, smaller instalments. Chosen because UMKM
    cash flow is seasonal; a lower instalment leaves room for a slow month.
  - `REDUCE_TENOR`: same instalment (the annuity EMI, or the principal part for FLAT and
    EQUAL_PRINCIPAL), fewer instalments; the last one takes the remainder.
  For FLAT loans this means flat interest is charged on the reduced principal from then on.

Delinquency: `days_past_due` (oldest unpaid instalment, with Fineract's arrears tolerance) and
`delinquency_bucket` (0 current; 1-30; 31-60; 61-90; more than 90 = "90+").

Errors are `ScheduleError` (a `ValueError`) with a stable `code`, the `field`, and an English
message naming the fault.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum

__all__ = [
    "Amortization",
    "DelinquencyBucket",
    "Fee",
    "FeeTiming",
    "Instalment",
    "InterestMethod",
    "LoanTerms",
    "Prepayment",
    "PrepaymentStrategy",
    "Schedule",
    "ScheduleError",
    "add_months",
    "build_schedule",
    "days_past_due",
    "delinquency_bucket",
    "payoff_amount",
    "prepay",
]

MAX_TENOR_MONTHS = 360
MAX_ANNUAL_RATE = Decimal(1000)


class ScheduleError(ValueError):
    """Bad loan terms or a repayment that cannot be applied; `code` is stable, `field` names the input."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class InterestMethod(StrEnum):
    FLAT = "FLAT"
    DECLINING_BALANCE = "DECLINING_BALANCE"


class Amortization(StrEnum):
    EQUAL_INSTALLMENTS = "EQUAL_INSTALLMENTS"
    EQUAL_PRINCIPAL = "EQUAL_PRINCIPAL"


class FeeTiming(StrEnum):
    DISBURSEMENT = "DISBURSEMENT"
    INSTALMENT = "INSTALMENT"


class PrepaymentStrategy(StrEnum):
    REDUCE_INSTALMENT = "REDUCE_INSTALMENT"
    REDUCE_TENOR = "REDUCE_TENOR"


class DelinquencyBucket(StrEnum):
    CURRENT = "0"
    DPD_1_30 = "1-30"
    DPD_31_60 = "31-60"
    DPD_61_90 = "61-90"
    DPD_90_PLUS = "90+"


# --- input checks ---------------------------------------------------------------------------


def _rupiah(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScheduleError(
            "not_integer_rupiah", f"{name} must be an integer number of rupiah, got {value!r}", field=name
        )
    if value < 0:
        raise ScheduleError("negative_amount", f"{name} must not be negative, got {value} rupiah", field=name)
    if value < minimum:
        raise ScheduleError("too_small_amount", f"{name} must be at least {minimum} rupiah, got {value}", field=name)
    return value


def _count(value: object, name: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScheduleError("not_integer", f"{name} must be an integer, got {value!r}", field=name)
    if not minimum <= value <= maximum:
        raise ScheduleError("out_of_range", f"{name} must be between {minimum} and {maximum}, got {value}", field=name)
    return value


def _percent(value: object, name: str, *, maximum: Decimal) -> Decimal:
    if isinstance(value, float):
        raise ScheduleError(
            "float_rate", f"{name} must be a Decimal, int or str (floats are inexact), got {value!r}", field=name
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ScheduleError("bad_rate", f"{name} must be a Decimal, int or str, got {value!r}", field=name)
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ScheduleError("bad_rate", f"{name} is not a number: {value!r}", field=name) from None
    if not rate.is_finite():
        raise ScheduleError("bad_rate", f"{name} must be finite, got {value!r}", field=name)
    if rate < 0:
        raise ScheduleError("negative_rate", f"{name} must not be negative, got {rate}%", field=name)
    if rate > maximum:
        raise ScheduleError("rate_too_high", f"{name} must be at most {maximum}%, got {rate}%", field=name)
    return rate


# --- terms and results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fee:
    """A charge: `amount` rupiah plus `percent` of the principal (disbursement) or of the
    instalment's principal part (instalment)."""

    name: str
    timing: FeeTiming
    amount: int = 0
    percent: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _rupiah(self.amount, f"fee {self.name!r} amount")
        object.__setattr__(self, "percent", _percent(self.percent, f"fee {self.name!r} percent", maximum=Decimal(100)))

    def on(self, base: int) -> int:
        return self.amount + _round(Decimal(base) * self.percent / 100)


@dataclass(frozen=True)
class LoanTerms:
    principal: int
    annual_rate: Decimal  # nominal percent per year; Decimal, int or str accepted, float refused
    tenor_months: int
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortization: Amortization = Amortization.EQUAL_INSTALLMENTS
    grace_principal_months: int = 0
    grace_interest_months: int = 0
    fees: tuple[Fee, ...] = ()
    disbursed_on: dt.date | None = None

    def __post_init__(self) -> None:
        _rupiah(self.principal, "principal", minimum=1)
        object.__setattr__(self, "annual_rate", _percent(self.annual_rate, "annual_rate", maximum=MAX_ANNUAL_RATE))
        _count(self.tenor_months, "tenor_months", minimum=1, maximum=MAX_TENOR_MONTHS)
        _count(self.grace_principal_months, "grace_principal_months", minimum=0, maximum=self.tenor_months - 1)
        _count(self.grace_interest_months, "grace_interest_months", minimum=0, maximum=self.tenor_months - 1)
        if self.grace_interest_months > self.grace_principal_months:
            raise ScheduleError(
                "interest_grace_exceeds_principal_grace",
                f"grace_interest_months ({self.grace_interest_months}) cannot exceed grace_principal_months "
                f"({self.grace_principal_months})",
                field="grace_interest_months",
            )
        try:
            object.__setattr__(self, "interest_method", InterestMethod(self.interest_method))
            object.__setattr__(self, "amortization", Amortization(self.amortization))
        except ValueError as exc:
            raise ScheduleError("bad_method", str(exc), field="interest_method/amortization") from None
        if self.principal < self.tenor_months - self.grace_principal_months:
            raise ScheduleError(
                "principal_too_small",
                f"principal {self.principal} cannot give each of "
                f"{self.tenor_months - self.grace_principal_months} instalments at least 1 rupiah",
                field="principal",
            )

    @property
    def monthly_rate(self) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = 40
            return self.annual_rate / Decimal(1200)


@dataclass(frozen=True)
class Instalment:
    number: int  # 1-based
    due_date: dt.date | None
    principal: int
    interest: int  # due in this instalment (includes deferred-interest shares)
    fee: int
    balance_after: int  # outstanding principal after this instalment is paid
    interest_accrued: int  # interest earned during this period (accounting view)

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee


@dataclass(frozen=True)
class Prepayment:
    after_instalment: int
    principal: int
    interest: int  # deferred interest collected at payoff; 0 for a partial prepayment
    strategy: PrepaymentStrategy

    @property
    def amount(self) -> int:
        return self.principal + self.interest


@dataclass(frozen=True)
class Schedule:
    terms: LoanTerms
    instalments: tuple[Instalment, ...]
    disbursement_fee: int
    # The annuity EMI (principal + interest, no deferred interest, no fees) for
    # DECLINING_BALANCE + EQUAL_INSTALLMENTS; the regular principal part otherwise.
    regular_payment: int
    prepayments: tuple[Prepayment, ...] = field(default=())

    @property
    def total_principal(self) -> int:
        return sum(i.principal for i in self.instalments) + sum(p.principal for p in self.prepayments)

    @property
    def total_interest(self) -> int:
        return sum(i.interest for i in self.instalments) + sum(p.interest for p in self.prepayments)

    @property
    def total_fees(self) -> int:
        return self.disbursement_fee + sum(i.fee for i in self.instalments)

    @property
    def total_repayment(self) -> int:
        return sum(i.total for i in self.instalments) + sum(p.amount for p in self.prepayments)

    @property
    def net_disbursement(self) -> int:
        return self.terms.principal - self.disbursement_fee

    @property
    def first_instalment(self) -> int:
        """The total of the first instalment with principal (what an offer quotes per month)."""
        return next((i.total for i in self.instalments if i.principal), self.instalments[0].total)

    def outstanding_after(self, k: int) -> int:
        """Principal outstanding right after instalment k (and any prepayment made then)."""
        paid = sum(i.principal for i in self.instalments[:k])
        prepaid = sum(p.principal for p in self.prepayments if p.after_instalment <= k)
        return self.terms.principal - paid - prepaid


# --- arithmetic -----------------------------------------------------------------------------


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _split(total: int, parts: int) -> list[int]:
    """`parts` integers adding up to `total`: floor shares, the remainder on the last."""
    share = total // parts
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def _annuity(principal: int, rate: Decimal, periods: int) -> int:
    with localcontext() as ctx:
        ctx.prec = 40
        return _round(Decimal(principal) * rate / (1 - (1 + rate) ** -periods))


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class _Row:
    principal: int
    interest: int
    accrued: int
    balance_after: int


def _is_annuity(terms: LoanTerms) -> bool:
    return (
        terms.interest_method is InterestMethod.DECLINING_BALANCE
        and terms.amortization is Amortization.EQUAL_INSTALLMENTS
        and terms.annual_rate > 0
    )


def _segment(
    terms: LoanTerms,
    principal: int,
    periods: int,
    grace_principal: int,
    grace_interest: int,
    *,
    carry: int = 0,
    keep_regular: int | None = None,
) -> tuple[list[_Row], int]:
    """Rows for `principal` over `periods` from some instalment on; returns (rows, regular payment).

    `carry` is deferred interest already earned, collected with the deferred interest of this
    segment's grace. `keep_regular` fixes the EMI / principal part (tenor reduction)."""
    rate = terms.monthly_rate
    amortizing = periods - grace_principal
    with localcontext() as ctx:
        ctx.prec = 40
        if terms.interest_method is InterestMethod.FLAT:
            total_interest = _round(Decimal(principal) * rate * periods)
            accrued = _split(total_interest, periods)
            due = [0] * grace_interest + _split(total_interest + carry, periods - grace_interest)
            share = keep_regular if keep_regular is not None else principal // amortizing
            parts = [0] * grace_principal + [share] * (amortizing - 1) + [principal - share * (amortizing - 1)]
            rows, balance = [], principal
            for p, i, a in zip(parts, due, accrued, strict=True):
                balance -= p
                rows.append(_Row(p, i, a, balance))
            return rows, share

        per_grace_period = _round(Decimal(principal) * rate)  # balance is constant during grace
        shares = _split(carry + grace_interest * per_grace_period, periods - grace_interest)
        annuity = _is_annuity(terms)
        if annuity:
            regular = keep_regular if keep_regular is not None else _annuity(principal, rate, amortizing)
        else:
            regular = keep_regular if keep_regular is not None else principal // amortizing
        rows, balance = [], principal
        for t in range(1, periods + 1):
            interest = _round(Decimal(balance) * rate)
            if t <= grace_principal:
                part = 0
            elif t == periods:
                part = balance
            elif annuity:
                part = min(max(regular - interest, 0), balance)
            else:
                part = min(regular, balance)
            balance -= part
            interest_due = 0 if t <= grace_interest else interest + shares[t - grace_interest - 1]
            rows.append(_Row(part, interest_due, interest, balance))
        return rows, regular


def _instalments(terms: LoanTerms, rows: list[_Row], first_number: int) -> list[Instalment]:
    fee_rules = [f for f in terms.fees if f.timing is FeeTiming.INSTALMENT]
    out = []
    for offset, row in enumerate(rows):
        number = first_number + offset
        out.append(
            Instalment(
                number=number,
                due_date=None if terms.disbursed_on is None else add_months(terms.disbursed_on, number),
                principal=row.principal,
                interest=row.interest,
                fee=sum(f.on(row.principal) for f in fee_rules),
                balance_after=row.balance_after,
                interest_accrued=row.accrued,
            )
        )
    return out


def _checked(schedule: Schedule) -> Schedule:
    if schedule.total_principal != schedule.terms.principal:  # pragma: no cover - an arithmetic bug
        raise AssertionError(f"principal parts add up to {schedule.total_principal}, not {schedule.terms.principal}")
    if any(i.principal < 0 or i.interest < 0 for i in schedule.instalments):  # pragma: no cover
        raise AssertionError("negative instalment part")
    return schedule


def build_schedule(terms: LoanTerms) -> Schedule:
    """The full repayment schedule for `terms`."""
    rows, regular = _segment(
        terms, terms.principal, terms.tenor_months, terms.grace_principal_months, terms.grace_interest_months
    )
    disbursement_fee = sum(f.on(terms.principal) for f in terms.fees if f.timing is FeeTiming.DISBURSEMENT)
    return _checked(
        Schedule(
            terms=terms,
            instalments=tuple(_instalments(terms, rows, 1)),
            disbursement_fee=disbursement_fee,
            regular_payment=regular,
        )
    )


def _deferred_outstanding(schedule: Schedule, k: int) -> int:
    """Interest earned up to instalment k but not yet due (from an interest grace)."""
    earned = sum(i.interest_accrued for i in schedule.instalments[:k])
    due = sum(i.interest for i in schedule.instalments[:k]) + sum(p.interest for p in schedule.prepayments)
    return earned - due


def _check_prepayment_point(schedule: Schedule, after_instalment: int) -> int:
    _count(after_instalment, "after_instalment", minimum=0, maximum=len(schedule.instalments))
    if schedule.prepayments and after_instalment < schedule.prepayments[-1].after_instalment:
        raise ScheduleError(
            "prepayment_in_past",
            f"a prepayment was already applied after instalment {schedule.prepayments[-1].after_instalment}",
            field="after_instalment",
        )
    outstanding = schedule.outstanding_after(after_instalment)
    if outstanding == 0:
        raise ScheduleError("loan_closed", f"nothing outstanding after instalment {after_instalment}")
    return outstanding


def payoff_amount(schedule: Schedule, after_instalment: int) -> int:
    """What closes the loan right after instalment k: outstanding principal + deferred interest."""
    outstanding = _check_prepayment_point(schedule, after_instalment)
    return outstanding + _deferred_outstanding(schedule, after_instalment)


def prepay(
    schedule: Schedule,
    after_instalment: int,
    amount: int,
    strategy: PrepaymentStrategy = PrepaymentStrategy.REDUCE_INSTALMENT,
) -> Schedule:
    """Apply an extra principal payment made right after instalment `after_instalment`.

    `amount` equal to `payoff_amount` (or to the outstanding principal, when nothing is deferred)
    closes the loan; a smaller amount reduces principal and reschedules the rest (see module doc).
    """
    k = after_instalment
    outstanding = _check_prepayment_point(schedule, k)
    _rupiah(amount, "amount", minimum=1)
    strategy = PrepaymentStrategy(strategy)
    terms = schedule.terms
    carry = _deferred_outstanding(schedule, k)
    kept = schedule.instalments[:k]
    if amount == outstanding + carry:
        done = Prepayment(k, outstanding, carry, strategy)
        return _checked(replace(schedule, instalments=kept, prepayments=(*schedule.prepayments, done)))
    if amount >= outstanding:
        raise ScheduleError(
            "overpayment" if amount > outstanding + carry else "incomplete_payoff",
            f"prepayment {amount} is not below the outstanding principal {outstanding}; to close the loan pay "
            f"exactly {outstanding + carry} (principal {outstanding} + deferred interest {carry})",
            field="amount",
        )

    balance = outstanding - amount
    remaining = len(schedule.instalments) - k
    grace_principal = max(0, terms.grace_principal_months - k)
    grace_interest = max(0, terms.grace_interest_months - k)
    keep: int | None = None
    periods = remaining
    if strategy is PrepaymentStrategy.REDUCE_TENOR:
        keep = schedule.regular_payment
        max_amortizing = remaining - grace_principal
        amortizing = max_amortizing
        if _is_annuity(terms):
            rate = terms.monthly_rate
            amortizing = next(
                (a for a in range(1, max_amortizing + 1) if _annuity(balance, rate, a) <= keep), max_amortizing
            )
        elif keep > 0:
            amortizing = min(max_amortizing, -(-balance // keep))
        periods = grace_principal + amortizing
        if amortizing == max_amortizing:
            keep = None  # nothing to shorten: recompute like REDUCE_INSTALMENT
    rows, regular = _segment(terms, balance, periods, grace_principal, grace_interest, carry=carry, keep_regular=keep)
    new = _instalments(terms, rows, k + 1)
    return _checked(
        replace(
            schedule,
            instalments=(*kept, *new),
            prepayments=(*schedule.prepayments, Prepayment(k, amount, 0, strategy)),
            regular_payment=regular,
        )
    )


# --- arrears --------------------------------------------------------------------------------


def days_past_due(schedule: Schedule, paid: int, as_of: dt.date, *, tolerance: int = 0) -> int:
    """Days since the due date of the oldest instalment not covered by `paid`.

    `paid` is everything repaid against instalments so far (prepayments are already in the
    schedule), applied to instalments in order. Arrears up to `tolerance` rupiah (Fineract's
    arrears tolerance) do not count. Needs `disbursed_on` in the terms."""
    _rupiah(paid, "paid")
    _rupiah(tolerance, "tolerance")
    if schedule.terms.disbursed_on is None:
        raise ScheduleError("no_dates", "days past due needs the disbursement date (terms.disbursed_on)")
    cumulative = 0
    for inst in schedule.instalments:
        assert inst.due_date is not None
        if inst.due_date >= as_of:
            break
        cumulative += inst.total
        if cumulative - paid > tolerance:
            return (as_of - inst.due_date).days
    return 0


def delinquency_bucket(days: int) -> DelinquencyBucket:
    """0 -> CURRENT, 1-30, 31-60, 61-90, more than 90 -> "90+"."""
    _count(days, "days_past_due", minimum=0, maximum=1_000_000)
    if days == 0:
        return DelinquencyBucket.CURRENT
    if days <= 30:
        return DelinquencyBucket.DPD_1_30
    if days <= 60:
        return DelinquencyBucket.DPD_31_60
    if days <= 90:
        return DelinquencyBucket.DPD_61_90
    return DelinquencyBucket.DPD_90_PLUS
