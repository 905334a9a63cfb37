"""The published demo data-API key works only with DEBUG on, even when the database was
seeded in development and then run in production."""

from __future__ import annotations

import pytest
from django.test import override_settings

from apps.core.errors import ValidationFailed
from apps.dataservice import demo, services

from .conftest import api

pytestmark = pytest.mark.django_db


def test_the_demo_key_seeded_in_development_is_refused_without_debug(db: None) -> None:
    with override_settings(DEBUG=True):
        demo.seed()
        assert api(demo.DEMO_KEY).get("/api/v1/data/indicators/").status_code == 200
    response = api(demo.DEMO_KEY).get("/api/v1/data/indicators/")
    assert response.status_code == 401
    assert services.authenticate(demo.DEMO_KEY) == (None, services.KeyProblem.INVALID)


def test_the_demo_key_cannot_be_created_without_debug(db: None) -> None:
    partner = services.ensure_partner(name="Mitra Uji")
    with pytest.raises(ValidationFailed) as caught:
        services.create_api_key(
            partner=partner, name="x", scopes=["umkm"], region_prefixes=["35.77"], raw_key=demo.DEMO_KEY
        )
    assert caught.value.code == "demo_key"
