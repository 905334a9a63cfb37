"""People, RT/RW and files for the permit tests (inside tenant A unless a test says otherwise)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.permits import services
from apps.permits.models import Permit
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for
from tests.images import JPEG  # real images: uploads are opened with Pillow

# Kota Madiun (35.77), Kec. Taman (03), a woman born 12 Aug 1985 (12 + 40 = 52), serial 0001.
NIK = "3577035208850001"
NIK_MASKED = "3577********0001"
# Mojorejo is around -7.6375, 111.5347.
LAT, LNG = "-7.637500", "111.534700"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@dataclass
class People:
    owner: User  # pemilik_umkm living in RT 01/RW 01: the applicant
    other_owner: User  # pemilik_umkm in RT 01/RW 02
    warga: User
    ketua_rt: User  # of RT 01/RW 01
    other_rt: User  # ketua of RT 01/RW 02
    ketua_rw: User  # of RW 01
    staf: User  # staf_opd
    admin: User  # admin_kelurahan (not a superuser)
    lurah: User
    rt: RukunTetangga

    def everyone(self) -> dict[str, User]:
        return {
            "owner": self.owner,
            "other_owner": self.other_owner,
            "warga": self.warga,
            "ketua_rt": self.ketua_rt,
            "other_rt": self.other_rt,
            "ketua_rw": self.ketua_rw,
            "staf": self.staf,
            "admin": self.admin,
            "lurah": self.lurah,
        }


def make_people(prefix: str = "") -> People:
    def user(name: str, role: Role, full_name: str) -> User:
        return create_user(
            username=f"{prefix}{name}",
            full_name=full_name,
            email=f"{prefix}{name}@contoh.id",
            roles=[role],
            password=PASSWORD,
        )

    rw1, _ = RukunWarga.objects.get_or_create(number=61)
    rw2, _ = RukunWarga.objects.get_or_create(number=62)
    rt1, _ = RukunTetangga.objects.get_or_create(rw=rw1, number=1)
    rt2, _ = RukunTetangga.objects.get_or_create(rw=rw2, number=1)
    people = People(
        owner=user("pemilik", Role.PEMILIK_UMKM, "Sri Rahayu"),
        other_owner=user("pemilik-lain", Role.PEMILIK_UMKM, "Budi Hartono"),
        warga=user("warga", Role.WARGA, "Joko Santoso"),
        ketua_rt=user("ketua-rt", Role.KETUA_RT, "Wartini"),
        other_rt=user("ketua-rt-lain", Role.KETUA_RT, "Sumarno"),
        ketua_rw=user("ketua-rw", Role.KETUA_RW, "Slamet"),
        staf=user("staf", Role.STAF_OPD, "Rina Staf"),
        admin=user("petugas", Role.ADMIN, "Dewi Admin"),
        lurah=user("lurah", Role.LURAH, "Bambang Lurah"),
        rt=rt1,
    )
    rt1.ketua, rw1.ketua, rt2.ketua = people.ketua_rt, people.ketua_rw, people.other_rt
    rt1.save()
    rw1.save()
    rt2.save()
    Residency.objects.create(user=people.owner, rt=rt1, address="Jl. Mojorejo No. 12")
    Residency.objects.create(user=people.other_owner, rt=rt2, address="Jl. Mojorejo No. 40")
    return people


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Uploads of these tests go to a temporary MEDIA_ROOT (per-tenant subfolders inside)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # django-tenants caches MEDIA_ROOT/<schema> until this setting changes; make it change.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    yield tmp_path / "media"


@pytest.fixture
def people(tenant_a: Tenant) -> People:
    with tenant_a:
        return make_people()


def application(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "nik": NIK,
        "business_name": "Pecel Madiun Bu Sri",
        "kbli_code": "56102",
        "capital": 25_000_000,
        "workers": 2,
        "address": "Jl. Mojorejo No. 12",
        "lat": LAT,
        "lng": LNG,
        "products": "Nasi pecel, peyek",
        "ktp_scan": upload("ktp.jpg", JPEG, "image/jpeg"),
        "premises_photo": upload("warung.png", PNG, "image/png"),
    }
    data.update(overrides)
    return data


def submitted_permit(people: People, *, now: datetime | None = None, **overrides: Any) -> Permit:
    return services.create_permit(actor=people.owner, submit=True, now=now, **application(**overrides))


@contextmanager
def pending_before_issue(*pending: str) -> Iterator[None]:
    """Something (a fee, a document) still pending: the lurah's approval then stops at "approved"
    and the pages say what is pending."""
    items = list(pending or ["retribusi"])
    with (
        mock.patch("apps.permits.services.steps.issue_pending", return_value=items),
        mock.patch("apps.permits.services.issue_pending", return_value=items),
    ):
        yield


def advance(permit: Permit, people: People, to: str, *, now: datetime | None = None) -> Permit:
    """Take the permit along the happy path until it reaches status `to`.

    The lurah's approval issues at once; to stop at "approved" something is made pending."""
    path = [
        ("submitted", "recommend", people.ketua_rt),
        ("recommended", "verify", people.staf),
        ("verified", "approve", people.lurah),
        ("approved", "issue", people.admin),
        ("issued", "revoke", people.lurah),
    ]
    for status, action, actor in path:
        if permit.status == to:
            break
        if permit.status != status:
            continue
        reason = "dicabut: uji" if action == "revoke" else ""
        if action == "approve" and to == "approved":
            with pending_before_issue():
                permit = services.take_step(permit, actor, action, reason, now=now)
        else:
            permit = services.take_step(permit, actor, action, reason, now=now)
    assert permit.status == to
    return permit


def logged_in(tenant: Tenant, user: User) -> Client:
    client = client_for(tenant)
    with tenant:  # the user row and the session live in the tenant's schema
        client.force_login(user)
    return client


def now() -> datetime:
    return timezone.now()


def pdf_image_bytes(pdf: bytes) -> tuple[int, int, bytes]:
    """The first image XObject of a reportlab PDF: (width, height, raw decoded samples)."""
    import re
    import zlib
    from base64 import a85decode

    match = re.search(rb"<<([^>]*?/Subtype /Image[^>]*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S)
    assert match, "no image in the PDF"
    header, stream = match.group(1), match.group(2)
    width = int(re.search(rb"/Width (\d+)", header).group(1))  # type: ignore[union-attr]
    height = int(re.search(rb"/Height (\d+)", header).group(1))  # type: ignore[union-attr]
    data = stream.strip()
    if b"ASCII85Decode" in header:
        data = a85decode(data.removesuffix(b"~>"), adobe=False) if not data.startswith(b"<~") else a85decode(data)
    if b"FlateDecode" in header:
        data = zlib.decompress(data)
    return width, height, data


def qr_bytes(matrix: list[list[bool]]) -> bytes:
    out = io.BytesIO()
    for row in matrix:
        out.write(bytes(0 if dark else 255 for dark in row))
    return out.getvalue()
