"""Differential privacy of released statistics (pure: no Django, callable on plain arrays).

A *group* is a set of cells released together whose entities' contributions are clamped
jointly: each entity adds at most `bound` in total (L1) over the group's cells — one cell alone,
or the children of a breakdown (an entity in two categories has its shares scaled down so they
sum to at most `bound`). Removing or adding one entity then moves the group's vector of sums by
at most `bound` in L1 norm, so Laplace noise of scale `bound / epsilon` on every cell makes the
group's release epsilon-differentially private (OpenDP's `make_laplace` on a vector with the L1
distance; the privacy map is checked, not assumed).

The noise comes from OpenDP (its sampler is cryptographically seeded and not reproducible).
`SeededNoise` draws the same Laplace distribution from a numpy generator with a fixed seed, for
the utility bench and for statistical tests of attacks; it is never used to answer a request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import opendp.measurements as measurements

# Not `opendp.prelude`: it imports OpenDP's extras (scikit-learn, SciPy, pandas), which web
# processes must not load (tests/core/test_web_imports.py).
from opendp.accuracy import laplacian_scale_to_accuracy
from opendp.domains import atom_domain, vector_domain
from opendp.metrics import l1_distance
from opendp.mod import enable_features

enable_features("contrib")

MECHANISM = "laplace"
LIBRARY = "OpenDP 0.16"
ALPHA = 0.05  # error bounds are stated at 95%


class Noise(Protocol):
    def __call__(self, values: Sequence[float], scale: float, epsilon: float, sensitivity: float) -> list[float]: ...


def opendp_noise(values: Sequence[float], scale: float, epsilon: float, sensitivity: float) -> list[float]:
    """Laplace noise from OpenDP, refusing a scale whose privacy map exceeds `epsilon`."""
    measurement = measurements.make_laplace(
        vector_domain(atom_domain(T=float, nan=False)), l1_distance(T=float), scale=scale
    )
    spent = float(measurement.map(sensitivity))  # type: ignore[no-untyped-call]
    if spent > epsilon * (1 + 1e-6):
        raise ValueError(f"scale {scale} spends {spent} > epsilon {epsilon}")
    return [float(v) for v in measurement([float(v) for v in values])]


@dataclass
class SeededNoise:
    """The same Laplace distribution from a seeded numpy generator (bench and tests only)."""

    seed: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def __call__(self, values: Sequence[float], scale: float, epsilon: float, sensitivity: float) -> list[float]:
        return [float(v) for v in np.asarray(values, dtype=float) + self.rng.laplace(0.0, scale, len(values))]


def scale_for(bound: float, epsilon: float) -> float:
    """Laplace scale giving `epsilon` for an L1 sensitivity of `bound` (a hair above, so that
    OpenDP's conservatively rounded privacy map stays within epsilon)."""
    if bound <= 0 or epsilon <= 0:
        raise ValueError("bound and epsilon must be positive")
    return bound / epsilon * (1 + 1e-9)


def error_95(scale: float) -> float:
    """Half-width of the 95% interval of Laplace noise of `scale` (OpenDP's accuracy formula)."""
    return float(laplacian_scale_to_accuracy(scale, ALPHA))


def clamp_group(cells: Sequence[Mapping[int, float]], bound: float) -> list[float]:
    """The cells' sums after clamping every entity's total contribution over the group at
    `bound` (negative contributions count as zero: every released sum is of non-negative parts)."""
    totals: dict[int, float] = {}
    for cell in cells:
        for key, amount in cell.items():
            totals[key] = totals.get(key, 0.0) + max(amount, 0.0)
    factor = {key: min(1.0, bound / total) if total > 0 else 0.0 for key, total in totals.items()}
    return [sum(max(amount, 0.0) * factor[key] for key, amount in cell.items()) for cell in cells]


def clamped_total(contributions: Mapping[int, float], bound: float) -> float:
    """The pre-noise sum of one cell released alone: sum of min(contribution, bound) over its
    entities, each entity's contribution being its own total over the cell's days (so one
    entity moves it by at most `bound`: the sensitivity the noise is scaled to)."""
    return clamp_group([contributions], bound)[0]


def clamp_array(contributions: np.ndarray, bound: float) -> np.ndarray:
    """`clamp_group` for one cell per row of an entities x cells array of one-cell groups
    (the bench's synthetic city): each entity's contribution to each cell clamped at `bound`."""
    return np.minimum(np.maximum(contributions, 0.0), bound).sum(axis=0)


@dataclass(frozen=True)
class GroupRelease:
    values: list[float]  # noisy sums, post-processed to be non-negative
    scale: float
    error_95: float
    epsilon: float


def release_group(sums: Sequence[float], bound: float, epsilon: float, noise: Noise) -> GroupRelease:
    """Noisy `sums` of one jointly clamped group at `epsilon`. Negative noisy sums are shown as
    0 (post-processing: it spends no privacy)."""
    scale = scale_for(bound, epsilon)
    noisy = noise(sums, scale, epsilon, bound) if sums else []
    return GroupRelease([max(v, 0.0) for v in noisy], scale, error_95(scale), epsilon)


def ratio(
    numerator: float, denominator: float, num_error: float, den_error: float, scale: float
) -> tuple[float | None, float | None]:
    """`scale * numerator / denominator` of two noisy sums, with a first-order 95% bound; no
    value when the noisy denominator is not clearly above zero (it would be noise over noise)."""
    if denominator <= 0 or math.isclose(denominator, 0.0):
        return None, None
    value = scale * numerator / denominator
    error = abs(scale) * (num_error + abs(numerator / denominator) * den_error) / denominator
    return value, error
