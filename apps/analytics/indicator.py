"""One dashboard indicator: a figure computed from an `Aggregate` of the daily facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from .selectors import Aggregate


def ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return None if not den else num / den * scale


def stock(agg: Aggregate, metric: str) -> int:
    """The level of `metric` (all dimensions together) at the end of the aggregated period."""
    return agg.stock_end.get((metric, ""), 0)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    unit: str  # count | rupiah | percent | days | hours | score (1-5) | nps (-100..100)
    group: str | Promise
    needs: tuple[str, ...]  # metrics without which the value is "belum ada data"
    compute: Callable[[Aggregate], float | None]
    higher_is_better: bool = True
    hint: str | Promise = ""  # one plain sentence for a lurah who does not know the staff term
    # False: a figure of one dimension value (e.g. government buyers only), whose entities the
    # kota comparison cannot count for its "< k" rule; shown in the KPIs, not in the comparison.
    in_comparison: bool = True
