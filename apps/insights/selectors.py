"""Reads for the forecast pages and API: per shop, per hub (category sums), sector insights."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, Sum

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.marketplace.models import Category, Shop

from . import services
from .models import DemandForecast, ForecastRun, MaterialRecipe

if TYPE_CHECKING:  # pandas and the forecasting package load only on the pages that compute with them
    from apps.analytics.forecasting import GrowthInsight

RECENT_WEEKS = 8


def may_plan(user: User) -> bool:
    """Hub operators and staff see the sums over all shops."""
    return bool(user.is_authenticated and (user.is_staff or user.has_role(Role.OPERATOR_HUB)))


def latest_run() -> ForecastRun | None:
    return ForecastRun.objects.filter(status=ForecastRun.Status.DONE).order_by("-week").first()


def visible_shops(user: User) -> QuerySet[Shop]:
    shops = Shop.objects.filter(is_active=True).order_by("name")
    return shops if may_plan(user) else shops.filter(owner=user)


def forecasts_for(user: User, run: ForecastRun | None = None) -> QuerySet[DemandForecast]:
    run = run or latest_run()
    if run is None:
        return DemandForecast.objects.none()
    qs = DemandForecast.objects.filter(run=run).select_related("shop", "category")
    if not may_plan(user):
        qs = qs.filter(shop__owner=user)
    return qs.order_by("shop__name", "category__name", "week")


@dataclass
class CategoryForecast:
    category: Category | None
    weeks: list[date]
    expected: list[float]
    actual: list[float]
    methods: set[str]
    history_weeks: int
    chart: str = ""

    @property
    def total(self) -> float:
        return round(sum(self.expected), 2)

    @property
    def fallback(self) -> bool:
        return any(m != "xgboost" for m in self.methods)


@dataclass
class ShopForecast:
    shop: Shop
    categories: list[CategoryForecast] = field(default_factory=list)


def shop_forecasts(run: ForecastRun, shops: Iterable[Shop]) -> list[ShopForecast]:
    shops = list(shops)
    by_shop = {s.pk: ShopForecast(s) for s in shops}
    rows = DemandForecast.objects.filter(run=run, shop__in=shops).select_related("category").order_by("week")
    grouped: dict[tuple[int, int | None], list[DemandForecast]] = defaultdict(list)
    for r in rows:
        grouped[(r.shop_id, r.category_id)].append(r)
    history = services.weekly_history(run.week, weeks=RECENT_WEEKS)
    recent_weeks = [run.week - timedelta(weeks=k) for k in range(RECENT_WEEKS, 0, -1)]
    actual: dict[tuple[int, int], dict[date, float]] = defaultdict(dict)
    for h in history.itertuples(index=False):
        actual[(int(h.shop), int(h.category))][h.week.date()] = float(h.demand)
    for (shop_id, cat_id), items in grouped.items():
        past = actual.get((shop_id, cat_id or services.NO_CATEGORY), {})
        by_shop[shop_id].categories.append(
            CategoryForecast(
                category=items[0].category,
                weeks=[i.week for i in items],
                expected=[float(i.expected_units) for i in items],
                actual=[past.get(w, 0.0) for w in recent_weeks],
                methods={i.method for i in items},
                history_weeks=items[0].history_weeks,
            )
        )
    for sf in by_shop.values():
        sf.categories.sort(key=lambda c: c.category.name if c.category else "~")
    return [by_shop[s.pk] for s in shops]


@dataclass(frozen=True)
class PlanRow:
    category: str
    units: list[Decimal]
    total: Decimal


def hub_plan(run: ForecastRun, *, hub_delivery_only: bool) -> tuple[list[date], list[PlanRow]]:
    """Expected units per category and week, summed over the shops (those that deliver through
    the kelurahan hub, or all)."""
    qs = DemandForecast.objects.filter(run=run)
    if hub_delivery_only:
        qs = qs.filter(shop__offers_hub_delivery=True)
    sums = qs.values("category__name", "week").annotate(units=Sum("expected_units")).order_by("week")
    weeks = sorted({r["week"] for r in sums})
    table: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for r in sums:
        table[r["category__name"] or "—"][r["week"]] = r["units"]
    rows = [
        PlanRow(name, [cells.get(w, Decimal("0")) for w in weeks], sum(cells.values(), Decimal("0")))
        for name, cells in sorted(table.items())
    ]
    return weeks, rows


def sector_growth(weeks: int = 13) -> list[GrowthInsight]:
    """Fast-growing categories over the last `weeks` weeks of sales (all shops)."""
    import pandas as pd

    from apps.analytics.forecasting import growth_insights

    origin = services.current_week()
    history = services.weekly_history(origin, weeks=weeks + 52)
    if history.empty:
        return []
    names = dict(Category.objects.values_list("pk", "name"))
    groups = {s: names.get(int(c), "—") for s, c in zip(history["series"], history["category"], strict=True)}
    # every group gets the full window: pad the grid to the week before the origin
    last = pd.Timestamp(origin - timedelta(weeks=1))
    pad = pd.DataFrame(
        [{"series": s, "week": last, "demand": 0.0} for s in set(history["series"])],
        columns=["series", "week", "demand"],
    )
    frame = pd.concat([history[["series", "week", "demand"]], pad], ignore_index=True)
    frame = frame.groupby(["series", "week"], as_index=False)["demand"].sum()
    return growth_insights(frame, weeks=weeks, groups=groups)


@dataclass(frozen=True)
class MaterialNeed:
    material: str
    unit: str
    weeks: list[float]
    total: float
    cost: int | None


def material_plan(run: ForecastRun) -> tuple[list[date], list[MaterialNeed], list[str]]:
    """Raw materials the forecast weeks need (forecast x recipes), with cost where priced.
    Returns weeks, needs and the categories with forecasts but no recipe."""
    import pandas as pd

    from apps.analytics.forecasting import material_needs

    sums = list(
        DemandForecast.objects.filter(run=run, category__isnull=False)
        .values("category_id", "category__name", "week")
        .annotate(units=Sum("expected_units"))
    )
    if not sums:
        return [], [], []
    recipes = list(MaterialRecipe.objects.all())
    bom: dict[int, dict[str, float]] = defaultdict(dict)
    units: dict[str, str] = {}
    prices: dict[str, int] = {}
    for r in recipes:
        bom[r.category_id][r.material] = float(r.quantity_per_unit)
        units[r.material] = r.unit
        if r.unit_price is not None:
            prices[r.material] = r.unit_price
    frame = pd.DataFrame([{"series": s["category_id"], "week": s["week"], "forecast": float(s["units"])} for s in sums])
    names = {s["category_id"]: s["category__name"] for s in sums}
    needs = material_needs(frame, dict(bom), prices=prices)
    missing = sorted(str(names[c]) for c in needs.attrs.get("missing_bom", []))
    weeks = sorted({s["week"] for s in sums})
    out: list[MaterialNeed] = []
    for material, part in needs.groupby("material", sort=True):
        by_week = dict(zip(part["week"], part["quantity"], strict=True))
        qty = [round(float(by_week.get(w, 0.0)), 2) for w in weeks]
        cost_values: list[Any] = list(part["cost_rupiah"]) if "cost_rupiah" in part else []
        known = [int(c) for c in cost_values if not pd.isna(c)]
        cost = sum(known) if known and len(known) == len(cost_values) else None
        out.append(MaterialNeed(str(material), units.get(str(material), ""), qty, round(sum(qty), 2), cost))
    return weeks, out, missing
