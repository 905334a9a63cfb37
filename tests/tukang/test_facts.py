"""GoTukang facts of a past day, by hand from four jobs: requested per skill and per channel
(web vs WhatsApp, a guest counted by phone), booked, done, disputed (once, on its first day)
and rated per skill; the lurah dashboard; the Data API's tukang family hides small cells."""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.analytics import services as rollup
from apps.analytics.models import DailyFact
from apps.dataservice import release
from apps.dataservice import services as dataservice
from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant
from apps.tukang import facts, services
from apps.tukang.models import Job
from tests.analytics.app.test_dashboard import signed_in
from tests.conftest import TenantSet, client_for

from .conftest import People

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() - timedelta(days=2)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _done(people: People, tukang: Any, skill: str, amount: int, rating: int) -> Job:
    job = services.request_job(people.warga, skill=skill, description="Pekerjaan uji", tukang=tukang)
    services.book_quote(job, services.submit_quote(job, actor=tukang.user, amount=amount), actor=people.warga)
    services.complete_job(job, actor=tukang.user)
    services.rate_job(job, actor=people.warga, rating=rating)
    return job


def _jobs_of_the_day(people: People) -> None:
    """Wawan does a listrik job (Rp80.000, 5 stars), Harto one (Rp120.000, 3 stars); a ledeng
    job booked with Harto (Rp200.000) is disputed; a WhatsApp guest asks for listrik."""
    _done(people, people.wawan, "listrik", 80_000, 5)
    _done(people, people.harto, "listrik", 120_000, 3)
    open_job = services.request_job(people.warga, skill="ledeng", description="Pipa bocor")
    quote = services.submit_quote(open_job, actor=people.harto.user, amount=200_000)
    services.book_quote(open_job, quote, actor=people.warga)
    services.open_dispute(open_job, actor=people.warga, reason="Masih bocor setelah diperbaiki.")
    services.request_job(
        None, skill="listrik", description="Lampu mati", contact_phone="081299990000", source=Job.Source.WHATSAPP
    )
    Job.objects.update(created_at=_at(DAY, 8))
    for field in ("booked_at", "done_at", "rated_at", "disputed_at"):
        Job.objects.filter(**{f"{field}__isnull": False}).update(**{field: _at(DAY, 12)})


def test_the_facts_of_a_past_day(people: People) -> None:
    _jobs_of_the_day(people)
    first = list(facts.daily_facts(DAY))
    assert first == list(facts.daily_facts(DAY))
    assert list(facts.daily_facts(DAY + timedelta(days=1))) == []
    rows = {(r.metric, r.dimension): (r.value, r.count, len(r.entity_keys)) for r in first}
    assert rows[(Metric.TUKANG_REQUESTED, "")] == (4, 4, 2)  # Joko and the guest's phone
    assert rows[(Metric.TUKANG_REQUESTED, "listrik")] == (3, 3, 2)
    assert rows[(Metric.TUKANG_REQUESTED, "ledeng")] == (1, 1, 1)
    assert rows[(Metric.TUKANG_CHANNEL, "web")] == (3, 3, 1)
    assert rows[(Metric.TUKANG_CHANNEL, "whatsapp")] == (1, 1, 1)
    assert rows[(Metric.TUKANG_BOOKED, "")] == (400_000, 3, 2)  # entities: Wawan and Harto
    assert rows[(Metric.TUKANG_DONE, "")] == (200_000, 2, 2)
    assert rows[(Metric.TUKANG_DONE, "listrik")] == (200_000, 2, 2)
    assert rows[(Metric.TUKANG_DISPUTED, "ledeng")] == (1, 1, 1)
    assert (Metric.TUKANG_DISPUTED, "listrik") not in rows
    assert rows[(Metric.TUKANG_RATED, "")] == (8, 2, 2)
    assert rows[(Metric.ACTIVE_RESIDENTS, "")][2] == 1  # the guest has no account
    done = next(r for r in first if r.metric == Metric.TUKANG_DONE and r.dimension == "")
    assert sorted(done.entity_values.values()) == [80_000, 120_000]


def test_a_reopened_dispute_keeps_its_first_day(people: People) -> None:
    _jobs_of_the_day(people)
    job = Job.objects.get(dispute=Job.Dispute.OPEN)
    services.resolve_dispute(job, actor=people.admin, resolution="Tukang memperbaiki lagi.")
    services.open_dispute(job, actor=people.warga, reason="Bocor lagi untuk kedua kalinya.")
    job.refresh_from_db()
    assert timezone.localtime(job.disputed_at).date() == DAY
    assert [r.value for r in facts.daily_facts(timezone.localdate()) if r.metric == Metric.TUKANG_DISPUTED] == []


def test_the_lurah_dashboard_shows_gotukang(people: People, in_a: Tenant) -> None:
    _jobs_of_the_day(people)
    rollup.rollup_tenant_day(in_a, DAY)
    page = signed_in(in_a).get("/dasbor/?rentang=7h")
    assert page.status_code == 200
    kpis = {k["key"]: k for k in page.context["data"]["kpis"]}
    assert kpis["tukang_requested"]["value"] == 4 and kpis["tukang_booked"]["value"] == 3
    assert kpis["tukang_done"]["value"] == 2 and kpis["tukang_disputed"]["value"] == 1
    assert kpis["tukang_completion"]["text"] == "66,7%"  # 2 done of 3 booked
    assert kpis["tukang_rating"]["text"] == "4,0 / 5"
    assert kpis["tukang_whatsapp"]["text"] == "25,0%"
    assert page.context["data"]["tukang_by_skill"] == [("Listrik", 3), ("Ledeng / pipa air", 1)]
    assert 'data-testid="tukang-channel"' in page.content.decode()


def _facts(tenant: Tenant, metric: str, dimension: str, n: int) -> None:
    DailyFact.objects.create(
        tenant=tenant,
        region_code=str(tenant.region_id),
        day=datetime.date(2026, 1, 10),
        metric=metric,
        dimension=dimension,
        value=n,
        count=n,
        entity_keys=list(range(tenant.pk * 1000, tenant.pk * 1000 + n)),
        entity_values=[1] * n,
        entity_counts=[1] * n,
    )


@pytest.mark.parametrize(
    ("indicator", "metric", "scope"),
    [
        ("tukang_jobs_requested", Metric.TUKANG_REQUESTED, "tukang"),
        ("sembako_households", Metric.SEMBAKO_ORDERS, "sembako"),
        ("umkm_trading", Metric.UMKM_TRADING, "retention"),
    ],
)
def test_the_data_api_hides_cells_of_fewer_than_k(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch, indicator: str, metric: str, scope: str
) -> None:
    monkeypatch.setattr(release, "noise_source", lambda: lambda values, *_a: [float(v) for v in values])
    DailyFact.objects.all().delete()
    _facts(tenants.a, metric, "", 6)
    _facts(tenants.b, metric, "", 2)
    partner = dataservice.ensure_partner(name=f"Peneliti {scope}")
    _key, raw = dataservice.create_api_key(
        partner=partner, name="uji", scopes=[scope], region_prefixes=["35.77"], per_minute=100, per_day=100
    )
    response = client_for(None, HTTP_X_API_KEY=raw).get(
        "/api/v1/data/query/",
        {
            "indicator": indicator,
            "region": "35.77.03",
            "from": "2026-01-01",
            "to": "2026-01-31",
            "granularity": "month",
            "breakdown": "region",
        },
    )
    assert response.status_code == 200, response.content
    cells: dict[str, Any] = {r["region_code"]: r for r in response.json()["results"]}
    assert cells["35.77.03"]["value"] == 8 and not cells["35.77.03"]["suppressed"]
    assert cells["35.77.03.1001"]["value"] == 6
    assert cells["35.77.03.1002"]["suppressed"] and cells["35.77.03.1002"]["reason"] == "below_k"
    assert cells["35.77.03.1002"]["value"] is None
