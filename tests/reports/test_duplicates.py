"""Possible duplicates before filing (same category, open, within 250 m) and "saya juga"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.core.errors import Conflict
from apps.notifications.models import Message
from apps.reports import selectors, services
from apps.reports.models import Report, ReportFollower
from tests.conftest import PASSWORD
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db


def _suggested(world: World, category_code: str = "sampah") -> list[str]:
    category = {"sampah": world.sampah, "jalan-rusak": world.jalan}[category_code]
    return [n.report.code for n in selectors.nearby_open_reports(category, world.lat, world.lng)]


def test_240_m_is_suggested_260_m_is_not(world: World) -> None:
    near = world.file(north=240, description="240 m ke utara")
    far = world.file(north=260, description="260 m ke utara")
    east_near = world.file(east=-240, description="240 m ke barat")
    east_far = world.file(east=260, description="260 m ke timur")
    diagonal = world.file(north=170, east=170, description="240 m ke timur laut")
    assert set(_suggested(world)) == {near.code, east_near.code, diagonal.code}
    assert far.code not in _suggested(world) and east_far.code not in _suggested(world)
    distances = [n.distance_m for n in selectors.nearby_open_reports(world.sampah, world.lat, world.lng)]
    assert distances == sorted(distances) and all(235 < d < 245 for d in distances)


def test_other_categories_and_finished_reports_are_not_suggested(world: World) -> None:
    world.file(world.jalan, north=50)
    resolved = world.file(north=60)
    services.resolve(resolved, world.admin, "Sudah diangkut")
    refused = world.file(north=70)
    services.mark_not_responsible(refused, world.admin, "Tanah milik PT KAI")
    merged = world.file(north=80)
    original = world.file(north=90)
    services.mark_duplicate(merged, world.admin, original)
    assert _suggested(world) == [original.code]
    assert len(_suggested(world, "jalan-rusak")) == 1


def test_in_progress_and_reopened_reports_are_still_suggested(world: World) -> None:
    working = world.file(north=100)
    services.start_work(working, world.admin)
    assert _suggested(world) == [working.code]


def test_the_box_goes_to_sql_and_can_use_the_index(world: World) -> None:
    world.file(north=100)
    with CaptureQueriesContext(connection) as queries:
        selectors.nearby_open_reports(world.sampah, world.lat, world.lng)
    sql = queries.captured_queries[-1]["sql"]
    assert '"reports_report"."lat" BETWEEN' in sql and '"reports_report"."lng" BETWEEN' in sql
    with connection.cursor() as cursor:
        # Which index the planner prefers depends on the table's statistics (other tests leave
        # their own behind): with the other plain indexes dropped inside this test's transaction
        # (rolled back), the question is only whether the box can be served by the near index.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'reports_report'"
            " AND indexname <> 'reports_near_idx'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'reports_report'::regclass)"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = selectors.nearby_candidates(world.sampah, world.lat, world.lng, 250).explain()
    assert "reports_near_idx" in plan and "lat >=" in plan, plan


def test_suggestions_as_the_form_changes(client_a: Client, world: World) -> None:
    near = world.file(north=200)
    lat, lng = world.point()
    page = client_a.get("/laporan/baru/serupa/", {"category": "sampah", "lat": lat, "lng": lng})
    assert page.status_code == 200 and near.code in page.content.decode()
    assert "Saya juga" in page.content.decode()
    other = client_a.get("/laporan/baru/serupa/", {"category": "jalan-rusak", "lat": lat, "lng": lng})
    assert near.code not in other.content.decode()
    for broken in ({"category": "sampah"}, {"category": "sampah", "lat": "x", "lng": "y"}, {"lat": lat, "lng": lng}):
        assert client_a.get("/laporan/baru/serupa/", broken).status_code == 200


def test_me_too_follows_and_supports_once(world: World) -> None:
    report = world.file()
    for _ in range(2):
        services.me_too(report, world.tetangga)
    report.refresh_from_db()
    assert report.support_count == 1
    assert ReportFollower.objects.get(report=report, user=world.tetangga).supporter
    with pytest.raises(Conflict):
        services.me_too(report, world.warga)  # the reporter
    services.resolve(report, world.admin, "Beres")
    with pytest.raises(Conflict):
        services.me_too(report, world.lurah)
    # the supporter hears about the resolution
    assert Message.objects.filter(recipient=world.tetangga, event="reports.status").exists()


def test_me_too_from_the_page(client_a: Client, world: World) -> None:
    report = world.file()
    anonymous = client_a.post(f"/laporan/{report.code}/saya-juga/")
    assert anonymous.status_code == 302 and "/akun/masuk/" in anonymous["Location"]
    client_a.post("/akun/masuk/", {"username": world.tetangga.username, "password": PASSWORD})
    response = client_a.post(f"/laporan/{report.code}/saya-juga/", follow=True)
    assert response.status_code == 200
    assert Report.objects.get(pk=report.pk).support_count == 1
    assert "Anda mengikuti laporan ini" in response.content.decode()
