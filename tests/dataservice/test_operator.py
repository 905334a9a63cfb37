"""Operator side: the management command, the platform admin, and the demo integrator."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from apps.dataservice import demo, services
from apps.dataservice.indicators import Family
from apps.dataservice.models import ApiKey, BudgetSpend, Partner, PrivacyBudget, ReleasedValue, UsageDay

from .conftest import api

pytestmark = pytest.mark.django_db


def test_command_creates_a_key_printed_once_and_revokes_it(db: None) -> None:
    out = io.StringIO()
    call_command(
        "create_data_api_key",
        "--partner",
        "Bappeda Uji",
        "--scopes",
        "umkm,prices",
        "--regions",
        "35.77",
        "--per-minute",
        "10",
        stdout=out,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    key = ApiKey.objects.get()
    assert raw.startswith(key.prefix) and key.scopes == ["prices", "umkm"] and key.per_minute == 10
    assert api(raw).get("/api/v1/data/indicators/").status_code == 200
    call_command("create_data_api_key", "--revoke", key.prefix, stdout=io.StringIO())
    assert api(raw).get("/api/v1/data/indicators/").status_code == 401
    with pytest.raises(CommandError, match="Cakupan"):
        call_command("create_data_api_key", "--partner", "X", "--scopes", "semua", "--regions", "35.77")
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("create_data_api_key", "--revoke", "kkd_tidakada")


def test_admin_creates_a_key_showing_it_once_and_lists_usage(operator_client: Client) -> None:
    partner = services.ensure_partner(name="Mitra Admin")
    response = operator_client.post(
        "/admin/dataservice/apikey/add/",
        {
            "partner": partner.pk,
            "name": "dari admin",
            "scopes": ["umkm", "delivery"],
            "region_prefixes": "35.77.03, 35.77.01",
            "per_minute": "30",
            "per_day": "900",
        },
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(partner=partner)
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m.split(": ")[-1] for m in shown if "tidak akan ditampilkan lagi" in m)
    assert raw.startswith(key.prefix)
    assert key.region_prefixes == ["35.77.01", "35.77.03"]
    assert api(raw).get("/api/v1/data/usage/").status_code == 200
    assert UsageDay.objects.filter(api_key=key).exists()
    assert operator_client.get("/admin/dataservice/usageday/").status_code == 200
    assert operator_client.get("/admin/dataservice/partner/").status_code == 200
    bad = operator_client.post(
        "/admin/dataservice/apikey/add/",
        {"partner": partner.pk, "name": "salah", "scopes": ["umkm"], "region_prefixes": "99.99", "per_minute": "1"},
    )
    assert bad.status_code == 200 and "Wilayah tidak dikenal" in bad.content.decode()
    assert ApiKey.objects.filter(partner=partner).count() == 1
    operator_client.post("/admin/dataservice/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True)
    assert api(raw).get("/api/v1/data/usage/").status_code == 401


@override_settings(DEBUG=True)
def test_demo_seed_is_idempotent_and_gives_the_known_key(db: None) -> None:
    demo.seed()
    spent = list(BudgetSpend.objects.order_by("pk").values_list("spent", flat=True))
    demo.seed()
    partner = Partner.objects.get(name=demo.PARTNER)
    key = ApiKey.objects.get(partner=partner)
    assert key.region_prefixes == ["35.77"] and len(key.scopes) == len(Family)
    assert api(demo.DEMO_KEY).get("/api/v1/data/indicators/").status_code == 200
    # A budget per family, and last month released once (kota, kecamatan and kelurahan cells).
    assert PrivacyBudget.objects.count() == len(Family)
    assert ReleasedValue.objects.filter(indicator="gmv", region_code="35.77").count() == 1
    assert ReleasedValue.objects.filter(indicator="orders", region_code__startswith="35.77.03.").count() > 1
    assert spent and list(BudgetSpend.objects.order_by("pk").values_list("spent", flat=True)) == spent


@override_settings(DEBUG=False)
def test_demo_seed_without_debug_has_no_known_key(db: None) -> None:
    demo.seed()
    assert ApiKey.objects.filter(partner__name=demo.PARTNER).count() == 1
    assert api(demo.DEMO_KEY).get("/api/v1/data/indicators/").status_code == 401
