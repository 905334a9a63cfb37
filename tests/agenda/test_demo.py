"""The agenda demo seeds Madiun-flavoured events once; running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agenda import demo
from apps.agenda.models import Event
from apps.demo import seed as core_demo
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_in_the_coming_weeks(tenant_a: Tenant) -> None:
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        demo.seed(tenant_a)
        titles = set(Event.objects.values_list("title", flat=True))
        demo.seed(tenant_a)
        assert Event.objects.count() == len(titles) == 6
        assert {"Kerja bakti RW 01", "Posyandu balita", "Rapat RT 02/RW 01", "Pasar murah"} <= titles
        now = timezone.now()
        for event in Event.objects.all():
            assert now < event.starts_at < now + timedelta(days=21)
        rapat = Event.objects.get(title="Rapat RT 02/RW 01")
        assert rapat.rt is not None and str(rapat.rt) == "RT 02/RW 01"
