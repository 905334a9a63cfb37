"""Demo integrator of the Data-as-a-Service API (public schema, after every tenant is seeded).

"Bappeda Kota Madiun" gets a key for every indicator family over Kota Madiun (35.77). With
DEBUG on (local demo) the key is the known `DEMO_KEY`, so the API can be tried at once:

    curl -H "X-Api-Key: kkd_demo-bappeda-madiun-2026" \\
        "http://localhost:8000/api/v1/data/query/?indicator=gmv&region=35.77&breakdown=region"

Without DEBUG a random key is made and not shown: create a usable one with
`manage.py create_data_api_key`. The known key is refused outside DEBUG even when a database
seeded in development is run in production.

Every family gets an explicit privacy budget (the defaults, so the operator sees them in the
admin), and the last closed month's GMV and orders of the kota by kecamatan and of each
kecamatan by kelurahan are released once, so that *Nilai yang sudah dirilis* and the ledger
(*Pemakaian anggaran privasi*, `/api/v1/data/budget/`) show something.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from apps.core.db import connection
from apps.tenancy.models import Region

from . import budget, release, selectors, services
from .indicators import Family
from .models import ApiKey, PrivacyBudget, ReleasedValue

PARTNER = "Bappeda Kota Madiun"
KEY_NAME = "demo"
DEMO_KEY = services.DEMO_KEY  # refused by services.authenticate outside DEBUG


def seed() -> None:
    connection.set_schema_to_public()
    partner = services.ensure_partner(name=PARTNER, contact_email="bappeda@madiunkota.go.id")
    key = ApiKey.objects.filter(partner=partner, name=KEY_NAME, revoked_at__isnull=True).first()
    if key is None:
        key, _raw = services.create_api_key(
            partner=partner,
            name=KEY_NAME,
            scopes=[f.value for f in Family],
            region_prefixes=["35.77"],
            per_minute=120,
            per_day=10_000,
            raw_key=DEMO_KEY if settings.DEBUG else None,
        )
    for family in Family:
        if not PrivacyBudget.objects.filter(family=family.value).exists():
            services.set_privacy_budget(
                family=family.value,
                epsilon_per_release=budget.DEFAULT_EPSILON_PER_RELEASE,
                epsilon_per_period=budget.DEFAULT_EPSILON_PER_PERIOD,
            )
    _release_last_month(key)


KOTA = "35.77"


def _release_last_month(key: ApiKey) -> None:
    """GMV and orders of the last closed month, kota by kecamatan and each kecamatan by
    kelurahan (idempotent: values already released are returned, not paid again)."""
    last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    month = {"from": last.replace(day=1).isoformat(), "to": last.isoformat(), "granularity": "month"}
    if ReleasedValue.objects.filter(region_code=KOTA, period_start=month["from"]).exists():
        return
    kecamatan = Region.objects.filter(code__startswith=KOTA + ".", level=Region.Level.KECAMATAN)
    for indicator in ("gmv", "orders"):
        for region in [KOTA, *kecamatan.values_list("code", flat=True)]:
            query = selectors.parse_query({"indicator": indicator, "region": region, "breakdown": "region", **month})
            release.run_query(key, query)
