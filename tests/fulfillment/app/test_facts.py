"""Daily facts for the analytics roll-up: deliveries and on-time deliveries per hub."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.facts.metrics import Metric
from apps.fulfillment import facts, services
from apps.fulfillment.models import Delivery, Route

from .conftest import World, new_delivery

pytestmark = pytest.mark.django_db


def test_daily_facts_per_hub(world: World) -> None:
    deliveries = [new_delivery(world) for _ in range(2)]
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk)
    for delivery in deliveries:
        services.mark_picked_up(delivery, actor=world.andi)
        services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(Delivery.objects.get(pk=delivery.pk)))
    Delivery.objects.filter(pk=deliveries[1].pk).update(on_time=False)
    today = timezone.localdate()
    rows = {row.metric: row for row in facts.daily_facts(today)}
    metres = sum(Route.objects.values_list("distance_m", flat=True))
    assert rows[Metric.DELIVERIES].dimension == world.hub.code
    assert rows[Metric.DELIVERIES].value == metres > 0
    assert rows[Metric.DELIVERIES].count == 2
    assert rows[Metric.DELIVERIES_ON_TIME].value == 1 and rows[Metric.DELIVERIES_ON_TIME].count == 2
    assert len(rows[Metric.DELIVERIES].entity_keys) == 1
    assert list(facts.daily_facts(today)) == list(facts.daily_facts(today))  # deterministic
    assert list(facts.daily_facts(today.replace(year=today.year - 1))) == []
