"""CSAT/NPS facts (deterministic for a past day), the lurah and kota dashboards (values, "< k"
cells, retention cohorts) and the Data-as-a-Service satisfaction family (small cells suppressed)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.analytics import satisfaction
from apps.analytics import services as rollup
from apps.analytics.models import DailyFact
from apps.dataservice import release
from apps.dataservice import services as dataservice
from apps.facts.metrics import Metric
from apps.feedback import facts
from apps.feedback.models import Kind, Prompt
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet, client_for

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() - datetime.timedelta(days=2)


@pytest.fixture(autouse=True)
def _no_facts_from_elsewhere(db: None) -> None:
    DailyFact.objects.all().delete()


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def answers(tenant: Tenant, csat: Sequence[tuple[str, int]], nps: Sequence[int] = (), day: datetime.date = DAY) -> None:
    """One new warga per answer (so respondents = answers), answered on `day`."""
    with tenant:
        start = User.objects.count()
        for i, (service, score) in enumerate(csat):
            user = create_user(username=f"r-{start}-{i}", roles=[Role.WARGA])
            Prompt.objects.create(
                user=user, kind=service, service=service, event_key=str(i), score=score, answered_at=_at(day)
            )
        for i, score in enumerate(nps):
            user = create_user(username=f"n-{start}-{i}", roles=[Role.WARGA])
            Prompt.objects.create(
                user=user, kind=Kind.NPS, service="order", event_key="2026Q4", score=score, answered_at=_at(day)
            )


def test_facts_of_a_past_day_are_the_answers_and_do_not_change(tenant_a: Tenant) -> None:
    answers(tenant_a, [("report", 5), ("report", 4), ("report", 2), ("order", 3)], nps=[10, 9, 8, 6, 0])
    with tenant_a:
        unanswered = create_user(username="belum-jawab", roles=[Role.WARGA])
        Prompt.objects.create(user=unanswered, kind="permit", service="permit", event_key="1")
        first = list(facts.daily_facts(DAY))
        again = list(facts.daily_facts(DAY))
        assert first == again
        rows = {(r.metric, r.dimension): (r.value, r.count, len(r.entity_keys)) for r in first}
        assert list(facts.daily_facts(DAY - datetime.timedelta(days=1))) == []
    assert rows[(Metric.CSAT, "")] == (14, 4, 4)
    assert rows[(Metric.CSAT, "report")] == (11, 3, 3)
    assert rows[(Metric.CSAT_SATISFIED, "report")] == (2, 3, 3)
    assert rows[(Metric.CSAT_SATISFIED, "order")] == (0, 1, 1)
    assert rows[(Metric.NPS_PROMOTERS, "order")] == (2, 5, 5)
    assert rows[(Metric.NPS_DETRACTORS, "")] == (2, 5, 5)
    assert rows[(Metric.ACTIVE_RESIDENTS, "")][2] == 9
    assert (Metric.CSAT, "permit") not in rows
    rollup.rollup_tenant_day(tenant_a, DAY)
    stored = DailyFact.objects.get(tenant=tenant_a, day=DAY, metric=Metric.CSAT, dimension="report")
    assert (stored.value, stored.count, sorted(stored.entity_values)) == (11, 3, [2, 4, 5])


def test_the_lurah_dashboard_shows_csat_and_nps_per_service(tenant_a: Tenant) -> None:
    answers(tenant_a, [("report", 5)] * 4 + [("report", 3), ("report", 4), ("order", 5)], nps=[10] * 4 + [9, 5])
    rollup.rollup_tenant_day(tenant_a, DAY)
    client = client_for(tenant_a)
    with tenant_a:
        lurah = create_user(username="lurah-dasbor", roles=[Role.LURAH])
        client.force_login(lurah)
    response = client.get("/dasbor/?rentang=7h")
    assert response.status_code == 200
    kpis = {k["key"]: k["text"] for k in response.context["data"]["kpis"]}
    assert kpis["csat"] == "4,6 / 5"  # 32 / 7
    assert kpis["csat_satisfied"] == "85,7%"  # 6 of 7
    assert kpis["nps"] == "+67"  # (5 - 1) / 6
    rows = {r["service"]: r for r in response.context["data"]["satisfaction"]}
    assert rows["report"]["answers"] == 6 and not rows["report"]["csat_hidden"]
    assert rows["order"]["csat_hidden"]  # one respondent: "< 5"
    page = response.content.decode()
    assert 'data-testid="satisfaction-report"' in page and 'data-testid="retention"' in page
    assert "&lt; 5" in page.split('data-testid="satisfaction-order"')[1].split("</tr>")[0]
    # A warga does not see the dashboard.
    with tenant_a:
        client.force_login(User.objects.get(username="warga-mojorejo"))
    assert client.get("/dasbor/").status_code == 403


def test_the_kota_comparison_hides_a_kelurahan_with_fewer_than_k_respondents(tenants: TenantSet) -> None:
    answers(tenants.a, [("report", 5)] * 5)
    answers(tenants.b, [("report", 1), ("order", 2)])
    for tenant in (tenants.a, tenants.b):
        rollup.rollup_tenant_day(tenant, DAY)
    client = client_for(tenants.kota)
    with tenants.kota:
        client.force_login(User.objects.get(username="admin"))
    response = client.get("/dasbor/?rentang=7h&indikator=csat_satisfied&kolom=semua")
    assert response.status_code == 200
    rows = {r["code"]: r for r in response.context["data"]["rows"]}
    assert rows["35.77.03.1001"]["values"]["csat"] == 5.0 and "csat" not in rows["35.77.03.1001"]["below_k"]
    assert "csat" in rows["35.77.03.1002"]["below_k"] and "nps" not in rows["35.77.03.1002"]["below_k"]
    total = {r["service"]: r for r in response.context["data"]["satisfaction"]}[""]
    assert total["answers"] == 7 and not total["csat_hidden"]


def _fact(tenant: Tenant, day: datetime.date, metric: str, keys: list[int]) -> None:
    DailyFact.objects.create(tenant=tenant, region_code=str(tenant.region_id), day=day, metric=metric, entity_keys=keys)


def test_cohorts_count_each_resident_from_their_first_month(tenant_a: Tenant) -> None:
    end = datetime.date(2026, 6, 15)
    old = list(range(100, 103))  # active long before the window: never a "new" cohort
    march = list(range(1, 9))  # 8 first seen in March
    may = list(range(20, 26))  # 6 first seen in May
    _fact(tenant_a, datetime.date(2025, 12, 3), Metric.ACTIVE_RESIDENTS, old)
    _fact(tenant_a, datetime.date(2026, 3, 2), Metric.ACTIVE_RESIDENTS, march + old)
    _fact(tenant_a, datetime.date(2026, 4, 9), Metric.ACTIVE_RESIDENTS, march[:6])
    _fact(tenant_a, datetime.date(2026, 5, 9), Metric.ACTIVE_RESIDENTS, march[:2] + may)
    _fact(tenant_a, datetime.date(2026, 6, 1), Metric.ACTIVE_RESIDENTS, march[:5] + may[:5])
    _fact(tenant_a, datetime.date(2026, 7, 1), Metric.ACTIVE_RESIDENTS, may)  # after `end`: not counted
    got = satisfaction.cohorts([tenant_a.pk], Metric.ACTIVE_RESIDENTS, end, months=4)
    by_month = {r["month"]: r for r in got["rows"]}
    assert [r["month"] for r in got["rows"]] == [datetime.date(2026, m, 1) for m in (3, 4, 5, 6)]
    march_cells = by_month[datetime.date(2026, 3, 1)]["cells"]
    assert [c["n"] for c in march_cells] == [8, 6, None, 5]  # May: 2 people, hidden as "< 5"
    assert march_cells[2]["hidden"] and march_cells[1]["share"] == 75.0
    assert [c["n"] for c in by_month[datetime.date(2026, 5, 1)]["cells"]] == [6, 5]
    assert by_month[datetime.date(2026, 4, 1)]["size"] == 0


def test_the_data_api_suppresses_satisfaction_cells_of_fewer_than_k_answers(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release, "noise_source", lambda: lambda values, *_a: [float(v) for v in values])
    january = datetime.date(2026, 1, 10)
    for tenant, scores in ((tenants.a, [5, 5, 4, 4, 3, 2]), (tenants.b, [5, 1])):
        keys = list(range(tenant.pk * 1000, tenant.pk * 1000 + len(scores)))
        DailyFact.objects.create(
            tenant=tenant,
            region_code=str(tenant.region_id),
            day=january,
            metric=Metric.CSAT,
            dimension="",
            value=sum(scores),
            count=len(scores),
            entity_keys=keys,
            entity_values=scores,
            entity_counts=[1] * len(scores),
        )
    partner = dataservice.ensure_partner(name="Peneliti Kepuasan")
    _key, raw = dataservice.create_api_key(
        partner=partner, name="uji", scopes=["satisfaction"], region_prefixes=["35.77"], per_minute=100, per_day=100
    )
    response = client_for(None, HTTP_X_API_KEY=raw).get(
        "/api/v1/data/query/",
        {
            "indicator": "csat_average",
            "region": "35.77.03",
            "from": "2026-01-01",
            "to": "2026-01-31",
            "granularity": "month",
            "breakdown": "region",
        },
    )
    assert response.status_code == 200, response.content
    cells: dict[str, Any] = {r["region_code"]: r for r in response.json()["results"]}
    assert cells["35.77.03"]["value"] == pytest.approx(29 / 8, abs=0.01) and not cells["35.77.03"]["suppressed"]
    assert cells["35.77.03.1001"]["value"] == pytest.approx(23 / 6, abs=0.01)
    assert cells["35.77.03.1002"]["suppressed"] and cells["35.77.03.1002"]["reason"] == "below_k"
    assert cells["35.77.03.1002"]["value"] is None


def test_the_demo_seed_is_idempotent_and_fills_the_dashboard(tenant_a: Tenant) -> None:
    from apps.feedback import demo

    with tenant_a:
        demo.seed(tenant_a)
        made = Prompt.objects.count()
        demo.seed(tenant_a)
        assert Prompt.objects.count() == made > 40
        first = Prompt.objects.filter(answered_at__isnull=False).order_by("answered_at").first()
        assert first is not None
    for day in rollup.days_between(timezone.localtime(first.answered_at).date(), timezone.localdate()):
        rollup.rollup_tenant_day(tenant_a, day)
    got = satisfaction.cohorts([tenant_a.pk], Metric.ACTIVE_RESIDENTS, timezone.localdate())
    assert got["has_data"] and got["rows"][0]["cells"][0]["n"] >= 8
    assert satisfaction.by_service([tenant_a.pk], rollup_period())[0]["csat"] is not None


def rollup_period() -> Any:
    from apps.analytics.selectors import Period

    return Period(timezone.localdate() - datetime.timedelta(days=200), timezone.localdate())
