"""Demo integrator of the Data-as-a-Service API (public schema, after every tenant is seeded).

"Bappeda Kota Madiun" gets a key for every indicator family over Kota Madiun (35.77). With
DEBUG on (local demo) the key is the known `DEMO_KEY`, so the API can be tried at once:

    curl -H "X-Api-Key: kkd_demo-bappeda-madiun-2026" \\
        "http://localhost:8000/api/v1/data/query/?indicator=gmv&region=35.77&breakdown=region"

Without DEBUG a random key is made and not shown: create a usable one with
`manage.py create_data_api_key`. The known key is refused outside DEBUG even when a database
seeded in development is run in production.
"""

from __future__ import annotations

from django.conf import settings

from apps.core.db import connection

from . import services
from .indicators import Family
from .models import ApiKey

PARTNER = "Bappeda Kota Madiun"
KEY_NAME = "demo"
DEMO_KEY = services.DEMO_KEY  # refused by services.authenticate outside DEBUG


def seed() -> None:
    connection.set_schema_to_public()
    partner = services.ensure_partner(name=PARTNER, contact_email="bappeda@madiunkota.go.id")
    if ApiKey.objects.filter(partner=partner, name=KEY_NAME, revoked_at__isnull=True).exists():
        return
    services.create_api_key(
        partner=partner,
        name=KEY_NAME,
        scopes=[f.value for f in Family],
        region_prefixes=["35.77"],
        per_minute=120,
        per_day=10_000,
        raw_key=DEMO_KEY if settings.DEBUG else None,
    )
