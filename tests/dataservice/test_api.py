"""The data API: authentication by key, scopes and regions, values, bad input, CSV, OpenAPI,
metering, and that it exists only on the platform host."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from apps.dataservice import services
from apps.dataservice.models import ApiKey, UsageDay
from apps.facts.metrics import Metric
from tests.conftest import TenantSet, client_for

from .conftest import QUERY, Facts, MakeKey, api, entity_keys, get

pytestmark = pytest.mark.django_db


# --- keys -----------------------------------------------------------------------------------


def test_only_the_digest_of_a_key_is_stored_and_both_headers_work(key: tuple[ApiKey, str]) -> None:
    api_key, raw = key
    stored = ApiKey.objects.values().get(pk=api_key.pk)
    assert raw not in {str(v) for v in stored.values()}
    assert raw.startswith(api_key.prefix) and api_key.key_hash != raw
    assert api(raw).get("/api/v1/data/indicators/").status_code == 200
    header = client_for(None, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert header.get("/api/v1/data/indicators/").status_code == 200


def test_missing_wrong_revoked_and_expired_keys_get_401(make_key: MakeKey) -> None:
    response = client_for(None).get(QUERY, {"indicator": "gmv", "region": "35.77"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["code"] == "not_authenticated"

    api_key, raw = make_key()
    wrong = api(raw[:-3] + "xyz").get("/api/v1/data/indicators/")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "Kunci API tidak valid."

    services.revoke_api_key(api_key)
    services.revoke_api_key(api_key)  # idempotent
    revoked = api(raw).get("/api/v1/data/indicators/")
    assert revoked.status_code == 401 and revoked.json()["error"]["message"] == "Kunci API sudah dicabut."

    old, old_raw = make_key(expires_at=timezone.now() + datetime.timedelta(seconds=30))
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = api(old_raw).get("/api/v1/data/indicators/")
    assert expired.status_code == 401 and expired.json()["error"]["message"] == "Kunci API sudah kedaluwarsa."


def test_key_creation_validates_its_input(make_key: MakeKey) -> None:
    from apps.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="Cakupan"):
        make_key(scopes=["umkm", "rahasia"])
    with pytest.raises(ValidationFailed, match="tidak dikenal"):
        make_key(region_prefixes=["99.99"])
    with pytest.raises(ValidationFailed, match="tidak valid"):
        make_key(region_prefixes=["35.7x"])
    with pytest.raises(ValidationFailed, match="masa depan"):
        make_key(expires_at=timezone.now() - datetime.timedelta(days=1))
    assert not ApiKey.objects.exists()


# --- scopes and regions ------------------------------------------------------------------------


def test_a_key_without_the_family_scope_gets_403(make_key: MakeKey, facts: Facts) -> None:
    _key, raw = make_key(scopes=["umkm"])
    response = get(api(raw), indicator="gmv", region="35.77")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "scope_denied" and error["details"]["required_scope"] == "commerce"
    assert get(api(raw), indicator="umkm_active", region="35.77").status_code == 200
    catalogue = api(raw).get("/api/v1/data/indicators/").json()
    allowed = {i["code"] for i in catalogue["results"] if i["allowed"]}
    assert allowed == {"umkm_active", "umkm_new"}


def test_a_key_for_one_kelurahan_cannot_read_another_or_the_kecamatan(
    make_key: MakeKey, facts: Facts, exact: None
) -> None:
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, entity_keys(6), count=9)
    facts.add("35.77.03.1002", Metric.GMV, 7_000_000, entity_keys(8), count=12)
    _key, raw = make_key(region_prefixes=["35.77.03.1001"])
    own = get(api(raw), indicator="gmv", region="35.77.03.1001")
    assert own.status_code == 200
    assert own.json()["results"][0]["value"] == 1_000_000
    for other in ("35.77.03.1002", "35.77.03", "35.77", "3577031002"):
        response = get(api(raw), indicator="gmv", region=other)
        assert response.status_code == 403, other
        assert response.json()["error"]["code"] == "region_denied"
        assert "7000000" not in response.content.decode()


def test_the_api_exists_only_on_the_platform_host(tenants: TenantSet, key: tuple[ApiKey, str]) -> None:
    _api_key, raw = key
    for tenant in (tenants.a, tenants.b, tenants.kota):
        response = client_for(tenant, HTTP_X_API_KEY=raw).get(QUERY, {"indicator": "gmv", "region": "35.77"})
        assert response.status_code == 404


# --- values ------------------------------------------------------------------------------------


def test_values_by_region_dimension_and_period(key: tuple[ApiKey, str], facts: Facts, exact: None) -> None:
    _api_key, raw = key
    a, b = entity_keys(6), entity_keys(7)
    jan5, jan6, feb2 = datetime.date(2026, 1, 5), datetime.date(2026, 1, 6), datetime.date(2026, 2, 2)
    facts.add("35.77.03.1001", Metric.GMV, 600_000, a, count=10, day=jan5)
    facts.add("35.77.03.1001", Metric.GMV, 400_000, a[:5], count=5, day=feb2)
    facts.add("35.77.03.1002", Metric.GMV, 900_000, b, count=12, day=jan6)
    facts.add("35.77.03.1002", Metric.GMV, 500_000, b[:5], count=6, dimension="makanan", day=jan6)
    facts.add("35.77.03.1002", Metric.GMV, 400_000, b[2:], count=6, dimension="kerajinan", day=jan6)
    facts.add("35.77.03.1002", Metric.UNITS_SOLD, 300, b, count=20, day=jan6)
    facts.add("35.77.03.1002", Metric.UNITS_SOLD, 100, b[:5], count=8, dimension="makanan", day=jan6)
    facts.add("35.77.03.1002", Metric.UNITS_SOLD, 200, b[2:], count=12, dimension="kerajinan", day=jan6)

    by_region = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region", to="2026-02-28").json()
    assert by_region["region"] == {"code": "35.77.03", "name": by_region["region"]["name"]}
    assert by_region["date_from"] == "2026-01-01" and by_region["date_to"] == "2026-02-28"
    cells = {(r["period_start"], r["region_code"]): r for r in by_region["results"]}
    assert cells[("2026-01-01", "35.77.03")]["value"] == 1_500_000
    assert cells[("2026-01-01", "35.77.03")]["mechanism"] == "laplace (OpenDP 0.16)"
    # Every kelurahan of the region table is a child, with or without data (which cells exist
    # must not depend on the data).
    assert cells[("2026-01-01", "35.77.03.1003")]["value"] == 0
    assert cells[("2026-01-01", "35.77.03.1001")]["value"] == 600_000
    assert cells[("2026-01-01", "35.77.03.1002")]["value"] == 900_000
    assert cells[("2026-02-01", "35.77.03")]["value"] == 400_000
    assert cells[("2026-01-01", "35.77.03.1001")]["region_name"]

    weekly = get(api(raw), indicator="orders", region="35.77.03", granularity="week", **{"from": "2026-01-07"}).json()
    # Weeks run Monday to Sunday: 7 January is in the week of Monday 5 January.
    assert weekly["date_from"] == "2026-01-05"
    assert weekly["results"][0] == weekly["results"][0] | {"period_end": "2026-01-11", "value": 22}

    by_category = get(api(raw), indicator="avg_price", region="35.77.03.1002", breakdown="dimension").json()
    prices = {r["dimension"]: r["value"] for r in by_category["results"]}
    assert prices == {"": 3000, "makanan": 5000, "kerajinan": 2000}

    active = get(api(raw), indicator="orders", region="35.77", breakdown="dimension").json()
    assert {r["dimension"]: r["value"] for r in active["results"]} == {"": 22, "makanan": 6, "kerajinan": 6}


def test_ratio_indicators_and_distinct_entities(key: tuple[ApiKey, str], facts: Facts, exact: None) -> None:
    _api_key, raw = key
    shops = entity_keys(8)
    facts.add("35.77.03.1001", Metric.UMKM_ACTIVE, 6, shops[:6])
    facts.add("35.77.03.1001", Metric.UMKM_ACTIVE, 6, shops[2:])
    reporters = entity_keys(10)
    facts.add("35.77.03.1001", Metric.REPORTS_OPENED, 10, reporters)
    facts.add("35.77.03.1001", Metric.REPORTS_RESOLVED, 8 * 90, reporters[:8], count=8)
    one = get(api(raw), indicator="umkm_active", region="35.77.03.1001").json()["results"][0]
    assert one["value"] == 8  # distinct shops over the month, not 12
    hours = get(api(raw), indicator="complaint_resolution_hours", region="35.77.03.1001").json()["results"][0]
    assert hours["value"] == 1.5
    rate = get(api(raw), indicator="complaint_resolution_rate", region="35.77.03.1001").json()["results"][0]
    assert rate["value"] == 80.0
    empty = get(api(raw), indicator="delivery_on_time_rate", region="35.77.03.1001").json()["results"][0]
    assert empty["value"] is None and empty["suppressed"] is False and empty["reason"] == "no_value"


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"indicator": "rahasia", "region": "35.77"}, "unknown_indicator", "Indikator 'rahasia' tidak dikenal"),
        ({"region": "35.77"}, "missing_indicator", "Parameter indicator wajib diisi"),
        ({"indicator": "gmv", "region": "35.7x"}, "invalid_region", "Kode wilayah '35.7x' tidak valid"),
        ({"indicator": "gmv", "region": "99.99"}, "unknown_region", "Wilayah dengan kode 99.99 tidak dikenal"),
        ({"indicator": "gmv"}, "missing_region", "Kode wilayah wajib diisi"),
        ({"indicator": "gmv", "region": "35.77", "from": "2026-13-01"}, "invalid_date", "Tanggal '2026-13-01'"),
        ({"indicator": "gmv", "region": "35.77", "to": "kemarin"}, "invalid_date", "format YYYY-MM-DD"),
        ({"indicator": "gmv", "region": "35.77", "to": "9999-12-31"}, "invalid_date", "Tanggal '9999-12-31'"),
        (
            {"indicator": "gmv", "region": "35.77", "from": "2000-01-01", "to": "2099-12-31", "granularity": "day"},
            "period_too_long",
            "paling banyak 366 periode day",
        ),
        (
            {"indicator": "gmv", "region": "35.77", "from": "2026-02-01", "to": "2026-01-01"},
            "invalid_period",
            "Tanggal awal (from)",
        ),
        (
            {"indicator": "gmv", "region": "35.77", "from": "2020-01-01", "to": "2026-01-01", "granularity": "day"},
            "period_too_long",
            "Periode terlalu panjang",
        ),
        ({"indicator": "gmv", "region": "35.77", "granularity": "jam"}, "invalid_granularity", "Granularitas"),
        ({"indicator": "gmv", "region": "35.77", "breakdown": "rt"}, "invalid_breakdown", "Rincian"),
        (
            {"indicator": "gmv", "region": "35.77.03.1001", "breakdown": "region"},
            "no_child_regions",
            "tidak punya wilayah bawahan",
        ),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(
    key: tuple[ApiKey, str], params: dict[str, str], code: str, message: str
) -> None:
    _api_key, raw = key
    response = api(raw).get(QUERY, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert message in error["message"]


def test_errors_stay_json_when_csv_is_asked(key: tuple[ApiKey, str]) -> None:
    _api_key, raw = key
    response = api(raw).get(QUERY, {"indicator": "nope", "region": "35.77", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "unknown_indicator"


# --- CSV and OpenAPI -------------------------------------------------------------------------------


def test_csv_output_by_query_parameter_and_by_accept_header(key: tuple[ApiKey, str], facts: Facts, exact: None) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, entity_keys(6), count=9)
    facts.add("35.77.03.1002", Metric.GMV, 50_000, entity_keys(2), count=2)
    for response in (
        get(api(raw), indicator="gmv", region="35.77.03", breakdown="region", format="csv"),
        get(api(raw, HTTP_ACCEPT="text/csv"), indicator="gmv", region="35.77.03", breakdown="region"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert list(rows[0]) == [
            "period_start",
            "period_end",
            "region_code",
            "region_name",
            "dimension",
            "value",
            "error_95",
            "epsilon",
            "mechanism",
            "suppressed",
            "reason",
        ]
        by_code = {r["region_code"]: r for r in rows}
        assert by_code["35.77.03.1002"]["value"] == "50000" and by_code["35.77.03.1002"]["suppressed"] == "false"
        assert by_code["35.77.03"]["value"] == "1050000" and by_code["35.77.03"]["epsilon"] == "0.5"
        assert float(by_code["35.77.03"]["error_95"]) > 1_000_000


def test_openapi_schema_documents_the_data_api(db: None) -> None:
    response = client_for(None).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    for path in ("/api/v1/data/indicators/", "/api/v1/data/query/", "/api/v1/data/usage/"):
        assert path in schema["paths"], path
    query = schema["paths"]["/api/v1/data/query/"]["get"]
    assert {p["name"] for p in query["parameters"]} >= {"indicator", "region", "from", "to", "granularity", "breakdown"}
    assert {"200", "400", "401", "403", "429"} <= set(query["responses"])
    assert "text/csv" in query["responses"]["200"]["content"]
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "X-Api-Key"


# --- metering ----------------------------------------------------------------------------------------


def test_usage_is_metered_per_key_and_day(make_key: MakeKey, facts: Facts) -> None:
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, entity_keys(6), count=9)
    facts.add("35.77.03.1002", Metric.GMV, 50_000, entity_keys(2), count=2)
    metered, raw = make_key(name="ditagih")
    other, other_raw = make_key(name="lain")
    first = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region").json()
    assert first["suppressed_cells"] == 0
    served = len(first["results"])
    # A month not yet over is withheld (period_open), not released.
    today = timezone.localdate().isoformat()
    open_month = get(api(raw), indicator="gmv", region="35.77.03.1001", **{"from": today, "to": today}).json()
    assert open_month["results"][0]["suppressed"] and open_month["results"][0]["reason"] == "period_open"
    get(api(raw), indicator="nope", region="35.77")  # a 400 is a request too, with no rows
    get(api(other_raw), indicator="gmv", region="35.77")
    usage = UsageDay.objects.get(api_key=metered, day=timezone.localdate())
    assert (usage.requests, usage.rows, usage.cells, usage.suppressed_cells) == (3, served + 1, served, 1)
    assert UsageDay.objects.get(api_key=other).requests == 1
    own = api(raw).get("/api/v1/data/usage/").json()
    assert own["key_prefix"] == metered.prefix
    assert own["results"][0]["requests"] == 3  # counted before this request's own metering


def test_keys_never_reach_the_logs(make_key: MakeKey, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    _api_key, raw = make_key(per_minute=1)
    with caplog.at_level(logging.DEBUG):
        api(raw).get(QUERY, {"indicator": "nope", "region": "35.77"})
        api(raw).get(QUERY, {"indicator": "gmv", "region": "35.77"})  # 429
        api(raw + "x").get(QUERY, {"indicator": "gmv", "region": "35.77"})  # 401
    assert caplog.records  # Django logs the 4xx answers...
    assert raw not in caplog.text  # ...without the key


def test_a_query_costs_the_same_number_of_sql_queries_for_a_week_or_a_month_of_days(
    key: tuple[ApiKey, str], facts: Facts
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _api_key, raw = key
    # Every day of March by kecamatan costs 31 x 2 x 0.5 per kecamatan: above the default 20.
    services.set_privacy_budget(family="commerce", epsilon_per_release=0.5, epsilon_per_period=100)
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, entity_keys(6), count=9)
    assert api(raw).get("/api/v1/data/indicators/").status_code == 200  # the key's first use, quota windows
    counts = []
    for start, end in (("2026-02-02", "2026-02-08"), ("2026-03-01", "2026-03-31")):
        params = {"indicator": "gmv", "region": "35.77", "breakdown": "region", "granularity": "day"}
        with CaptureQueriesContext(connection) as first:
            assert get(api(raw), **params, **{"from": start, "to": end}).status_code == 200
        with CaptureQueriesContext(connection) as repeated:  # answered from the stored values
            assert get(api(raw), **params, **{"from": start, "to": end}).status_code == 200
        counts.append((len(first), len(repeated)))
    assert counts[0] == counts[1]
    # Constant, whatever the number of cells (quota and usage upserts, savepoints included).
    assert counts[0][0] <= 55 and counts[0][1] <= 40
