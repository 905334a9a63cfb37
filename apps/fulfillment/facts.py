"""Daily facts of fulfillment for the analytics roll-up (see apps/facts/metrics.py).

Per hub (dimension = hub code), for the deliveries completed on `day` (local date):
* `deliveries`: value = metres driven on that day's routes of the hub, count = deliveries
  delivered, entities = couriers who delivered (and couriers who only drove a route);
* `deliveries_on_time`: value = deliveries delivered inside their time window, count =
  deliveries delivered, entities = the same couriers.
Every row carries each courier's own share (`entity_values` / `entity_counts`); deliveries
without a courier are in the totals but in no share. Deterministic; reads only this app's tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Sum
from django.utils import timezone

from apps.core.db import connection
from apps.facts.metrics import FactRow, Metric, entity_key

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
    # Each courier's own share per hub, for the release's per-entity clamping.
    courier_count: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    courier_on_time: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for hub_code, courier_id, was_on_time in delivered:
        count[hub_code] += 1
        on_time[hub_code] += int(bool(was_on_time))
        if courier_id is not None:
            key = entity_key("courier", schema, courier_id)
            courier_count[hub_code][key] += 1
            courier_on_time[hub_code][key] += int(bool(was_on_time))
    metres: dict[str, int] = defaultdict(int)
    courier_metres: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for hub_code, courier_id, m in (
        Route.objects.filter(day=day)
        .values_list("job__batch__hub__code", "courier_id")
        .annotate(m=Sum("distance_m"))
        .order_by("job__batch__hub__code", "courier_id")
    ):
        metres[hub_code] += int(m or 0)
        courier_metres[hub_code][entity_key("courier", schema, courier_id)] += int(m or 0)
    rows: list[FactRow] = []
    for hub_code in sorted(set(count) | set(metres)):
        # Couriers who delivered, and for the distance also those who only drove.
        delivered_by = frozenset(courier_count[hub_code])
        drove = delivered_by | frozenset(courier_metres[hub_code])
        rows.append(
            FactRow(
                Metric.DELIVERIES,
                metres.get(hub_code, 0),
                count[hub_code],
                hub_code,
                drove,
                entity_values=dict(courier_metres[hub_code]),
                entity_counts=dict(courier_count[hub_code]),
            )
        )
        rows.append(
            FactRow(
                Metric.DELIVERIES_ON_TIME,
                on_time[hub_code],
                count[hub_code],
                hub_code,
                delivered_by,
                entity_values=dict(courier_on_time[hub_code]),
                entity_counts=dict(courier_count[hub_code]),
            )
        )
    return rows
