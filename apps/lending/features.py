"""Credit features of UMKM shops from this tenant's own data, as of a date.

`extract_all(as_of, repayments)` -> a pandas DataFrame, one row per active shop (index
`shop_id`), one column per `apps.lending.scoring.UMKM_FEATURES` feature plus `owner_id`;
`extract_features(shop, as_of, repayments)` -> the same row for one shop as a dict (missing
values are None there, NaN in the frame). Both run the same fixed number of aggregate queries
whatever the number of shops (no per-shop query). Everything reads the current tenant's schema
only: a shop of another kelurahan is never seen.

The window ends at the end of `as_of` (local time, Asia/Jakarta); "3 months" is the 90 days
ending there, "previous 3 months" the 90 days before, "12 weeks" 84 days, "30 days" 30 days.
Orders are dated by `created_at` (when placed) and counted with their status today.

| feature | definition |
|---|---|
| gmv_avg_3m | sum of `subtotal` of orders in a sold status (`lifecycle.SOLD`) placed in the last 90 days / 3 |
| gmv_trend_3m | that sum / the same sum over the previous 90 days - 1, clipped to [-1, 2]; 0 when the |
| | previous 90 days had no sales (no basis for a trend) |
| orders_3m | number of those sold orders |
| active_weeks_ratio_12w | share of the 12 seven-day weeks ending at `as_of` with at least one sold order |
| refund_rate_3m | refunded / (sold + refunded) orders placed in the last 90 days; 0 without orders |
| cancel_rate_3m | cancelled / orders placed in the last 90 days and not expired unpaid; 0 without orders |
| cancellations_30d | orders cancelled (`cancelled_at`) in the last 30 days |
| rating_avg, rating_count | mean and number of the shop's reviews (1-5) written up to `as_of` (no review: None, 0) |
| tenure_months | whole months (30.4375 days) since the shop was opened |
| permit_level | the owner's izin usaha mikro (apps.permits): 2 issued and not revoked at `as_of`, |
| | 1 submitted and in process at `as_of`, 0 otherwise (best of the owner's permits) |
| iuran_on_time_ratio | on-time share of the owner's iuran months and arisan rounds due in 12 months (below) |
| repay_on_time_ratio | `repayments`: 1 - instalments paid late / paid; None without a paid instalment |
| repay_max_dpd | from `repayments`: worst days past due; None without a record |
| prior_loans_count | from `repayments`: loans closed + written off; 0 without a record |
| wallet_active_days_3m | days of the last 90 with a posting on the owner's KotaKitaPay wallet; None without a wallet |

Iuran/arisan punctuality: each month of the 12 complete months before `as_of`'s month for which
the owner's RT (their `Residency`) had an iuran schedule and the owner no exemption is one due;
it is on time when the iuran was paid (status paid) on or before the last day of that month.
Each arisan round of a group the owner is a member of, due in the 365 days before `as_of`, is
one due; on time when the owner's contribution was paid on or before the due date. Unpaid dues
count as late. The ratio is on-time dues / dues, None when there were none.

Past repayments come from the lending loans, which this module does not import: the caller
passes `repayments`, a mapping from owner user id to `RepaymentRecord` (missing = no history).

Protected attributes (gender, religion, ethnicity, marital status, nationality) are not read;
the scoring engine's guard refuses them anyway.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, Extract, Floor, TruncDate
from django.utils import timezone

from apps.community.models import (
    ArisanContribution,
    ArisanMember,
    ArisanRound,
    CashBook,
    IuranExemption,
    IuranPayment,
    IuranSchedule,
)
from apps.marketplace.lifecycle import SOLD, Status
from apps.marketplace.models import Order, Review, Shop
from apps.payments.models import Account, AccountKind, Posting
from apps.permits.models import Permit
from apps.rtrw.models import Residency

from .scoring import UMKM_FEATURES

if TYPE_CHECKING:  # pandas (~0.3 s) loads only where a frame is built, not in every web process
    import pandas as pd

__all__ = ["FEATURE_COLUMNS", "OWNER_FEATURES", "RepaymentRecord", "extract_all", "extract_features", "owner_features"]

FEATURE_COLUMNS: tuple[str, ...] = UMKM_FEATURES.names
DAYS_PER_MONTH = 30.4375
# Facts about the person, not the shop: known even for an owner without a shop on KotaKita.
OWNER_FEATURES: tuple[str, ...] = (
    "permit_level",
    "iuran_on_time_ratio",
    "repay_on_time_ratio",
    "repay_max_dpd",
    "prior_loans_count",
    "wallet_active_days_3m",
)
PERMIT_IN_PROCESS = frozenset(
    {
        Permit.Status.SUBMITTED,
        Permit.Status.RECOMMENDED,
        Permit.Status.VERIFIED,
        Permit.Status.APPROVED,
        Permit.Status.RETURNED,
    }
)


@dataclass(frozen=True)
class RepaymentRecord:
    """One borrower's past loans on KotaKita (all lenders of the tenant) up to the date."""

    loans_closed: int
    loans_written_off: int
    instalments_paid: int
    instalments_paid_late: int
    max_days_past_due: int


@dataclass(frozen=True)
class _Window:
    as_of: dt.date
    end: dt.datetime  # exclusive: local midnight after as_of

    @classmethod
    def of(cls, as_of: dt.date) -> _Window:
        tz = timezone.get_current_timezone()
        end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return cls(as_of, end)

    def days(self, n: int) -> dt.datetime:
        return self.end - dt.timedelta(days=n)


def _first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(month: dt.date) -> dt.date:
    return _add_months(month, 1) - dt.timedelta(days=1)


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localtime(moment).date()


# --- per-shop families ---------------------------------------------------------------------------


def _order_stats(shops: QuerySet[Shop], w: _Window) -> dict[int, dict[str, float]]:
    last, prev, d30 = w.days(90), w.days(180), w.days(30)
    recent = Q(created_at__gte=last, created_at__lt=w.end)
    earlier = Q(created_at__gte=prev, created_at__lt=last)
    sold = Q(status__in=list(SOLD))
    rows = (
        Order.objects.filter(shop__in=shops)
        .filter(Q(created_at__gte=prev, created_at__lt=w.end) | Q(cancelled_at__gte=d30, cancelled_at__lt=w.end))
        .values("shop_id")
        .annotate(
            gmv_last=Sum("subtotal", filter=sold & recent),
            gmv_prev=Sum("subtotal", filter=sold & earlier),
            sold=Count("id", filter=sold & recent),
            refunded=Count("id", filter=Q(status=Status.REFUNDED) & recent),
            cancelled=Count("id", filter=Q(status=Status.CANCELLED) & recent),
            placed=Count("id", filter=recent & ~Q(status=Status.EXPIRED)),
            cancelled_30d=Count("id", filter=Q(cancelled_at__gte=d30, cancelled_at__lt=w.end)),
        )
    )
    out: dict[int, dict[str, float]] = {}
    for row in rows:
        gmv_last = float(row["gmv_last"] or 0)
        gmv_prev = float(row["gmv_prev"] or 0)
        trend = 0.0 if gmv_prev == 0 else min(max(gmv_last / gmv_prev - 1.0, -1.0), 2.0)
        sold_n, refunded, cancelled, placed = row["sold"], row["refunded"], row["cancelled"], row["placed"]
        out[row["shop_id"]] = {
            "gmv_avg_3m": gmv_last / 3.0,
            "gmv_trend_3m": trend,
            "orders_3m": float(sold_n),
            "refund_rate_3m": refunded / (sold_n + refunded) if sold_n + refunded else 0.0,
            "cancel_rate_3m": cancelled / placed if placed else 0.0,
            "cancellations_30d": float(row["cancelled_30d"]),
        }
    return out


def _active_weeks(shops: QuerySet[Shop], w: _Window) -> dict[int, int]:
    end_epoch = w.end.timestamp()
    week = Floor((end_epoch - Cast(Extract("created_at", "epoch", tzinfo=dt.UTC), FloatField())) / (7 * 86400.0))
    rows = (
        Order.objects.filter(shop__in=shops, status__in=list(SOLD), created_at__gte=w.days(84), created_at__lt=w.end)
        .annotate(week=week)
        .values("shop_id")
        .annotate(weeks=Count("week", distinct=True))
    )
    return {row["shop_id"]: int(row["weeks"]) for row in rows}


def _ratings(shops: QuerySet[Shop], w: _Window) -> dict[int, tuple[float, int]]:
    rows = (
        Review.objects.filter(shop__in=shops, created_at__lt=w.end)
        .values("shop_id")
        .annotate(avg=Avg("rating"), n=Count("id"))
    )
    return {row["shop_id"]: (float(row["avg"]), int(row["n"])) for row in rows}


# --- per-owner families --------------------------------------------------------------------------


def _permit_levels(owners: list[int], w: _Window) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    rows = Permit.objects.filter(applicant_id__in=owners).values_list(
        "applicant_id", "status", "submitted_at", "issued_at", "revoked_at"
    )
    for applicant, status, submitted, issued, revoked in rows:
        level = 0
        if issued is not None and issued < w.end and (revoked is None or revoked >= w.end):
            level = 2
        elif (
            submitted is not None
            and submitted < w.end
            and (status in PERMIT_IN_PROCESS or (issued is not None and issued >= w.end))
        ):
            level = 1  # in process now, or then (issued only after the date)
        out[applicant] = max(out[applicant], level)
    return out


def _iuran_dues(owners: list[int], w: _Window) -> dict[int, tuple[int, int]]:
    """Owner -> (iuran months due in the 12 complete months before as_of's month, paid on time)."""
    first = _add_months(_first_of_month(w.as_of), -12)
    months = [_add_months(first, i) for i in range(12)]
    rt_of = dict(Residency.objects.filter(user_id__in=owners).values_list("user_id", "rt_id"))
    book_of_rt = dict(CashBook.objects.filter(rt_id__in=set(rt_of.values())).values_list("rt_id", "pk"))
    schedules: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for book_id, start, amount in IuranSchedule.objects.filter(cash_book_id__in=set(book_of_rt.values())).values_list(
        "cash_book_id", "start_month", "amount"
    ):
        schedules[book_id].append((start, amount))
    exemptions: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    for member, book_id, start, until in IuranExemption.objects.filter(member_id__in=owners).values_list(
        "member_id", "cash_book_id", "from_month", "until_month"
    ):
        exemptions[member].append((book_id, start, until))
    paid: dict[tuple[int, dt.date], dt.date | None] = {}
    for member, month, paid_at in IuranPayment.objects.filter(
        member_id__in=owners, status=IuranPayment.Status.PAID, month__in=months
    ).values_list("member_id", "month", "paid_at"):
        paid[(member, month)] = _local_date(paid_at)
    out: dict[int, tuple[int, int]] = {}
    for owner in owners:
        book = book_of_rt.get(rt_of.get(owner, -1))
        if book is None or not schedules[book]:
            continue
        due = on_time = 0
        for month in months:
            amount = 0
            for start, value in sorted(schedules[book]):
                if start <= month:
                    amount = value
            exempt = any(
                b == book and start <= month and (until is None or month <= until)
                for b, start, until in exemptions[owner]
            )
            if amount <= 0 or exempt:
                continue
            due += 1
            paid_on = paid.get((owner, month))
            if paid_on is not None and paid_on <= _month_end(month):
                on_time += 1
        out[owner] = (due, on_time)
    return out


def _arisan_dues(owners: list[int], w: _Window) -> dict[int, tuple[int, int]]:
    """Owner -> (arisan rounds due in the 365 days before as_of, contributions paid by the due date)."""
    members = dict(ArisanMember.objects.filter(user_id__in=owners).values_list("pk", "user_id"))
    groups_of: dict[int, set[int]] = defaultdict(set)
    for member_id, group_id in ArisanMember.objects.filter(pk__in=members).values_list("pk", "group_id"):
        groups_of[group_id].add(member_id)
    rounds = list(
        ArisanRound.objects.filter(
            group_id__in=groups_of, due_date__lt=w.as_of, due_date__gte=w.as_of - dt.timedelta(days=365)
        ).values_list("pk", "group_id", "due_date")
    )
    paid: dict[tuple[int, int], dt.date | None] = {}
    for round_id, member_id, paid_at in ArisanContribution.objects.filter(
        round_id__in=[r[0] for r in rounds], member_id__in=members, status=ArisanContribution.Status.PAID
    ).values_list("round_id", "member_id", "paid_at"):
        paid[(round_id, member_id)] = _local_date(paid_at)
    out: dict[int, tuple[int, int]] = {}
    for round_id, group_id, due_date in rounds:
        for member_id in groups_of[group_id]:
            owner = members[member_id]
            due, on_time = out.get(owner, (0, 0))
            paid_on = paid.get((round_id, member_id))
            ok = paid_on is not None and paid_on <= due_date
            out[owner] = (due + 1, on_time + int(ok))
    return out


def _wallet_days(owners: list[int], w: _Window) -> dict[int, int]:
    """Owner -> active days of their wallet in the last 90 days (owners without a wallet absent)."""
    wallets = dict(Account.objects.filter(kind=AccountKind.WALLET, owner_id__in=owners).values_list("pk", "owner_id"))
    out: dict[int, int] = dict.fromkeys(wallets.values(), 0)
    rows = (
        Posting.objects.filter(account_id__in=wallets, created_at__gte=w.days(90), created_at__lt=w.end)
        .annotate(day=TruncDate("created_at"))
        .values("account__owner_id")
        .annotate(days=Count("day", distinct=True))
    )
    for row in rows:
        owner = row["account__owner_id"]
        out[owner] = max(out[owner], int(row["days"]))
    return out


def _repayment_features(record: RepaymentRecord | None) -> dict[str, float]:
    if record is None:
        return {"repay_on_time_ratio": math.nan, "repay_max_dpd": math.nan, "prior_loans_count": 0.0}
    paid = record.instalments_paid
    return {
        "repay_on_time_ratio": 1.0 - record.instalments_paid_late / paid if paid > 0 else math.nan,
        "repay_max_dpd": float(record.max_days_past_due),
        "prior_loans_count": float(record.loans_closed + record.loans_written_off),
    }


# --- public API ----------------------------------------------------------------------------------


def _frame(
    shops: QuerySet[Shop],
    as_of: dt.date,
    repayments: Mapping[int, RepaymentRecord] | None,
    *,
    opened_only: bool = True,
) -> pd.DataFrame:
    import pandas as pd

    w = _Window.of(as_of)
    if opened_only:
        shops = shops.filter(created_at__lt=w.end)
    base = list(shops.order_by("pk").values_list("pk", "owner_id", "created_at"))
    columns = ["owner_id", *FEATURE_COLUMNS]
    if not base:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="shop_id", dtype="int64"), dtype="float64")
    owners = sorted({owner for _pk, owner, _c in base})
    orders = _order_stats(shops, w)
    weeks = _active_weeks(shops, w)
    ratings = _ratings(shops, w)
    permits = _permit_levels(owners, w)
    iuran = _iuran_dues(owners, w)
    arisan = _arisan_dues(owners, w)
    wallet = _wallet_days(owners, w)
    repayments = repayments or {}
    no_orders = {
        "gmv_avg_3m": 0.0,
        "gmv_trend_3m": 0.0,
        "orders_3m": 0.0,
        "refund_rate_3m": 0.0,
        "cancel_rate_3m": 0.0,
        "cancellations_30d": 0.0,
    }
    rows: list[dict[str, float]] = []
    for pk, owner, created in base:
        avg, count = ratings.get(pk, (math.nan, 0))
        due_i, ok_i = iuran.get(owner, (0, 0))
        due_a, ok_a = arisan.get(owner, (0, 0))
        dues = due_i + due_a
        opened = timezone.localtime(created).date()
        row: dict[str, float] = {
            "owner_id": float(owner),
            **orders.get(pk, no_orders),
            "active_weeks_ratio_12w": weeks.get(pk, 0) / 12.0,
            "rating_avg": avg,
            "rating_count": float(count),
            "tenure_months": float(math.floor(max((as_of - opened).days, 0) / DAYS_PER_MONTH)),
            "permit_level": float(permits.get(owner, 0)),
            "iuran_on_time_ratio": (ok_i + ok_a) / dues if dues else math.nan,
            **_repayment_features(repayments.get(owner)),
            "wallet_active_days_3m": float(wallet[owner]) if owner in wallet else math.nan,
        }
        rows.append(row)
    frame = pd.DataFrame(rows, index=pd.Index([pk for pk, _o, _c in base], name="shop_id"), columns=columns)
    frame["owner_id"] = frame["owner_id"].astype("int64")
    return frame


def extract_all(
    as_of: dt.date,
    repayments: Mapping[int, RepaymentRecord] | None = None,
    *,
    shop_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Features of every active shop of the current tenant (or of `shop_ids`) as of `as_of`.

    Index `shop_id`; columns `owner_id` then `UMKM_FEATURES.names` in order (NaN = missing).
    A shop opened after `as_of` is left out. A fixed number of queries, whatever the number of shops.
    """
    shops = Shop.objects.filter(is_active=True)
    if shop_ids is not None:
        shops = shops.filter(pk__in=list(shop_ids))
    return _frame(shops, as_of, repayments)


def extract_features(
    shop: Shop, as_of: dt.date, repayments: Mapping[int, RepaymentRecord] | None = None
) -> dict[str, float | None]:
    """One shop's features as of `as_of` (also for an inactive shop), keyed by feature name.

    Missing values (no rating, no iuran due, no past loan, no wallet) are None, so the dict can be
    stored as JSON and given to `CreditEngine.decide` as is. A shop opened after `as_of` has no
    history then: tenure 0, nothing sold (the owner's own data as of `as_of` still counts)."""
    frame = _frame(Shop.objects.filter(pk=shop.pk), as_of, repayments, opened_only=False)
    values: dict[str, Any] = frame.iloc[0].to_dict()
    return {name: None if math.isnan(float(values[name])) else float(values[name]) for name in FEATURE_COLUMNS}


def owner_features(
    owner_id: int, as_of: dt.date, repayments: Mapping[int, RepaymentRecord] | None = None
) -> dict[str, float | None]:
    """The person-level features (`OWNER_FEATURES`) of one user as of `as_of`, the same
    computation as in the shop rows (None = missing): an owner without a shop still has a
    wallet, past loans, permits and iuran, and must not be told otherwise."""
    w = _Window.of(as_of)
    owners = [owner_id]
    due_i, ok_i = _iuran_dues(owners, w).get(owner_id, (0, 0))
    due_a, ok_a = _arisan_dues(owners, w).get(owner_id, (0, 0))
    dues = due_i + due_a
    wallet = _wallet_days(owners, w)
    values: dict[str, float] = {
        "permit_level": float(_permit_levels(owners, w).get(owner_id, 0)),
        "iuran_on_time_ratio": (ok_i + ok_a) / dues if dues else math.nan,
        **_repayment_features((repayments or {}).get(owner_id)),
        "wallet_active_days_3m": float(wallet[owner_id]) if owner_id in wallet else math.nan,
    }
    return {name: None if math.isnan(values[name]) else values[name] for name in OWNER_FEATURES}
