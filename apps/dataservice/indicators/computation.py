"""How an indicator's noisy parts are computed from the daily facts: each entity's
contribution (the sum of its own shares) to one part over a set of fact rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .base import Part


@dataclass(frozen=True)
class FactRow:
    """The fields of one DailyFact the computation needs (`entity_values` / `entity_counts`
    are parallel to `entity_keys`, or empty on a legacy fact)."""

    metric: str
    value: int
    count: int
    entity_keys: Sequence[int]
    entity_values: Sequence[int] = ()
    entity_counts: Sequence[int] = ()

    def shares(self, field: str) -> Sequence[int]:
        """Each entity's own part of `field` ("value" or "count"), empty when not recorded."""
        return self.entity_values if field == "value" else self.entity_counts


Contributions = dict[int, float]  # entity key -> its (unclamped) contribution to one sum


@dataclass
class Attribution:
    """How the rows of one computation were attributed: facts without per-entity shares (rolled
    up before they existed) fall back to an equal split, which does not bound a dominant entity;
    `build_tables` logs them so an operator re-runs `manage.py rollup_facts`."""

    exact: int = 0
    equal_split: int = 0


def contributions(part: Part, rows: Iterable[FactRow], seen: Attribution | None = None) -> Contributions:
    """Each entity's contribution to `part` over `rows`: the sum of its own shares.

    A fact's part nobody's share covers (an anonymous report) is left out: it could not be
    bounded. A legacy fact with no shares is split equally among its entities (exact only when a
    row has one entity; see the README). "distinct" counts an entity once. Rows without entity
    keys cannot be attributed, so they are left out rather than released unbounded.
    """
    out: Contributions = {}
    for row in rows:
        if row.metric != part.metric or not row.entity_keys:
            continue
        if part.field == "distinct":
            for key in row.entity_keys:
                out[key] = 1.0
            continue
        shares = row.shares(part.field)
        if len(shares) == len(row.entity_keys):
            if seen is not None:
                seen.exact += 1
            for key, amount in zip(row.entity_keys, shares, strict=True):
                out[key] = out.get(key, 0.0) + float(amount)
            continue
        if seen is not None:
            seen.equal_split += 1
        share = getattr(row, part.field) / len(row.entity_keys)
        for key in row.entity_keys:
            out[key] = out.get(key, 0.0) + share
    return out
