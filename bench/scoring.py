"""Credit-scoring benchmark: discrimination on German credit, and batch scoring speed.

What it measures, in one run:

1. **German credit, 3 x 5-fold stratified cross-validation** (scikit-learn's
   `RepeatedStratifiedKFold`, fixed seed; every model sees exactly the same 15 splits):
   - **pipeline (a priori)**: `apps.lending.scoring.train_model` with its default
     `TrainParams` (monotone xgboost, depth 3, 300 rounds at 0.05, calibration on held-out
     folds inside the training part). Those parameters were fixed before any result was seen.
   - **pipeline (nested)**: the same pipeline with depth in {2, 3, 4}, min_child_weight in
     {1, 5} and rounds in {100, 300, 600} chosen by a 3-fold CV *inside each training part*
     (the test fold is never used for the choice), then refitted with calibration.
   - **pipeline, no constraints** (ablation): a priori parameters, monotone constraints off.
   - **pipeline, no age** (sensitivity): a priori parameters without `age_in_years`.
   - **baseline: logistic regression**: the raw columns (protected ones excluded, as for the
     pipeline), numeric standardized, categorical one-hot, scikit-learn defaults (C = 1).
   - **baseline, no age**: the same without `age_in_years`.
   - **extra: mean of the a-priori pipeline's and the baseline's PDs** (fixed 50/50, nothing
     fitted): not "monotone xgboost alone"; reported as something tried, not as the pipeline.
   AUC and Brier of the calibrated PD on each test fold; mean +- sd over the 15 folds, and the
   per-fold paired difference to the baseline.
2. **Batch scoring** of 100,000 synthetic UMKM rows (`apps.lending.scoring.synthetic`) through
   `CreditEngine.score_batch` (PD, band, offer) with a model trained on 5,000 other synthetic
   rows; against the same call one row at a time on a 1,000-row sample, and `decide()` (with
   contributions and reasons) one row at a time; for the model and the cold-start scorecard.

Targets (from the issue): AUC >= 0.80 and above the baseline.

Run from the repository root (needs `../shared/data/credit/germancredit.csv`, pandas and
scikit-learn; everything single-threaded: the machine is shared):

    .venv/bin/python bench/scoring.py [--repeats 3] [--folds 5] [--rows 100000] [--single 1000]

Results are printed and written to bench/results/scoring.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from apps.lending.scoring import UMKM_FEATURES, CreditEngine, LenderOutcomes, TrainParams, train_model  # noqa: E402
from apps.lending.scoring.german import GERMAN_EXCLUDED, default_path, load_german_credit  # noqa: E402
from apps.lending.scoring.metrics import auc, brier, stratified_folds  # noqa: E402
from apps.lending.scoring.model import train_booster  # noqa: E402
from apps.lending.scoring.synthetic import synthetic_umkm  # noqa: E402

RESULTS_FILE = BASE_DIR / "bench" / "results" / "scoring.json"
SEED = 20260101
TARGET_AUC = 0.80
NUMERIC = [
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
]
GRID_DEPTH = (2, 3, 4)
GRID_MIN_CHILD = (1.0, 5.0)
GRID_ROUNDS = (100, 300, 600)
LR = "baseline: logistic regression"
ENSEMBLE = "extra: mean of pipeline (a priori) and LR PDs"

_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", file=sys.stderr, flush=True)


# --- models under comparison -----------------------------------------------------------------


def logistic_baseline(frame: pd.DataFrame, *, include_age: bool = True) -> tuple[Pipeline, list[str]]:
    numeric = [c for c in NUMERIC if include_age or c != "age_in_years"]
    excluded = set(GERMAN_EXCLUDED) | {"creditability"} | set(NUMERIC)
    categorical = [c for c in frame.columns if c not in excluded]
    pipe = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("num", StandardScaler(), numeric),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                    ]
                ),
            ),
            ("lr", LogisticRegression(max_iter=5000)),
        ]
    )
    return pipe, numeric + categorical


def nested_params(x: np.ndarray, y: np.ndarray, features: Any, base: TrainParams, seed: int) -> TrainParams:
    """Pick depth / min_child_weight / rounds by a 3-fold CV inside the training part only."""
    folds = stratified_folds(y, 3, seed)
    scores: dict[tuple[int, float, int], list[float]] = {}
    for depth in GRID_DEPTH:
        for mcw in GRID_MIN_CHILD:
            params = replace(base, max_depth=depth, min_child_weight=mcw, n_estimators=max(GRID_ROUNDS))
            for train_idx, test_idx in folds:
                booster = train_booster(x[train_idx], y[train_idx], features, params)
                for rounds in GRID_ROUNDS:
                    margin = booster.inplace_predict(x[test_idx], predict_type="margin", iteration_range=(0, rounds))
                    scores.setdefault((depth, mcw, rounds), []).append(auc(y[test_idx], margin))
    best = max(scores, key=lambda k: (statistics.fmean(scores[k]), -k[2], -k[0]))
    return replace(base, max_depth=best[0], min_child_weight=best[1], n_estimators=best[2])


def summarize(values: list[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0}


def cross_validate(repeats: int, folds: int) -> dict[str, Any]:
    german = load_german_credit()
    german_noage = load_german_credit(include_age=False)
    frame = pd.read_csv(default_path())
    y = german.y
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=SEED)
    base = TrainParams()
    models: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {}
    chosen: list[dict[str, Any]] = []

    def pipeline(train: np.ndarray, test: np.ndarray, _: int) -> np.ndarray:
        model = train_model(german.x[train], y[train], german.features, base)
        return model.predict_pd(german.x[test])

    def nested(train: np.ndarray, test: np.ndarray, split: int) -> np.ndarray:
        params = nested_params(german.x[train], y[train], german.features, base, SEED + split)
        chosen.append(
            {
                "split": split,
                "max_depth": params.max_depth,
                "min_child_weight": params.min_child_weight,
                "n_estimators": params.n_estimators,
            }
        )
        model = train_model(german.x[train], y[train], german.features, params)
        return model.predict_pd(german.x[test])

    def unconstrained(train: np.ndarray, test: np.ndarray, _: int) -> np.ndarray:
        model = train_model(german.x[train], y[train], german.features, replace(base, monotone=False))
        return model.predict_pd(german.x[test])

    def no_age(train: np.ndarray, test: np.ndarray, _: int) -> np.ndarray:
        model = train_model(german_noage.x[train], y[train], german_noage.features, base)
        return model.predict_pd(german_noage.x[test])

    def baseline(include_age: bool) -> Callable[[np.ndarray, np.ndarray, int], np.ndarray]:
        def run(train: np.ndarray, test: np.ndarray, _: int) -> np.ndarray:
            pipe, columns = logistic_baseline(frame, include_age=include_age)
            pipe.fit(frame.iloc[train][columns], y[train])
            return pipe.predict_proba(frame.iloc[test][columns])[:, 1]

        return run

    models["pipeline (a priori params)"] = pipeline
    models["pipeline (nested-CV params)"] = nested
    models["pipeline, no monotone constraints"] = unconstrained
    models["pipeline, no age"] = no_age
    models[LR] = baseline(True)
    models["baseline: logistic regression, no age"] = baseline(False)

    names = [*models, ENSEMBLE]
    per_fold: dict[str, dict[str, list[float]]] = {name: {"auc": [], "brier": []} for name in names}
    seconds: dict[str, float] = dict.fromkeys(names, 0.0)
    for split, (train, test) in enumerate(splitter.split(german.x, y)):
        predictions: dict[str, np.ndarray] = {}
        for name, fit_predict in models.items():
            t = time.perf_counter()
            predictions[name] = fit_predict(train, test, split)
            seconds[name] += time.perf_counter() - t
        # Fixed a priori: the plain mean of the two PDs, no weights fitted.
        predictions[ENSEMBLE] = (predictions["pipeline (a priori params)"] + predictions[LR]) / 2
        for name, pd_test in predictions.items():
            per_fold[name]["auc"].append(auc(y[test], pd_test))
            per_fold[name]["brier"].append(brier(y[test], pd_test))
        log(f"split {split + 1}/{repeats * folds}: AUC " + " / ".join(f"{v['auc'][-1]:.3f}" for v in per_fold.values()))
    reference = {"": LR, "no age": "baseline: logistic regression, no age"}
    rows = []
    for name, values in per_fold.items():
        ref = reference["no age" if "no age" in name else ""]
        diffs = [a - b for a, b in zip(values["auc"], per_fold[ref]["auc"], strict=True)]
        rows.append(
            {
                "model": name,
                "auc": summarize(values["auc"]),
                "brier": summarize(values["brier"]),
                "vs_baseline": None
                if name == ref
                else {"reference": ref, **summarize(diffs), "wins": sum(d > 0 for d in diffs)},
                "seconds": seconds[name],
                "per_fold_auc": values["auc"],
            }
        )
    return {
        "data": german.source,
        "rows": len(y),
        "default_rate": float(y.mean()),
        "features": list(german.features.names),
        "excluded": german.excluded,
        "splits": f"RepeatedStratifiedKFold(n_splits={folds}, n_repeats={repeats}, random_state={SEED})",
        "a_priori_params": asdict(base),
        "nested_grid": {"max_depth": GRID_DEPTH, "min_child_weight": GRID_MIN_CHILD, "n_estimators": GRID_ROUNDS},
        "nested_chosen": chosen,
        "models": rows,
    }


# --- batch scoring ---------------------------------------------------------------------------


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def batch_speed(rows: int, single: int) -> dict[str, Any]:
    x_train, y_train = synthetic_umkm(5_000, seed=11)
    t = time.perf_counter()
    model = train_model(x_train, y_train, UMKM_FEATURES, TrainParams())
    train_s = time.perf_counter() - t
    x, _ = synthetic_umkm(rows, seed=12)
    sample = x[:single]
    applicants = [
        {n: (None if np.isnan(v) else float(v)) for n, v in zip(UMKM_FEATURES.names, row, strict=True)}
        for row in sample
    ]
    engine = CreditEngine(model=model)
    out: dict[str, Any] = {
        "rows": rows,
        "single_sample": single,
        "model_train_s": train_s,
        "model_train_rows": len(y_train),
        "model_version": model.version,
        "paths": {},
    }
    for label, outcomes in (("model", LenderOutcomes(500, 60)), ("scorecard", LenderOutcomes(0, 0))):
        engine.score_batch(x[:1000], outcomes)  # warm-up
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            result = engine.score_batch(x, outcomes)
            runs.append(time.perf_counter() - t)
        assert result.method == label
        batch_s = statistics.median(runs)
        t = time.perf_counter()
        for i in range(single):
            engine.score_batch(sample[i : i + 1], outcomes)
        one_s = time.perf_counter() - t
        t = time.perf_counter()
        for applicant in applicants:
            engine.decide(applicant, outcomes)
        decide_s = time.perf_counter() - t
        bands = np.bincount(result.band_index, minlength=5).tolist()
        out["paths"][label] = {
            "batch_runs_s": runs,
            "batch_rows_per_s": rate(rows, batch_s),
            "one_at_a_time_rows_per_s": rate(single, one_s),
            "speedup": rate(rows, batch_s) / rate(single, one_s),
            "decide_rows_per_s": rate(single, decide_s),
            "band_counts_A_to_E": bands,
            "offers": int(result.offers.eligible.sum()),
            "mean_limit_offered": float(result.offers.limit[result.offers.eligible].mean()),
        }
        log(f"batch {label}: {rate(rows, batch_s):,.0f} rows/s")
    return out


# --- report ----------------------------------------------------------------------------------


def render(report: dict[str, Any]) -> str:
    cv = report["german_cv"]
    lines = [
        f"German credit ({cv['rows']} loans, {cv['default_rate']:.0%} bad), {cv['splits']}",
        f"{'model':<46} {'AUC mean ± sd':>15} {'Brier mean ± sd':>17} {'ΔAUC vs LR (paired)':>22} {'wins':>6}",
    ]
    for row in cv["models"]:
        a, b, v = row["auc"], row["brier"], row["vs_baseline"]
        delta = "—" if v is None else f"{v['mean']:+.4f} ± {v['sd']:.4f}"
        wins = "" if v is None else f"{v['wins']}/{len(row['per_fold_auc'])}"
        lines.append(
            f"{row['model']:<46} {a['mean']:>7.4f} ± {a['sd']:.4f} {b['mean']:>8.4f} ± {b['sd']:.4f} "
            f"{delta:>22} {wins:>6}"
        )
    chosen = cv["nested_chosen"]
    if chosen:
        picks = [f"d{c['max_depth']}/mcw{c['min_child_weight']:g}/{c['n_estimators']}" for c in chosen]
        lines.append("nested picks (depth/min_child_weight/rounds): " + ", ".join(picks))
    main = next(r for r in cv["models"] if r["model"] == "pipeline (a priori params)")
    lr = next(r for r in cv["models"] if r["model"] == "baseline: logistic regression")
    best = max(cv["models"], key=lambda r: r["auc"]["mean"] if r["model"].startswith("pipeline") else -1)
    lines.append(
        f"target AUC >= {TARGET_AUC:.2f}: a priori pipeline {main['auc']['mean']:.4f} "
        f"({'met' if main['auc']['mean'] >= TARGET_AUC else 'NOT met'}); best pipeline variant "
        f"{best['model']} {best['auc']['mean']:.4f} ({'met' if best['auc']['mean'] >= TARGET_AUC else 'NOT met'}); "
        f"baseline {lr['auc']['mean']:.4f}"
    )
    bs = report["batch"]
    lines += [
        "",
        f"Batch scoring, {bs['rows']:,} synthetic UMKM rows (model trained on {bs['model_train_rows']:,} rows "
        f"in {bs['model_train_s']:.1f} s); one-at-a-time on {bs['single_sample']:,} rows",
        f"{'path':<10} {'batch rows/s':>14} {'1-row calls rows/s':>19} {'speed-up':>9} {'decide() rows/s':>16} "
        f"{'bands A..E':>32} {'offers':>7}",
    ]
    for label, p in bs["paths"].items():
        lines.append(
            f"{label:<10} {p['batch_rows_per_s']:>14,.0f} {p['one_at_a_time_rows_per_s']:>19,.0f} "
            f"{p['speedup']:>8,.0f}x {p['decide_rows_per_s']:>16,.0f} {p['band_counts_A_to_E']!s:>32} "
            f"{p['offers']:>7,}"
        )
    lines.append(
        f"load average before/after: {report['load_avg_before']} / {report['load_avg_after']} "
        f"({report['cpus']} CPUs, shared)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=1_000)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "xgboost": xgb.__version__,
        "numpy": np.__version__,
        "scikit_learn": sklearn.__version__,
        "pandas": pd.__version__,
        "cpus": os.cpu_count(),
        "threads": 1,
        "load_avg_before": [round(v, 2) for v in os.getloadavg()],
    }
    with threadpool_limits(1):  # BLAS/OpenMP single-threaded; xgboost gets nthread=1 from TrainParams
        report["german_cv"] = cross_validate(args.repeats, args.folds)
        report["batch"] = batch_speed(args.rows, args.single)
    report["load_avg_after"] = [round(v, 2) for v in os.getloadavg()]
    print(render(report))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nJSON: {RESULTS_FILE.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
