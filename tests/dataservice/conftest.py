"""Fixtures of the Data-as-a-Service tests: integrators, keys and daily facts written directly."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from django.test import Client

from apps.analytics.models import DailyFact
from apps.dataservice import services
from apps.dataservice.indicators import Family
from apps.dataservice.models import ApiKey, Partner
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet, client_for

QUERY = "/api/v1/data/query/"
JAN = datetime.date(2026, 1, 1)
ALL_SCOPES = [f.value for f in Family]
_keys = itertools.count(1_000_000)


def entity_keys(n: int) -> list[int]:
    """n fresh anonymous entity keys (distinct across the whole test session)."""
    return [next(_keys) for _ in range(n)]


@pytest.fixture
def partner(db: None) -> Partner:
    return services.ensure_partner(name="Bappeda Uji", contact_email="bappeda@uji.id")


MakeKey = Callable[..., tuple[ApiKey, str]]


@pytest.fixture
def make_key(partner: Partner) -> MakeKey:
    def make(**kwargs: Any) -> tuple[ApiKey, str]:
        options: dict[str, Any] = {
            "partner": partner,
            "name": "uji",
            "scopes": ALL_SCOPES,
            "region_prefixes": ["35.77"],
            "per_minute": 1000,
            "per_day": 10_000,
        }
        options.update(kwargs)
        return services.create_api_key(**options)

    return make


@pytest.fixture
def key(make_key: MakeKey) -> tuple[ApiKey, str]:
    return make_key()


def api(raw: str, **extra: str) -> Client:
    return client_for(None, HTTP_X_API_KEY=raw, **extra)


class Facts:
    """Writes DailyFact rows. The API never looks at `tenant`, only at region codes, so one
    tenant can carry facts of several regions on different days of one month."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.days: dict[tuple[str, str], datetime.date] = {}

    def add(
        self,
        region: str,
        metric: str,
        value: int,
        keys: Iterable[int],
        *,
        count: int = 0,
        dimension: str = "",
        day: datetime.date | None = None,
        values: Iterable[int] = (),
        counts: Iterable[int] = (),
    ) -> DailyFact:
        """`values` / `counts`: each entity's own share, parallel to `keys` (empty: a legacy fact)."""
        if day is None:
            # The next free day of January for this metric/dimension of the tenant.
            slot = (metric, dimension)
            day = self.days.get(slot, JAN - datetime.timedelta(days=1)) + datetime.timedelta(days=1)
            self.days[slot] = day
        return DailyFact.objects.create(
            tenant=self.tenant,
            region_code=region,
            day=day,
            metric=metric,
            dimension=dimension,
            value=value,
            count=count,
            entity_keys=list(keys),
            entity_values=list(values),
            entity_counts=list(counts),
        )


@pytest.fixture
def facts(tenants: TenantSet, db: None) -> Facts:
    return Facts(tenants.kota)


def get(client: Client, **params: str) -> Any:
    base = {"from": "2026-01-01", "to": "2026-01-31", "granularity": "month"}
    base.update(params)
    return client.get(QUERY, base)


def _no_noise(values: Sequence[float], scale: float, epsilon: float, sensitivity: float) -> list[float]:
    return [float(v) for v in values]


@pytest.fixture
def exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Release the clamped sums without noise, to test the arithmetic (sums, clamping, ratios,
    periods) by exact values. The privacy tests use OpenDP's noise, or a seeded Laplace."""
    from apps.dataservice import release

    monkeypatch.setattr(release, "noise_source", lambda: _no_noise)
