"""Kelurahan services: laporan warga (categories, reports) and izin usaha (permit applications),
through their services (SLA deadlines and routing are set there, from `now`)."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.permits import services as permits
from apps.permits.models import Permit
from apps.reports import services as reports
from apps.reports.models import Category, Report
from apps.tenancy.models import Tenant
from tests.images import JPEG

from .accounts import ResidencyFactory, UserFactory
from .base import ServiceFactory

# Kota Madiun (35.77), Kec. Taman (03), a woman born 12 Aug 1985 (12 + 40 = 52), serial 0001.
NIK = "3577035208850001"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _centre() -> tuple[Decimal, Decimal]:
    """The active kelurahan's centre point (reports must fall inside its area)."""
    tenant = connection.tenant
    if isinstance(tenant, Tenant) and tenant.lat is not None and tenant.lng is not None:
        return tenant.lat, tenant.lng
    return Decimal("-7.637500"), Decimal("111.534700")  # Mojorejo


class CategoryFactory(ServiceFactory):
    """A report category handled by the kelurahan, SLA `sla_hours` (escalation later)."""

    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"kategori-uji-{n}")
    name = factory.Sequence(lambda n: f"Kategori uji {n}")
    unit = Category.Unit.KELURAHAN
    sla_hours = 48
    escalation_hours = 120

    @classmethod
    def _service(cls, **kwargs: Any) -> Category:
        return reports.ensure_category(**kwargs)


class ReportFactory(ServiceFactory):
    """A laporan at the kelurahan's centre, filed by a warga at `now` (default: the clock's now)."""

    class Meta:
        model = Report

    category = factory.SubFactory(CategoryFactory)
    description = "Sampah menumpuk di pinggir jalan"
    reporter = factory.SubFactory(UserFactory)
    now: Any = None

    @classmethod
    def _service(cls, **kwargs: Any) -> Report:
        lat, lng = _centre()
        return reports.submit_report(lat=f"{lat:.6f}", lng=f"{lng:.6f}", **kwargs)


def _upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


class PermitFactory(ServiceFactory):
    """An izin usaha application by a UMKM owner living in an RT, submitted at `now` (default:
    the clock's now) unless `submit=False` (a draft). Needs a MEDIA_ROOT the test may write to."""

    class Meta:
        model = Permit

    actor = factory.LazyFunction(lambda: ResidencyFactory(user__roles=[Role.PEMILIK_UMKM]).user)
    nik = NIK
    business_name = "Pecel Madiun Bu Sri"
    kbli_code = "56102"
    capital = 25_000_000
    workers = 2
    address = "Jl. Mojorejo No. 12"
    products = "Nasi pecel, peyek"
    submit = True
    now: Any = None

    @classmethod
    def _service(cls, *, actor: User, now: datetime | None, **kwargs: Any) -> Permit:
        lat, lng = _centre()
        return permits.create_permit(
            actor=actor,
            lat=f"{lat:.6f}",
            lng=f"{lng:.6f}",
            ktp_scan=_upload("ktp.jpg", JPEG, "image/jpeg"),
            premises_photo=_upload("warung.png", PNG, "image/png"),
            now=now,
            **kwargs,
        )
