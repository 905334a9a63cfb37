"""Laporan warga fixtures: a small world (people, units, categories) inside one tenant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.functional import empty

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core import geo
from apps.reports import services
from apps.reports.models import Category, Opd, Report
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
from tests.images import JPEG, PNG  # real images: uploads are opened with Pillow


def png(name: str = "foto.png", size: int | None = None) -> SimpleUploadedFile:
    body = PNG if size is None else PNG + b"\x00" * (size - len(PNG))
    return SimpleUploadedFile(name, body, content_type="image/png")


def jpeg(name: str = "foto.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


@dataclass
class World:
    tenant: Tenant
    admin: User  # kelurahan admin (superuser, Admin role)
    lurah: User
    warga: User  # warga-<slug> from tests/conftest.py
    tetangga: User  # another warga
    ketua_rt: User
    ketua_rw: User
    opd_staff: User
    outsider_staff: User  # Staf OPD role, but not staff of any OPD here
    rt: RukunTetangga
    rw: RukunWarga
    opd: Opd
    jalan: Category  # → OPD (Dinas PUPR), with a required attribute
    sampah: Category  # → kelurahan
    keamanan: Category  # → RT 05/RW 09
    lat: float
    lng: float

    def point(self, north_m: float = 0, east_m: float = 0) -> tuple[str, str]:
        lat, lng = geo.offset(self.lat, self.lng, north_m, east_m)
        return f"{lat:.6f}", f"{lng:.6f}"

    def file(
        self,
        category: Category | None = None,
        *,
        north: float = 0,
        east: float = 0,
        reporter: User | None = None,
        now: datetime | None = None,
        **extra: Any,
    ) -> Report:
        lat, lng = self.point(north, east)
        category = category or self.sampah
        if category.code == self.jalan.code:
            extra.setdefault("attributes", {"tingkat": "sedang"})
        return services.submit_report(
            category=category,
            description=extra.pop("description", "Sampah menumpuk di pinggir jalan"),
            lat=lat,
            lng=lng,
            reporter=reporter if reporter is not None else self.warga,
            now=now,
            **extra,
        )


def make_world(tenant: Tenant) -> World:
    """Call inside `with tenant:`; rows roll back with the test."""
    short = tenant.slug
    admin = User.objects.get(username="admin")
    warga = User.objects.get(username=f"warga-{short}")

    def person(name: str, role: Role) -> User:
        return create_user(
            username=f"{name}-{short}",
            full_name=name.title(),
            email=f"{name}@{short}.id",
            roles=[role],
            password=PASSWORD,
        )

    lurah = person("lurah", Role.LURAH)
    tetangga = person("tetangga", Role.WARGA)
    ketua_rt = person("ketua-rt", Role.KETUA_RT)
    ketua_rw = person("ketua-rw", Role.KETUA_RW)
    opd_staff = person("staf-pupr", Role.STAF_OPD)
    outsider = person("staf-lain", Role.STAF_OPD)
    rw = RukunWarga.objects.create(number=9, ketua=ketua_rw)
    rt = RukunTetangga.objects.create(rw=rw, number=5, ketua=ketua_rt)
    opd = services.ensure_opd(code="dinas-pupr", name="Dinas PUPR Kota Madiun", email="pupr@madiunkota.go.id")
    opd.staff.add(opd_staff)
    jalan = services.ensure_category(
        code="jalan-rusak",
        name="Jalan rusak",
        group="Infrastruktur",
        keywords="jalan, lubang",
        unit=Category.Unit.OPD,
        opd=opd,
        sla_hours=72,
        escalation_hours=168,
        attributes=[
            {
                "code": "tingkat",
                "description": "Tingkat kerusakan",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "ringan", "name": "Ringan"}, {"key": "sedang", "name": "Sedang"}],
            },
            {"code": "lebar", "description": "Lebar lubang (cm)", "datatype": "number", "required": False},
        ],
    )
    sampah = services.ensure_category(
        code="sampah", name="Sampah", unit=Category.Unit.KELURAHAN, sla_hours=48, escalation_hours=120
    )
    keamanan = services.ensure_category(
        code="keamanan", name="Keamanan", unit=Category.Unit.RT, rt=rt, sla_hours=24, escalation_hours=72
    )
    assert tenant.lat is not None and tenant.lng is not None
    return World(
        tenant=tenant,
        admin=admin,
        lurah=lurah,
        warga=warga,
        tetangga=tetangga,
        ketua_rt=ketua_rt,
        ketua_rw=ketua_rw,
        opd_staff=opd_staff,
        outsider_staff=outsider,
        rt=rt,
        rw=rw,
        opd=opd,
        jalan=jalan,
        sampah=sampah,
        keamanan=keamanan,
        lat=float(tenant.lat),
        lng=float(tenant.lng),
    )


@pytest.fixture
def world(tenant_a: Tenant, db: None) -> Iterator[World]:
    """Tenant A's world; the test body runs in A's schema."""
    with tenant_a:
        yield make_world(tenant_a)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Uploaded files go to a temporary MEDIA_ROOT (still one folder per tenant schema)."""

    def reset() -> None:
        # TenantFileSystemStorage caches its root and does not drop it when MEDIA_ROOT changes.
        if default_storage._wrapped is empty:  # type: ignore[attr-defined]
            default_storage._setup()  # type: ignore[attr-defined]
        vars(default_storage._wrapped).pop("relative_media_root", None)  # type: ignore[attr-defined]

    settings.MEDIA_ROOT = str(tmp_path / "media")
    reset()
    yield tmp_path / "media"
    reset()
