"""Query budgets of the Data-as-a-Service lists: the same count at n and 10n items, ≤ 12."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable

import pytest
from django.utils import timezone

from apps.dataservice import services
from apps.dataservice.indicators import INDICATORS
from apps.dataservice.models import ApiKey
from tests.budgets import assert_list_budget

from .conftest import api

pytestmark = pytest.mark.django_db


def _usage_days(key: ApiKey) -> Callable[[int], None]:
    """Metered use on earlier days (the usage list shows the last 31)."""
    back = itertools.count(1)

    def grow(count: int) -> None:
        for _ in range(count):
            day = timezone.localdate() - datetime.timedelta(days=next(back))
            services.record_usage(key, requests=2, rows=5, cells=3, day=day)

    return grow


def test_usage_list(key: tuple[ApiKey, str]) -> None:
    client = api(key[1])
    assert_list_budget(lambda: client.get("/api/v1/data/usage/"), _usage_days(key[0]))
    assert len(client.get("/api/v1/data/usage/").json()["results"]) == 31


def test_indicator_list(key: tuple[ApiKey, str]) -> None:
    """The catalogue is code, not rows: its cost stays fixed however long the key's history."""
    client = api(key[1])
    assert_list_budget(lambda: client.get("/api/v1/data/indicators/"), _usage_days(key[0]))
    assert len(client.get("/api/v1/data/indicators/").json()["results"]) == len(INDICATORS)
