"""Daily facts of fulfillment for the analytics roll-up (see apps/analytics/metrics.py).

Per hub (dimension = hub code), for the deliveries completed on `day` (local date):
* `deliveries`: value = metres driven on that day's routes of the hub, count = deliveries
  delivered, entities = couriers who delivered;
* `deliveries_on_time`: value = deliveries delivered inside their time window, count =
  deliveries delivered, entities = the same couriers.
Deterministic; reads only this app's tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Sum
from django.utils import timezone

from apps.analytics.metrics import FactRow, Metric, entity_key
from apps.core.db import connection

from .models import Delivery, Route


def daily_facts(day: date) -> Iterable[FactRow]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    schema = connection.schema_name
    delivered = (
        Delivery.objects.filter(status=Delivery.Status.DELIVERED, delivered_at__gte=start, delivered_at__lt=end)
        .values_list("hub__code", "courier_id", "on_time")
        .order_by("hub__code", "pk")
    )
    count: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    couriers: dict[str, set[int]] = defaultdict(set)
    for hub_code, courier_id, was_on_time in delivered:
        count[hub_code] += 1
        on_time[hub_code] += int(bool(was_on_time))
        if courier_id is not None:
            couriers[hub_code].add(entity_key("courier", schema, courier_id))
    metres = {
        row["job__batch__hub__code"]: int(row["m"] or 0)
        for row in Route.objects.filter(day=day).values("job__batch__hub__code").annotate(m=Sum("distance_m"))
    }
    rows: list[FactRow] = []
    for hub_code in sorted(set(count) | set(metres)):
        keys = frozenset(couriers[hub_code])
        rows.append(FactRow(Metric.DELIVERIES, metres.get(hub_code, 0), count[hub_code], hub_code, keys))
        rows.append(FactRow(Metric.DELIVERIES_ON_TIME, on_time[hub_code], count[hub_code], hub_code, keys))
    return rows
