"""The catalogue of indicators served by the Data-as-a-Service API, and how each is computed
from the public daily facts (`apps.analytics.models.DailyFact`).

Every indicator belongs to a *family* (the scope an API key needs). A value is computed over a
set of fact rows (a region prefix, a period bucket, optionally one dimension value); its
*entities* are the distinct anonymous entity keys behind the indicator's main metric, which is
whose contributions differential privacy bounds.

Every indicator states its *contribution bounds* (`Bound`): the most one entity (a shop, a
resident, a courier) may add to one released cell, per granularity. Each entity's contribution
is the sum of its own shares of the facts (`DailyFact.entity_values` / `entity_counts`) over the
cell's days; contributions above the bound are clamped before noise is added, which is what
makes the noise scale (bound / epsilon) hide any single entity. Ratios have a bound for the
numerator and one for the denominator.

The catalogue is split by indicator family group: `base` (families, bounds, `Indicator`),
`marketplace` (umkm, commerce, prices), `public_services` (complaints, delivery, satisfaction),
`retention`, `community` (sembako, tukang), `finance` (levies, invoices, financing) and
`computation` (each entity's contribution to a part). Import from this package.
"""

from __future__ import annotations

from .base import FAMILY_LABELS, K_RESPONSES, ONE_PER_CELL, Aggregate, Bound, Family, Indicator, Part
from .community import COMMUNITY
from .computation import Attribution, Contributions, FactRow, contributions
from .finance import FINANCE, K_CONTRIBUTORS
from .marketplace import GMV_BOUND, MARKETPLACE, ORDERS_BOUND, UNITS_BOUND
from .public_services import COMPLAINTS, DELIVERY, SATISFACTION
from .retention import RETENTION

INDICATORS: tuple[Indicator, ...] = MARKETPLACE + COMPLAINTS + DELIVERY + SATISFACTION + RETENTION + COMMUNITY + FINANCE

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}

__all__ = [
    "BY_CODE",
    "FAMILY_LABELS",
    "GMV_BOUND",
    "INDICATORS",
    "K_CONTRIBUTORS",
    "K_RESPONSES",
    "ONE_PER_CELL",
    "ORDERS_BOUND",
    "UNITS_BOUND",
    "Aggregate",
    "Attribution",
    "Bound",
    "Contributions",
    "FactRow",
    "Family",
    "Indicator",
    "Part",
    "contributions",
]
