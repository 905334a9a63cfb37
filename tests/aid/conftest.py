"""Helpers for the bansos tests: synthetic NIK/No. KK, RT units, programs, files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.aid import services
from apps.aid.demo import tiny_png
from apps.aid.models import FundingSource, Program, TargetType
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
from tests.spreadsheets import xlsx_bytes

REGION = "357703"  # Kota Madiun, Kec. Taman


def make_nik(serial: int, born: date = date(1980, 5, 17), female: bool = False) -> str:
    day = born.day + 40 if female else born.day
    return f"{REGION}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def make_kk(serial: int) -> str:
    return f"{REGION}010120{serial:04d}"


def png_bytes() -> bytes:
    return tiny_png()


def make_units(tenant: Tenant) -> dict[tuple[int, int], RukunTetangga]:
    units = {}
    with tenant:
        for rw_number in (1, 2):
            rw, _ = RukunWarga.objects.get_or_create(number=rw_number)
            for rt_number in (1, 2, 3):
                units[(rw_number, rt_number)] = RukunTetangga.objects.get_or_create(rw=rw, number=rt_number)[0]
    return units


@pytest.fixture
def units_a(tenant_a: Tenant, db: None) -> dict[tuple[int, int], RukunTetangga]:
    return make_units(tenant_a)


@pytest.fixture
def units_b(tenant_b: Tenant, db: None) -> dict[tuple[int, int], RukunTetangga]:
    return make_units(tenant_b)


def login(client: Client, username: str = "admin") -> Client:
    response = client.post("/akun/masuk/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def staff_a(client_a: Client) -> Client:
    return login(client_a)


@pytest.fixture
def staff_b(client_b: Client) -> Client:
    return login(client_b)


ProgramFactory = Callable[..., Program]


@pytest.fixture
def make_program(db: None) -> ProgramFactory:
    """Create a program in the current schema (call inside `with tenant:`)."""

    def factory(name: str = "BLT Uji", **values: Any) -> Program:
        year = timezone.localdate().year
        defaults: dict[str, Any] = {
            "target_type": TargetType.INDIVIDUAL,
            "funding_source": FundingSource.DANA_DESA,
            "start_date": date(year, 1, 1),
            "end_date": date(year, 12, 31),
            "quota": 10,
            "amount": 300_000,
        }
        defaults.update(values)
        return services.create_program(services.ProgramInput(name=name, **defaults))

    return factory


def csv_file(rows: list[list[object]], header: list[str] | None = None, delimiter: str = ",") -> bytes:
    header = header or ["NIK", "No KK", "Nama", "Alamat", "RT", "RW", "Penghasilan"]
    lines = [delimiter.join(header)] + [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    return xlsx_bytes([header or ["NIK", "No KK", "Nama", "Alamat", "RT", "RW", "Penghasilan"], *rows])


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Proof photos written by tests go to a temporary folder, not the developer's media.
    (django-tenants' storage caches its root and ignores a changed MEDIA_ROOT: drop the cache.)"""
    from django.core.files.storage import storages

    storage = storages["default"]
    storage.__dict__.pop("relative_media_root", None)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    storage.__dict__.pop("relative_media_root", None)
