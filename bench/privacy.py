"""Utility of the Data-as-a-Service privacy: differential privacy versus suppression (not a test).

What it measures, in one run, with the release code of the API (`apps.dataservice.dp`: the same
contribution bounds of the catalogue, the same clamping and the same Laplace scale at the
configured epsilon per release; noise from a seeded generator so runs repeat):

* a **synthetic city** generated in memory (no database): 3 kecamatan x 9 kelurahan = 27
  kelurahan, 300 UMKM each, 2 years of daily sales (each shop sells on a share of days drawn
  per shop, lognormal order values, a few big shops);
* the **demo facts** (`DailyFact` of a database seeded with `make run` / `seed_demo`), when a
  database is given with --demo-database-url or DATABASE_URL and holds facts;

and prints, per indicator (gmv, orders, umkm_active) and level (kota, kecamatan, kelurahan) x
granularity (day, week, month):

* the median relative error |released - true| / true over the cells with a non-zero true
  value (the error includes the clamping bias), and the median stated 95% error bound;
* the epsilon that releasing that whole level costs per month and kecamatan (to hold against
  the budget per period), and
* beside it, what the suppression it replaces would do: the share of cells suppressed (primary
  k=5 and complementary, `apps.analytics.privacy.protect_table`, per table of a parent and its
  children).

Goal (issue 22): kelurahan x month GMV and orders within 5% median error, while the 95% bound
of every cell exceeds the GMV of a typical shop (no single shop's value can be read off).

Run from the repository root:

    .venv/bin/python bench/privacy.py [--epsilon 0.5] [--seed 22] [--shops 300] [--days 730]
                                      [--demo-database-url postgres://postgres@127.0.0.1:5432/kotakita]

Results are printed and written to bench/results/privacy.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from benchlib import log

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

RESULTS_FILE = BASE_DIR / "bench" / "results" / "privacy.json"
KOTA = "35.77"
KECAMATAN = 3
KELURAHAN_PER_KECAMATAN = 9
START = datetime.date(2024, 12, 30)  # a Monday: weeks align with the data
LEVELS = ("kota", "kecamatan", "kelurahan")
GRANULARITIES = ("day", "week", "month")
K = 5


def setup_django(database_url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


# --- the synthetic city ----------------------------------------------------------------------------


@dataclass
class City:
    days: list[datetime.date]
    kelurahan_of: np.ndarray  # shop -> kelurahan index
    gmv: np.ndarray  # shops x days, rupiah
    orders: np.ndarray  # shops x days

    @property
    def kecamatan_of(self) -> np.ndarray:
        return self.kelurahan_of // KELURAHAN_PER_KECAMATAN


def synthetic_city(shops_per_kelurahan: int, days: int, seed: int) -> City:
    rng = np.random.default_rng(seed)
    n = KECAMATAN * KELURAHAN_PER_KECAMATAN * shops_per_kelurahan
    kelurahan_of = np.repeat(np.arange(KECAMATAN * KELURAHAN_PER_KECAMATAN), shops_per_kelurahan)
    selling_share = rng.beta(2.0, 2.5, n)  # share of days a shop sells
    size = rng.lognormal(0.0, 0.6, n)  # shop size: a few big ones
    sells = rng.random((n, days)) < selling_share[:, None]
    orders = np.where(sells, rng.poisson(2.0 * size[:, None], (n, days)) + 1, 0)
    ticket = rng.lognormal(np.log(45_000), 0.5, (n, days))
    gmv = np.round(orders * ticket)
    return City([START + datetime.timedelta(days=i) for i in range(days)], kelurahan_of, gmv, orders.astype(float))


def bucket_index(
    days: list[datetime.date], granularity: str
) -> tuple[np.ndarray, list[tuple[datetime.date, datetime.date]]]:
    """Per day, the index of its bucket; and the buckets' first and last days."""
    from apps.dataservice.selectors import bucket_end, bucket_start

    starts: dict[datetime.date, int] = {}
    index = np.empty(len(days), dtype=int)
    spans = []
    for i, day in enumerate(days):
        first = bucket_start(day, granularity)
        if first not in starts:
            starts[first] = len(spans)
            spans.append((first, bucket_end(first, granularity)))
        index[i] = starts[first]
    return index, spans


def epsilon_per_month(
    spans: list[tuple[datetime.date, datetime.date]], groups_per_bucket: int, epsilon: float
) -> float:
    """Mean over months of what releasing every bucket (its groups) costs one budget region."""
    from apps.dataservice.budget import months

    per_month: dict[datetime.date, float] = defaultdict(float)
    for first, last in spans:
        for month in months(first, last):
            per_month[month] += groups_per_bucket * epsilon
    return statistics.mean(per_month.values())


def suppressed_share(active: np.ndarray, place_of: np.ndarray, parent_of: np.ndarray | None) -> float:
    """Share of cells (places x buckets) suppression would hide: primary (1..k-1 shops) and
    complementary (per parent table, `protect_table`). `active`: shops x buckets booleans."""
    from apps.analytics.privacy import Cell, protect_table

    places = int(place_of.max()) + 1
    hidden = total = 0
    for b in range(active.shape[1]):
        members = [frozenset(np.flatnonzero(active[:, b] & (place_of == p)).tolist()) for p in range(places)]
        parents: dict[int, list[int]] = defaultdict(list)
        for p in range(places):
            parents[int(parent_of[p]) if parent_of is not None else 0].append(p)
        for children in parents.values():
            root = frozenset().union(*(members[p] for p in children))
            table = [Cell((), 0.0, root)] + [Cell((str(p),), 0.0, members[p]) for p in children]
            decisions = protect_table(table, K)
            # The kota alone: only its own cell counts; otherwise the children.
            decisions = decisions[:1] if parent_of is None else decisions[1:]
            hidden += sum(1 for d in decisions if d.suppressed)
            total += len(decisions)
    return hidden / total if total else 0.0


def sum_per_bucket(values: np.ndarray, index: np.ndarray, buckets: int) -> np.ndarray:
    """shops x days -> shops x buckets sums."""
    out = np.zeros((values.shape[0], buckets))
    np.add.at(out.T, index, values.T)
    return out


def measure_city(city: City, epsilon: float, seed: int) -> list[dict[str, Any]]:
    from apps.dataservice import dp
    from apps.dataservice.indicators import BY_CODE

    noise = dp.SeededNoise(seed)
    rows = []
    kelurahan_parent = np.arange(KECAMATAN * KELURAHAN_PER_KECAMATAN) // KELURAHAN_PER_KECAMATAN
    for granularity in GRANULARITIES:
        index, spans = bucket_index(city.days, granularity)
        buckets = len(spans)

        gmv, orders = sum_per_bucket(city.gmv, index, buckets), sum_per_bucket(city.orders, index, buckets)
        active = orders > 0
        measures = {"gmv": gmv, "orders": orders, "umkm_active": active.astype(float)}
        for level in LEVELS:
            place_of = {
                "kota": np.zeros_like(city.kelurahan_of),
                "kecamatan": city.kecamatan_of,
                "kelurahan": city.kelurahan_of,
            }[level]
            places = int(place_of.max()) + 1
            parent = {"kota": None, "kecamatan": np.zeros(KECAMATAN, dtype=int), "kelurahan": kelurahan_parent}[level]
            share = suppressed_share(active, place_of, parent)
            for code, values in measures.items():
                indicator = BY_CODE[code]
                bound = indicator.parts[0].bound.at(granularity)
                errors, bounds = [], []
                for b in range(buckets):
                    column = values[:, b]
                    truth = np.bincount(place_of, weights=column, minlength=places)
                    clamped = np.bincount(place_of, weights=np.minimum(column, bound), minlength=places)
                    released = dp.release_group(clamped.tolist(), bound, epsilon, noise)
                    for p in range(places):
                        if truth[p] > 0:
                            errors.append(abs(released.values[p] - truth[p]) / truth[p])
                    bounds.append(released.error_95)
                # A shop's own value: its month's sales or orders; one for "is active".
                shop_month = 1.0 if code == "umkm_active" else float(np.median(per_bucket_month(city, code)))
                rows.append(
                    {
                        "data": "synthetic",
                        "indicator": code,
                        "level": level,
                        "granularity": granularity,
                        "cells": len(errors),
                        "median_relative_error": statistics.median(errors) if errors else None,
                        "error_95": statistics.median(bounds),
                        "typical_shop_month": shop_month,
                        "epsilon_per_month": epsilon_per_month(spans, 1, epsilon),
                        "suppressed_share": share,
                    }
                )
    return rows


def per_bucket_month(city: City, code: str) -> np.ndarray:
    """Each shop's value per month, over the shops that sold (the "own value" to protect)."""
    index, spans = bucket_index(city.days, "month")
    values = {"gmv": city.gmv, "orders": city.orders}[code]
    out = sum_per_bucket(values, index, len(spans))
    return out[out > 0]


# --- the demo facts ----------------------------------------------------------------------------------


def measure_demo(epsilon: float, seed: int) -> list[dict[str, Any]]:
    """The same table over the facts of a seeded database (the API's own cell building)."""
    from apps.analytics.models import DailyFact
    from apps.dataservice import dp, release, selectors
    from apps.dataservice.indicators import BY_CODE, FactRow, contributions
    from apps.tenancy import regions

    noise = dp.SeededNoise(seed)
    facts = list(
        DailyFact.objects.filter(
            region_code__startswith=KOTA, metric__in={BY_CODE[c].metric for c in ("gmv", "orders", "umkm_active")}
        )
        .filter(dimension="")
        .values_list("metric", "region_code", "day", "value", "count", "entity_keys", "entity_values", "entity_counts")
    )
    if not facts:
        return []
    days = sorted({f[2] for f in facts})
    all_days = [days[0] + datetime.timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    rows = []
    for granularity in GRANULARITIES:
        index, spans = bucket_index(all_days, granularity)
        day_bucket = {d: int(index[i]) for i, d in enumerate(all_days)}
        for level in LEVELS:
            depth = {"kota": 2, "kecamatan": 3, "kelurahan": 4}[level]
            cells: dict[tuple[int, str], list[FactRow]] = defaultdict(list)
            for metric, code, day, value, count, keys, values, counts in facts:
                if regions.level_of(code) < depth:
                    continue
                place = ".".join(code.split(".")[:depth])
                cells[(day_bucket[day], place)].append(FactRow(metric, value, count, keys, values, counts))
            for code in ("gmv", "orders", "umkm_active"):
                indicator = BY_CODE[code]
                errors, hidden, bounds = [], 0, []
                for (_b, place), fact_rows in cells.items():
                    cell = selectors.RawCell(place, "", tuple(contributions(p, fact_rows) for p in indicator.parts))
                    truth = float(
                        sum(
                            r.value if indicator.parts[0].field == "value" else r.count
                            for r in fact_rows
                            if r.metric == indicator.metric
                        )
                    )
                    if indicator.parts[0].field == "distinct":
                        truth = float(len(cell.parts[0]))
                    if len(cell.parts[0]) < K:
                        hidden += 1  # primary suppression only (the demo's tables are uneven)
                    ((value, error),) = release.noisy_values(indicator, granularity, [cell], epsilon, noise)
                    if truth > 0 and value is not None:
                        errors.append(abs(value - truth) / truth)
                    if error is not None:
                        bounds.append(error)
                rows.append(
                    {
                        "data": "demo",
                        "indicator": code,
                        "level": level,
                        "granularity": granularity,
                        "cells": len(errors),
                        "median_relative_error": statistics.median(errors) if errors else None,
                        "error_95": statistics.median(bounds) if bounds else None,
                        "typical_shop_month": None,
                        "epsilon_per_month": epsilon_per_month(spans, 1, epsilon),
                        "suppressed_share": hidden / len(cells) if cells else None,
                    }
                )
    return rows


# --- output -----------------------------------------------------------------------------------------


def fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    if percent:
        return f"{100 * value:.1f}%"
    if value >= 1_000_000:
        return f"{value / 1_000_000:,.1f} jt"
    return f"{value:,.1f}"


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    print(f"\n{title}")
    header = (
        f"{'indikator':<12} {'tingkat':<10} {'periode':<6} {'sel':>6} {'galat median':>13} {'batas 95%':>12} "
        f"{'eps/bulan':>10} {'disembunyikan (k=5)':>20}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['indicator']:<12} {r['level']:<10} {r['granularity']:<6} {r['cells']:>6} "
            f"{fmt(r['median_relative_error'], True):>13} {fmt(r['error_95']):>12} {r['epsilon_per_month']:>10.2f} "
            f"{fmt(r['suppressed_share'], True):>20}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--epsilon", type=float, default=None, help="epsilon per release (default: the commerce policy default)"
    )
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--shops", type=int, default=300, help="UMKM per kelurahan")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--demo-database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.demo_database_url)
    from apps.dataservice import budget

    epsilon = args.epsilon or budget.DEFAULT_EPSILON_PER_RELEASE
    log(f"synthetic city: 27 kelurahan x {args.shops} UMKM x {args.days} days, epsilon {epsilon} per release")
    city = synthetic_city(args.shops, args.days, args.seed)
    synthetic = measure_city(city, epsilon, args.seed)
    demo: list[dict[str, Any]] = []
    try:
        demo = measure_demo(epsilon, args.seed)
    except Exception as exc:  # no database, or one without the schema: the synthetic part stands
        log(
            f"demo facts not read ({type(exc).__name__}: {exc}); "
            "seed a database (make run) and pass --demo-database-url"
        )
    print_table(
        synthetic, f"Kota sintetis (27 kelurahan x {args.shops} UMKM x {args.days} hari), epsilon {epsilon} per rilis"
    )
    if demo:
        print_table(demo, f"Fakta demo (Kota Madiun), epsilon {epsilon} per rilis")
    else:
        print("\nFakta demo: tidak ada (jalankan seed_demo lalu beri --demo-database-url)")
    goal = [
        r
        for r in synthetic
        if r["level"] == "kelurahan" and r["granularity"] == "month" and r["indicator"] in ("gmv", "orders")
    ]
    met = all(r["median_relative_error"] is not None and r["median_relative_error"] <= 0.05 for r in goal)
    shop_safe = all(r["error_95"] > r["typical_shop_month"] for r in synthetic if r["indicator"] in ("gmv", "orders"))
    print(f"\nSasaran kelurahan x bulan GMV dan pesanan <= 5% galat median: {'tercapai' if met else 'TIDAK tercapai'}")
    print(f"Batas galat 95% > nilai bulanan satu UMKM tipikal di setiap sel: {'ya' if shop_safe else 'TIDAK'}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(
        json.dumps(
            {
                "epsilon_per_release": epsilon,
                "seed": args.seed,
                "shops_per_kelurahan": args.shops,
                "days": args.days,
                "python": platform.python_version(),
                "synthetic": synthetic,
                "demo": demo,
                "goal_met": met,
            },
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
