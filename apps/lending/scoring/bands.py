"""Score bands A-E from the calibrated probability of default (PD).

Default cut-offs (a lender may set its own, strictly increasing):

| band | PD |
|---|---|
| A | PD < 2% |
| B | 2% <= PD < 5% |
| C | 5% <= PD < 10% |
| D | 10% <= PD < 20% |
| E | PD >= 20% |

A higher PD never gets a better band (tested). Bands are indices 0..4 in vectorized code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import ScoringError

__all__ = ["BAND_LABELS", "DEFAULT_BANDS", "BandPolicy"]

BAND_LABELS = ("A", "B", "C", "D", "E")

_BAND_TEXT = {
    "A": "risiko sangat rendah",
    "B": "risiko rendah",
    "C": "risiko sedang",
    "D": "risiko tinggi",
    "E": "risiko sangat tinggi",
}


@dataclass(frozen=True)
class BandPolicy:
    """PD cut-offs between consecutive bands: band i covers [cutoffs[i-1], cutoffs[i])."""

    cutoffs: tuple[float, float, float, float] = (0.02, 0.05, 0.10, 0.20)

    def __post_init__(self) -> None:
        c = self.cutoffs
        if len(c) != len(BAND_LABELS) - 1 or not all(0 < a < b < 1 for a, b in itertools.pairwise(c)):
            raise ScoringError("bad_bands", f"band cut-offs must be 4 strictly increasing PDs in (0, 1), got {c}")

    def index(self, pd: npt.ArrayLike) -> npt.NDArray[np.int8]:
        """Band indices (0 = A ... 4 = E) for an array of PDs."""
        return np.searchsorted(np.asarray(self.cutoffs), np.asarray(pd, dtype=np.float64), side="right").astype(np.int8)

    def band(self, pd: float) -> str:
        return BAND_LABELS[int(self.index(np.array([pd]))[0])]

    @staticmethod
    def describe(band: str) -> str:
        return f"Kelas {band} ({_BAND_TEXT[band]})"

    def to_dict(self) -> dict[str, float]:
        return {f"{BAND_LABELS[i]}<": c for i, c in enumerate(self.cutoffs)}


DEFAULT_BANDS = BandPolicy()
