"""Query budgets of every list of laporan warga: the same count at n and 10n reports, ≤ 12."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.reports import services
from apps.reports.models import Category
from tests.budgets import assert_list_budget
from tests.reports.conftest import World, png

pytestmark = pytest.mark.django_db


def _auth(user: User) -> str:
    return f"Token {issue_token(user).key}"


def _grower(world: World, *, photos: bool = True, reporter: User | None = None):  # type: ignore[no-untyped-def]
    """Reports in every kind of unit (RT, kelurahan, OPD): each walks a different agency path."""
    categories = [world.keamanan, world.sampah, world.jalan]
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            category = categories[made[0] % len(categories)]
            report = world.file(
                category,
                north=made[0] * 7,
                reporter=reporter or world.warga,
                photos=[png()] if photos else [],
            )
            services.me_too(report, world.tetangga)
            made[0] += 1

    return grow


def test_open311_requests_list(client_a: Client, world: World, media: Path) -> None:
    counts = assert_list_budget(lambda: client_a.get("/open311/v2/requests.json"), _grower(world))
    body = client_a.get("/open311/v2/requests.json").json()
    assert len(body) == 30 and all(item["media_url"] for item in body)
    assert {item["agency_responsible"] for item in body} == {"RT 05/RW 09", "Kelurahan", "Dinas PUPR Kota Madiun"}
    assert counts[0] <= 12


def test_open311_requests_list_xml(client_a: Client, world: World, media: Path) -> None:
    assert_list_budget(lambda: client_a.get("/open311/v2/requests.xml"), _grower(world))


def test_open311_services_list(client_a: Client, world: World) -> None:
    def grow(count: int) -> None:
        base = Category.objects.count()
        for i in range(count):
            unit = [Category.Unit.RT, Category.Unit.OPD, Category.Unit.RW][i % 3]
            services.ensure_category(
                code=f"kat-{base + i}",
                name=f"Kategori {base + i}",
                unit=unit,
                rt=world.rt if unit == Category.Unit.RT else None,
                rw=world.rw if unit == Category.Unit.RW else None,
                opd=world.opd if unit == Category.Unit.OPD else None,
                sla_hours=24,
                escalation_hours=48,
            )

    assert_list_budget(lambda: client_a.get("/open311/v2/services.json"), grow)
    assert_list_budget(lambda: client_a.get("/api/v1/reports/categories/"), grow)


def test_reports_api_list(client_a: Client, world: World, media: Path) -> None:
    assert_list_budget(lambda: client_a.get("/api/v1/reports/", {"page_size": 100}), _grower(world))
    body = client_a.get("/api/v1/reports/", {"page_size": 100}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {r["agency_responsible"] for r in rows} == {"RT 05/RW 09", "Kelurahan", "Dinas PUPR Kota Madiun"}


def test_reports_api_mine(client_a: Client, world: World, media: Path) -> None:
    token = _auth(world.tetangga)
    assert_list_budget(lambda: client_a.get("/api/v1/reports/mine/", HTTP_AUTHORIZATION=token), _grower(world))


def test_report_list_page(client_a: Client, world: World, media: Path) -> None:
    assert_list_budget(lambda: client_a.get("/laporan/"), _grower(world, photos=False))


def test_report_geojson(client_a: Client, world: World, media: Path) -> None:
    assert_list_budget(lambda: client_a.get("/laporan/peta/data.geojson"), _grower(world, photos=False))


def test_mine_page(client_a: Client, world: World, media: Path) -> None:
    client_a.force_login(world.tetangga)
    assert_list_budget(lambda: client_a.get("/laporan/saya/"), _grower(world, photos=False))


def test_staff_queue_page(client_a: Client, world: World, media: Path) -> None:
    client_a.force_login(world.admin)
    assert_list_budget(lambda: client_a.get("/laporan/petugas/"), _grower(world, photos=False))


def test_reports_api_nearby(client_a: Client, world: World, media: Path) -> None:
    """Possible duplicates before filing (at most 10, nearest first), each with its photos."""
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            world.file(world.sampah, north=made[0] * 5, photos=[png()])
            made[0] += 1

    lat, lng = world.point()
    url = f"/api/v1/reports/nearby/?category={world.sampah.code}&lat={lat}&lng={lng}"
    assert_list_budget(lambda: client_a.get(url), grow)
    body = client_a.get(url).json()
    assert len(body) == 10 and all(row["report"]["photos"] for row in body)


def test_reports_api_updates(client_a: Client, world: World) -> None:
    report = world.file(world.sampah)

    def grow(count: int) -> None:
        for i in range(count):
            services.add_note(report, world.admin, f"Catatan {i}")

    url = f"/api/v1/reports/{report.code}/updates/"
    assert_list_budget(lambda: client_a.get(url), grow)
    assert len(client_a.get(url).json()) >= 30
