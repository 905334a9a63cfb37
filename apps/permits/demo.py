"""Demo permits for `bu-sri` (Sri Rahayu, UMKM) at different steps; one issued. Idempotent."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.tenancy.models import Tenant

from . import services
from .models import Permit, PermitFee

# A 1x1 PNG: demo uploads are placeholders, not real documents.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# A made-up NIK of Kota Madiun (35.77), woman born 5 Aug 1980: format-valid, belongs to nobody.
DEMO_NIK = "3577034508800002"


def _png(name: str) -> ContentFile[bytes]:
    return ContentFile(_PNG, name=name)


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    owner = User.objects.filter(username="bu-sri").first()
    rt_head = User.objects.filter(username="ketua-rt01").first()
    staff = User.objects.filter(username="admin").first()
    lurah = User.objects.filter(groups__name=Role.LURAH.value).order_by("pk").first()
    if owner is None or rt_head is None or staff is None or lurah is None:
        return
    centre_lat = float(tenant.lat) if tenant.lat is not None else -7.6375
    centre_lng = float(tenant.lng) if tenant.lng is not None else 111.5347

    issue_all: list[tuple[Callable[..., Permit], User]] = [
        (services.recommend, rt_head),
        (services.verify, staff),
        (services.approve, lurah),  # issues the permit too: nothing is pending
    ]
    plans: list[tuple[str, str, str, int, int, int, list[tuple[Callable[..., Permit], User]]]] = [
        # (business, KBLI, products, capital, workers, submitted days ago, steps taken a day apart)
        # The products in Aksara Jawa too: the certificate PDF embeds Noto Sans Javanese to print them.
        (
            "Pecel Madiun Bu Sri",
            "56102",
            "Nasi pecel (ꦱꦼꦒꦥꦼꦕꦼꦭ꧀), peyek kacang, rempeyek teri",
            25_000_000,
            2,
            20,
            issue_all,
        ),
        ("Sambal Pecel Bu Sri", "10772", "Sambal pecel kemasan 250 g dan 500 g", 15_000_000, 1, 6, issue_all[:2]),
        ("Keripik Tempe Bu Sri", "10794", "Keripik tempe original dan pedas", 8_000_000, 1, 5, []),
    ]
    with transaction.atomic():
        for index, (name, code, products, capital, workers, days_ago, moves) in enumerate(plans):
            if Permit.objects.filter(applicant=owner, business_name=name).exists():
                continue
            when = timezone.now() - timedelta(days=days_ago)
            permit = services.create_permit(
                actor=owner,
                nik=DEMO_NIK,
                business_name=name,
                kbli_code=code,
                capital=capital,
                workers=workers,
                address="Jl. Mojorejo No. 12" if tenant.slug.startswith("mojorejo") else f"Jl. {tenant.name} No. 12",
                lat=round(centre_lat + 0.0004 * index, 6),
                lng=round(centre_lng + 0.0004 * index, 6),
                products=products,
                ktp_scan=_png("ktp.png"),
                premises_photo=_png("tempat.png"),
                submit=True,
                now=when,
            )
            for day, (move, who) in enumerate(moves, start=1):
                permit = move(permit, who, now=when + timedelta(days=day))
        if tenant.parent_id is not None:
            # Retribusi izin (issue 20): after the plans above, so "Sambal Pecel Bu Sri", still
            # verified, is billed when the lurah approves it and issued once bu-sri pays.
            for risk in Permit.Risk.values:
                PermitFee.objects.get_or_create(
                    risk_level=risk, defaults={"amount": 50_000, "perda": "Perda Kota Madiun (contoh demo)"}
                )
        if not Permit.objects.filter(applicant=owner, business_name="Jahit Bu Sri").exists():
            services.create_permit(
                actor=owner,
                nik=DEMO_NIK,
                business_name="Jahit Bu Sri",
                kbli_code="14120",
                capital=5_000_000,
                workers=0,
                products="Jahit dan permak pakaian",
            )
