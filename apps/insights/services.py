"""Forecast runs and recipes (tenant schema). `run_forecast` is idempotent per week."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Min, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.marketplace import lifecycle
from apps.marketplace.models import Category, OrderLine, ProductCategory, Shop

from .models import DemandForecast, ForecastRun, MaterialRecipe

if TYPE_CHECKING:  # engine and pandas load only where a forecast runs, not in every web process
    import pandas as pd

logger = logging.getLogger(__name__)

HISTORY_WEEKS = 156  # three years: two seasonal lags and then some
NO_CATEGORY = 0


def _monday(day: date) -> date:
    # Same as engine.monday, kept here so reading the week does not load pandas.
    return day - timedelta(days=day.weekday())


def current_week(today: date | None = None) -> date:
    return _monday(today or timezone.localdate())


def clean_week(value: Any) -> date:
    if isinstance(value, date):
        return _monday(value)
    text = str(value or "").strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_("Minggu harus berupa tanggal TTTT-BB-HH."), code="bad_week") from None
    return _monday(day)


def primary_categories() -> dict[int, int]:
    """Product id -> the category its sales count under: the product's first category by id
    (a product in two categories is counted once, so hub sums do not double)."""
    rows = ProductCategory.objects.values("product_id").annotate(first=Min("category_id"))
    return {int(r["product_id"]): int(r["first"]) for r in rows}


def weekly_history(origin: date, weeks: int = HISTORY_WEEKS) -> pd.DataFrame:
    """Units sold per (shop, category) and week (Monday, local time) before `origin`, from
    orders that count as sales. Columns: series ("shop:category"), shop, category, week, demand."""
    import pandas as pd

    tz = timezone.get_current_timezone()
    end = timezone.make_aware(datetime.combine(origin, time.min), tz)
    start = end - timedelta(weeks=weeks)
    rows = (
        OrderLine.objects.filter(
            order__status__in=list(lifecycle.SOLD),
            order__created_at__gte=start,
            order__created_at__lt=end,
            order__shop__is_active=True,
        )
        .annotate(week=TruncWeek("order__created_at", tzinfo=tz))
        .values("order__shop_id", "product_id", "week")
        .annotate(units=Sum("quantity"))
    )
    categories = primary_categories()
    totals: dict[tuple[int, int, date], float] = defaultdict(float)
    for r in rows:
        week = r["week"].date() if isinstance(r["week"], datetime) else r["week"]
        cat = categories.get(int(r["product_id"]), NO_CATEGORY)
        totals[(int(r["order__shop_id"]), cat, week)] += float(r["units"])
    records = [
        {"series": f"{shop}:{cat}", "shop": shop, "category": cat, "week": pd.Timestamp(week), "demand": units}
        for (shop, cat, week), units in sorted(totals.items())
    ]
    return pd.DataFrame(records, columns=["series", "shop", "category", "week", "demand"])


@dataclass(frozen=True)
class RunOutcome:
    run: ForecastRun
    computed: bool


@transaction.atomic
def run_forecast(
    week: Any = None, *, force: bool = False, actor: User | None = None, trigger: str = ForecastRun.Trigger.SCHEDULE
) -> RunOutcome:
    """The forecast made at the start of `week` (default: this week). Once done it is returned
    as it is, unless `force` (a staff request) recomputes it from the sales as they are now."""
    origin = current_week() if week is None else clean_week(week)
    if origin > current_week():
        raise ValidationFailed(_("Perkiraan hanya bisa dibuat untuk minggu ini atau sebelumnya."), code="future")
    if actor is not None and not actor.is_staff:
        raise Forbidden(_("Hanya petugas yang bisa menghitung ulang perkiraan."), code="not_staff")
    run, created = ForecastRun.objects.select_for_update().get_or_create(
        week=origin, defaults={"trigger": trigger, "requested_by": actor}
    )
    if run.status == ForecastRun.Status.DONE and not force:
        return RunOutcome(run, computed=False)
    from . import engine

    history = weekly_history(origin)
    result = engine.weekly_forecast(history.drop(columns=["shop", "category"]), origin)
    shops = set(Shop.objects.filter(is_active=True).values_list("pk", flat=True))
    categories = set(Category.objects.values_list("pk", flat=True))
    rows: list[DemandForecast] = []
    model_series: set[str] = set()
    for r in result.rows:
        shop_id, cat_id = (int(p) for p in str(r.series).split(":"))
        if shop_id not in shops:
            continue
        if r.method == engine.XGBOOST:
            model_series.add(str(r.series))
        rows.append(
            DemandForecast(
                run=run,
                shop_id=shop_id,
                category_id=cat_id if cat_id in categories else None,
                week=r.week,
                horizon=r.horizon,
                expected_units=Decimal(str(r.units)).quantize(Decimal("0.01")),
                method=r.method,
                history_weeks=r.history_weeks,
            )
        )
    DemandForecast.objects.filter(run=run).delete()
    DemandForecast.objects.bulk_create(rows)
    run.status = ForecastRun.Status.DONE
    run.horizon = engine.HORIZON
    run.history_weeks = result.history_weeks
    run.series = len({(f.shop_id, f.category_id) for f in rows})
    run.model_series = len(model_series)
    run.notes = result.notes
    run.finished_at = timezone.now()
    if not created:
        run.trigger = trigger
        run.requested_by = actor
    run.save()
    logger.info("forecast %s: %d series, %d with the model", origin, run.series, run.model_series)
    return RunOutcome(run, computed=True)


def request_forecast(actor: User) -> None:
    """A staff member asks for this week's forecast again (queued after commit)."""
    if not actor.is_staff:
        raise Forbidden(_("Hanya petugas yang bisa menghitung ulang perkiraan."), code="not_staff")
    from apps.core.tasks import enqueue_on_commit

    from .tasks import forecast

    week = current_week().isoformat()
    enqueue_on_commit(forecast, week, force=True, actor_id=actor.pk)


# --- recipes ------------------------------------------------------------------------------


@transaction.atomic
def set_recipe(
    category: Category | int, material: Any, *, quantity_per_unit: Any, unit: Any = "kg", unit_price: Any = None
) -> MaterialRecipe:
    cat = category if isinstance(category, Category) else Category.objects.filter(pk=category).first()
    if cat is None:
        raise NotFound(_("Kategori tidak ditemukan."))
    name = clean_short_text(
        material, field="material", max_length=80, required_message=_("Nama bahan baku wajib diisi.")
    )
    unit_name = clean_short_text(unit, field="unit", max_length=16) or "kg"
    try:
        qty = Decimal(str(quantity_per_unit))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Kebutuhan per unit harus angka."), code="not_number") from None
    if not qty.is_finite() or qty <= 0 or qty >= Decimal("1000000"):
        raise ValidationFailed(_("Kebutuhan per unit harus lebih dari 0."), code="not_positive")
    price: int | None = None
    if unit_price not in (None, ""):
        try:
            price = int(unit_price)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Harga harus bilangan bulat rupiah."), code="not_integer") from None
        if price < 0:
            raise ValidationFailed(_("Harga tidak boleh negatif."), code="negative")
    recipe, _created = MaterialRecipe.objects.update_or_create(
        category=cat,
        material=name,
        defaults={
            "quantity_per_unit": qty.quantize(Decimal("0.0001")),
            "unit": unit_name,
            "unit_price": price,
        },
    )
    return recipe
