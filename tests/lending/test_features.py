"""Feature specs, their documented directions, and the protected-attribute guard."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from apps.lending.scoring import (
    UMKM_FEATURES,
    CreditEngine,
    Direction,
    FeatureSet,
    FeatureSpec,
    LenderOutcomes,
    ProtectedAttributeError,
    ScoringError,
    refuse_protected,
)
from apps.lending.scoring import features as features_module
from apps.lending.scoring.german import GERMAN_EXCLUDED, german_features

from .samples import APPLICANT

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "name",
    [
        "gender",
        "Gender",
        "applicant_gender",
        "applicantGender",
        "sex",
        "jenis_kelamin",
        "jk",
        "agama",
        "religion",
        "suku",
        "suku_bangsa",
        "etnis",
        "ethnicity",
        "race",
        "marital_status",
        "status_perkawinan",
        "status_kawin",
        "personal_status_and_sex",
        "foreign_worker",
        "kewarganegaraan",
        "nationality",
    ],
)
def test_protected_names_are_refused(name: str) -> None:
    with pytest.raises(ProtectedAttributeError) as info:
        refuse_protected(["gmv_avg_3m", name])
    assert isinstance(info.value, ValueError)
    assert info.value.names == [name]
    assert "protected" in str(info.value)


@pytest.mark.parametrize(
    "name", ["suku_bunga", "gmv_avg_3m", "rasio_refund", "sussex_branch", "tenure_months", "permit_level"]
)
def test_ordinary_names_pass(name: str) -> None:
    refuse_protected([name])


def test_feature_set_refuses_protected_feature() -> None:
    with pytest.raises(ProtectedAttributeError):
        FeatureSet("bad", (FeatureSpec("agama", "Agama", "kode", Direction.UNKNOWN, "religion"),))


def test_decision_refuses_protected_input() -> None:
    with pytest.raises(ProtectedAttributeError, match="jenis_kelamin"):
        CreditEngine().decide({**APPLICANT, "jenis_kelamin": 1}, LenderOutcomes(0, 0))


def test_unknown_and_missing_features_refused() -> None:
    with pytest.raises(ScoringError, match="not features"):
        UMKM_FEATURES.row({**APPLICANT, "warna_toko": 3})
    partial = {k: v for k, v in APPLICANT.items() if k != "gmv_avg_3m"}
    with pytest.raises(ScoringError, match="gmv_avg_3m"):
        UMKM_FEATURES.row(partial)
    with pytest.raises(ScoringError, match="must be a number"):
        UMKM_FEATURES.row({**APPLICANT, "permit_level": True})


def test_optional_features_become_nan() -> None:
    row = UMKM_FEATURES.row({**APPLICANT, "repay_on_time_ratio": None})
    assert np.isnan(row[UMKM_FEATURES.index("repay_on_time_ratio")])
    assert np.isnan(row[UMKM_FEATURES.index("repay_max_dpd")])  # absent


def test_no_feature_set_contains_protected_attributes() -> None:
    for fs in (UMKM_FEATURES, german_features(), german_features(include_age=False)):
        refuse_protected(fs.names)
    assert set(GERMAN_EXCLUDED) == {"personal_status_and_sex", "foreign_worker"}


def test_docstring_table_matches_specs() -> None:
    """The UMKM table in features.py documents each feature's direction; keep it true."""
    doc = features_module.__doc__ or ""
    rows = dict(re.findall(r"^\| (\w+) \| [^|]+ \| (up|down|unknown) \|", doc, flags=re.MULTILINE))
    expected = {Direction.RISK_UP: "up", Direction.RISK_DOWN: "down", Direction.UNKNOWN: "unknown"}
    assert rows == {s.name: expected[s.direction] for s in UMKM_FEATURES.specs}


def test_monotone_constraint_string() -> None:
    assert (
        UMKM_FEATURES.monotone_constraints == "(" + ",".join(str(int(s.direction)) for s in UMKM_FEATURES.specs) + ")"
    )


def test_engine_modules_do_not_import_django() -> None:
    code = (
        "import sys, apps.lending.schedule, apps.lending.scoring, apps.lending.scoring.german, "
        "apps.lending.scoring.synthetic; bad = [m for m in sys.modules if m.split('.')[0] == 'django']; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT)


def test_wallet_feature_sentences_and_back_compat() -> None:
    spec = UMKM_FEATURES.spec("wallet_active_days_3m")
    assert spec.optional and spec.direction is Direction.RISK_DOWN
    assert spec.sentence(float("nan")) == "Belum memiliki dompet KotaKitaPay"
    assert spec.sentence(42.0) == "Dompet KotaKitaPay dipakai pada 42 dari 90 hari terakhir"
    assert spec.reason_text(3.0, raises_risk=True).endswith("(masih tergolong jarang)")
    # Rows stored before the wallet feature existed still build (missing -> NaN).
    old = {k: v for k, v in APPLICANT.items() if k != "wallet_active_days_3m"}
    assert np.isnan(UMKM_FEATURES.row(old)[UMKM_FEATURES.index("wallet_active_days_3m")])
