"""Fixtures for the lending engine tests: small synthetic data and small, fast models.

No database: these tests never request `db`, and pytest-django blocks any query they might make.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from apps.lending.scoring import UMKM_FEATURES, ScoringModel, TrainParams, train_model
from apps.lending.scoring.german import GermanCredit, default_path, load_german_credit
from apps.lending.scoring.synthetic import synthetic_umkm

SMALL = TrainParams(n_estimators=60, max_depth=3, learning_rate=0.1, calibration_folds=3, seed=1)


@pytest.fixture(scope="session")
def umkm_data() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    return synthetic_umkm(1500, seed=7)


@pytest.fixture(scope="session")
def umkm_model(umkm_data: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]) -> ScoringModel:
    x, y = umkm_data
    return train_model(x, y, UMKM_FEATURES, SMALL, data_source="synthetic_umkm(1500, seed=7)")


@pytest.fixture(scope="session")
def german() -> GermanCredit:
    if not default_path().exists():
        pytest.skip(f"German credit data not found at {default_path()}")
    return load_german_credit()
