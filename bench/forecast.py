"""Weekly demand forecasting benchmark on the Walmart store panel (45 stores x 143 weeks).

What it measures, in one run:

* **Rolling-origin evaluation.** The last `--origins` (6) forecast origins spaced `--spacing`
  (4) weeks apart, each forecasting the next 8 weeks for every store. At each origin the
  forecaster is fit only on the weeks before it. In the same run and on the same cells:
  - **naive**: the last observed week, repeated;
  - **seasonal naive**: the same week 52 weeks earlier;
  - **level-adjusted seasonal naive** (extra reference, also the model's blend partner): the
    week 52 weeks earlier times (mean of the last 13 weeks / mean of the same 13 weeks a year
    earlier);
  - **forecaster**: `apps.analytics.forecasting` (global direct XGBoost), with the holiday
    calendar of the data: its own `Holiday_Flag` (known in advance, passed for the horizon weeks
    as a known covariate) plus US holidays and Easter. No other column (temperature, fuel price,
    CPI, unemployment) is used: their future values would not be known at the origin.
  WAPE (sum |error| / sum actual) overall, per horizon step and per origin.
* **Validation before evaluation.** The only choices made on data (tree depth and the blend
  weight with the level-adjusted seasonal naive) are picked on `--val-origins` (12) earlier
  origins, 4 weeks apart, whose forecast weeks all end before the first evaluation origin.
  The evaluation windows are never looked at until the choice is made.

Target from the issue: forecaster WAPE at least 25% below seasonal naive's.

Run from the repository root:

    .venv/bin/python bench/forecast.py [--data ../shared/data/demand/walmart-weekly.csv]
                                       [--origins 6] [--spacing 4] [--val-origins 12]
                                       [--validation-only]

Results are printed and written to bench/results/forecast.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from apps.analytics.forecasting import (  # noqa: E402
    ForecastConfig,
    UnitedStatesCalendar,
    blend,
    feature_importance,
    fit,
    forecast,
    naive_forecast,
    seasonal_naive_forecast,
    wape,
)

RESULTS_FILE = BASE_DIR / "bench" / "results" / "forecast.json"
DEFAULT_DATA = BASE_DIR.parent / "shared" / "data" / "demand" / "walmart-weekly.csv"
HORIZON = 8
TARGET_GAIN_VS_SEASONAL_NAIVE = 0.25

# Declared before any run: what validation may choose from.
DEPTHS = (5, 7)
BLENDS = (0.0, 0.25, 0.5)

KEYS = ["series", "week"]
METHODS = ("forecaster", "model_only", "naive", "seasonal_naive", "seasonal_naive_level_adj")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load(path: Path) -> pd.DataFrame:
    """Walmart frame as (series, week, demand, Holiday_Flag); weeks are Friday week-ends."""
    raw = pd.read_csv(path)
    weeks = None
    for fmt in ("%d/%m/%y", "%d-%m-%Y", "%d/%m/%Y", "%d-%m-%y"):  # the README says dd-mm-yyyy
        parsed = pd.to_datetime(raw["Date"], format=fmt, errors="coerce")
        if parsed.notna().all():
            weeks = parsed
            break
    if weeks is None:
        raise SystemExit("could not parse the Date column as day-first dates")
    if (weeks.dt.day_of_week != 4).any():
        raise SystemExit("expected Friday week-ending dates")
    return pd.DataFrame(
        {
            "series": raw["Store"].astype(int),
            "week": weeks,
            "demand": raw["Weekly_Sales"].astype(float),
            "Holiday_Flag": raw["Holiday_Flag"].astype(float),
        }
    )


def base_config(depth: int, blend_weight: float) -> ForecastConfig:
    return ForecastConfig(
        horizon=HORIZON,
        calendar=UnitedStatesCalendar(),
        week_label="end",
        known_covariates=("Holiday_Flag",),
        max_depth=depth,
        seasonal_blend=blend_weight,
        n_jobs=1,
    )


def run_origin(data: pd.DataFrame, weeks: Sequence[pd.Timestamp], origin: int, config: ForecastConfig) -> pd.DataFrame:
    """Fit on weeks < origin, forecast 8 weeks, join the actuals and every baseline."""
    start = weeks[origin]
    history = data[data["week"] < start]
    window = data[(data["week"] >= start) & (data["week"] <= weeks[origin + HORIZON - 1])]
    started = time.perf_counter()
    model = fit(history, config)
    fit_s = time.perf_counter() - started
    ours = forecast(model, history, HORIZON, future=window[[*KEYS, "Holiday_Flag"]])
    out = ours.rename(columns={"forecast": "forecaster", "model": "model_only", "seasonal": "seasonal_naive_level_adj"})
    for name, fn in (("naive", naive_forecast), ("seasonal_naive", seasonal_naive_forecast)):
        base: Callable[..., pd.DataFrame] = fn
        out = out.merge(base(history, HORIZON)[[*KEYS, "forecast"]].rename(columns={"forecast": name}), on=KEYS)
    out = out.merge(window[[*KEYS, "demand"]], on=KEYS, how="left")
    if out["demand"].isna().any() or len(out) != HORIZON * data["series"].nunique():
        raise SystemExit(f"origin {start.date()}: forecast cells and actuals do not line up")
    out["origin"] = start
    out.attrs["fit_s"] = fit_s
    out.attrs["importance"] = feature_importance(model, top=12)
    return out


def wape_table(frame: pd.DataFrame, methods: Sequence[str]) -> dict[str, float]:
    return {m: wape(frame["demand"], frame[m]) for m in methods}


def validate(data: pd.DataFrame, weeks: Sequence[pd.Timestamp], origins: Sequence[int]) -> dict[str, Any]:
    """Score every (depth, blend) candidate on the validation origins; pick the lowest WAPE."""
    candidates: list[dict[str, Any]] = []
    for depth in DEPTHS:
        frames = []
        for o in origins:
            frames.append(run_origin(data, weeks, o, base_config(depth, 0.0)))
            log(f"validation depth={depth} origin {weeks[o].date()} fit {frames[-1].attrs['fit_s']:.1f}s")
        frame = pd.concat(frames, ignore_index=True)
        for b in BLENDS:
            pred = blend(frame["model_only"], frame["seasonal_naive_level_adj"], b)
            candidates.append({"max_depth": depth, "seasonal_blend": b, "wape": wape(frame["demand"], pred)})
        reference = wape_table(frame, ("naive", "seasonal_naive", "seasonal_naive_level_adj"))
    best = min(candidates, key=lambda c: (round(c["wape"], 6), c["seasonal_blend"], c["max_depth"]))
    return {"candidates": candidates, "chosen": best, "baselines": reference}


def per_group(frame: pd.DataFrame, by: str) -> dict[str, dict[str, float]]:
    return {str(k): wape_table(g, METHODS) for k, g in frame.groupby(by, sort=True)}


def fmt_pct(x: float) -> str:
    return f"{100 * x:6.2f}%"


def render(result: dict[str, Any]) -> str:
    lines = []
    v = result["validation"]
    lines.append(
        f"Validation ({len(v['origins'])} origins {v['origins'][0]} .. {v['origins'][-1]}, "
        f"targets before {result['evaluation']['origins'][0]}):"
    )
    lines.append(f"  {'max_depth':>9} {'blend':>6} {'WAPE':>8}")
    for c in v["candidates"]:
        mark = "  <- chosen" if c == v["chosen"] else ""
        lines.append(f"  {c['max_depth']:>9} {c['seasonal_blend']:>6.2f} {fmt_pct(c['wape']):>8}{mark}")
    lines.append("  baselines: " + ", ".join(f"{k} {fmt_pct(x).strip()}" for k, x in v["baselines"].items()))
    e = result["evaluation"]
    lines.append("")
    lines.append(
        f"Evaluation: {len(e['origins'])} origins {e['origins'][0]} .. {e['origins'][-1]} (every "
        f"{result['spacing']} weeks), {HORIZON} weeks ahead, {result['series']} stores, {e['cells']} cells"
    )
    header = f"  {'method':<26}{'overall':>9}" + "".join(f"{'h' + str(h):>8}" for h in range(1, HORIZON + 1))
    lines.append(header)
    for m in METHODS:
        row = f"  {m:<26}{fmt_pct(e['overall'][m]):>9}"
        row += "".join(f"{fmt_pct(e['per_horizon'][str(h)][m]):>8}" for h in range(1, HORIZON + 1))
        lines.append(row)
    lines.append("")
    lines.append(f"  {'origin':<12}" + "".join(f"{m:>26}" for m in METHODS))
    for o, row in e["per_origin"].items():
        lines.append(f"  {o[:10]:<12}" + "".join(f"{fmt_pct(row[m]):>26}" for m in METHODS))
    lines.append("")
    gain = e["gain_vs_seasonal_naive"]
    lines.append(
        f"Forecaster vs seasonal naive: {100 * gain:.1f}% lower WAPE "
        f"(target >= {100 * TARGET_GAIN_VS_SEASONAL_NAIVE:.0f}%): {'MET' if e['target_met'] else 'MISSED'}"
    )
    lines.append(f"Model alone (no blend) vs seasonal naive: {100 * e['model_only_gain_vs_seasonal_naive']:.1f}% lower")
    lines.append(f"Chosen config: max_depth={v['chosen']['max_depth']}, seasonal_blend={v['chosen']['seasonal_blend']}")
    lines.append(f"Fit time per origin: median {e['fit_s_median']:.1f}s; total run {result['total_s']:.0f}s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--origins", type=int, default=6)
    parser.add_argument("--spacing", type=int, default=4)
    parser.add_argument("--val-origins", type=int, default=12)
    parser.add_argument(
        "--validation-only", action="store_true", help="run the validation grid and stop (nothing is written)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    data = load(args.data)
    weeks = sorted(data["week"].unique())
    n = len(weeks)
    eval_origins = sorted(n - HORIZON - args.spacing * i for i in range(args.origins))
    val_origins = sorted(eval_origins[0] - HORIZON - args.spacing * i for i in range(args.val_origins))
    if val_origins[0] < 1:
        raise SystemExit("not enough weeks for that many validation origins")
    log(f"{len(data)} rows, {data['series'].nunique()} stores, {n} weeks {weeks[0].date()} .. {weeks[-1].date()}")

    validation = validate(data, weeks, val_origins)
    chosen = validation["chosen"]
    log(f"chosen on validation: {chosen}")
    if args.validation_only:
        for c in validation["candidates"]:
            print(f"  max_depth={c['max_depth']} blend={c['seasonal_blend']:.2f} WAPE {fmt_pct(c['wape'])}")
        print("  baselines: " + ", ".join(f"{k} {fmt_pct(x).strip()}" for k, x in validation["baselines"].items()))
        return

    config = base_config(chosen["max_depth"], chosen["seasonal_blend"])
    frames = []
    for o in eval_origins:
        frames.append(run_origin(data, weeks, o, config))
        log(f"evaluation origin {weeks[o].date()} fit {frames[-1].attrs['fit_s']:.1f}s")
    fit_times = [f.attrs["fit_s"] for f in frames]
    importance = frames[-1].attrs["importance"]
    frame = pd.concat(frames, ignore_index=True)
    overall = wape_table(frame, METHODS)
    gain = 1.0 - overall["forecaster"] / overall["seasonal_naive"]

    result: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": str(args.data),
        "series": int(data["series"].nunique()),
        "weeks": n,
        "horizon": HORIZON,
        "spacing": args.spacing,
        "validation": {
            "origins": [str(weeks[o].date()) for o in val_origins],
            "grid": {"max_depth": list(DEPTHS), "seasonal_blend": list(BLENDS)},
            **validation,
        },
        "evaluation": {
            "origins": [str(weeks[o].date()) for o in eval_origins],
            "cells": len(frame),
            "overall": overall,
            "per_horizon": per_group(frame, "horizon"),
            "per_origin": per_group(frame.assign(origin=frame["origin"].dt.strftime("%Y-%m-%d")), "origin"),
            "gain_vs_seasonal_naive": gain,
            "model_only_gain_vs_seasonal_naive": 1.0 - overall["model_only"] / overall["seasonal_naive"],
            "target_gain": TARGET_GAIN_VS_SEASONAL_NAIVE,
            "target_met": bool(gain >= TARGET_GAIN_VS_SEASONAL_NAIVE),
            "fit_s": fit_times,
            "fit_s_median": float(np.median(fit_times)),
            "feature_importance_last_origin": importance,
        },
        "config": {k: v for k, v in vars(replace(config, calendar=None)).items() if k != "calendar"}
        | {"calendar": "UnitedStatesCalendar + Holiday_Flag"},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
    }
    result["total_s"] = time.perf_counter() - started
    print()
    print(render(result))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nJSON: {RESULTS_FILE.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
