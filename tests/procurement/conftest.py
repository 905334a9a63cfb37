"""People, permits and requests for the procurement tests (inside tenant A unless a test says otherwise).

Issued izin usaha mikro are written straight into apps.permits' table (the fields eligibility
reads), so these tests do not depend on the permit workflow being finished.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.permits.models import Permit
from apps.procurement import services
from apps.procurement.models import ProcurementEvent, PurchaseRequest, Quote
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for


def issue_permit(
    user: User, *, kbli: str = "56102", business_name: str = "", revoked: bool = False, number: str = ""
) -> Permit:
    now = timezone.now()
    return Permit.objects.create(
        applicant=user,
        created_by=user,
        status="revoked" if revoked else "issued",
        revoked_at=now if revoked else None,
        owner_name=user.full_name,
        nik_digest=secrets.token_hex(32),
        nik_ciphertext="x",
        nik_masked="3577********0001",
        business_name=business_name or f"Usaha {user.full_name}",
        kbli_code=kbli,
        kbli_title="Judul KBLI",
        risk_level="rendah",
        capital=10_000_000,
        workers=1,
        number=number or f"503/{secrets.randbelow(9999):04d}/TEST/{secrets.token_hex(3)}",
        issued_year=now.year,
        issued_at=now - timedelta(days=10),
        verification_token=secrets.token_urlsafe(24),
    )


@dataclass
class People:
    petugas: User  # admin_kelurahan
    staf: User  # staf_opd
    lurah: User
    umkm: User  # pemilik_umkm, issued permit 56102 (Warung Nasi Bu Sri)
    umkm_b: User  # pemilik_umkm, issued permit 56210 (Katering Pak Budi)
    umkm_lain: User  # pemilik_umkm, issued permit 10792 (another division)
    umkm_dicabut: User  # pemilik_umkm whose 56 permit was revoked
    umkm_tanpa_izin: User  # pemilik_umkm without a permit
    warga: User
    ketua_rt: User
    kurir: User

    def roles(self) -> dict[str, User]:
        return {
            "admin_kelurahan": self.petugas,
            "staf_opd": self.staf,
            "lurah": self.lurah,
            "pemilik_umkm": self.umkm,
            "warga": self.warga,
            "ketua_rt": self.ketua_rt,
            "kurir": self.kurir,
        }


def make_people(prefix: str = "") -> People:
    def user(name: str, role: Role, full_name: str, phone: str = "") -> User:
        return create_user(
            username=f"{prefix}{name}",
            full_name=full_name,
            email=f"{prefix}{name}@contoh.id",
            phone=phone,
            roles=[role],
            password=PASSWORD,
        )

    people = People(
        petugas=user("pp-petugas", Role.ADMIN, "Dewi Petugas"),
        staf=user("pp-staf", Role.STAF_OPD, "Rina Staf"),
        lurah=user("pp-lurah", Role.LURAH, "Bambang Lurah"),
        umkm=user("pp-umkm", Role.PEMILIK_UMKM, "Sri Rahayu", phone="081234567890"),
        umkm_b=user("pp-umkm-b", Role.PEMILIK_UMKM, "Budi Hartono", phone="081298765432"),
        umkm_lain=user("pp-umkm-lain", Role.PEMILIK_UMKM, "Siti Aminah"),
        umkm_dicabut=user("pp-umkm-dicabut", Role.PEMILIK_UMKM, "Tono Sugiarto"),
        umkm_tanpa_izin=user("pp-umkm-baru", Role.PEMILIK_UMKM, "Wati Lestari"),
        warga=user("pp-warga", Role.WARGA, "Joko Santoso"),
        ketua_rt=user("pp-ketua-rt", Role.KETUA_RT, "Wartini"),
        kurir=user("pp-kurir", Role.KURIR, "Andi Kurir"),
    )
    issue_permit(people.umkm, kbli="56102", business_name="Warung Nasi Bu Sri", number="503/0001/35.77.03.1001/2026")
    issue_permit(people.umkm_b, kbli="56210", business_name="Katering Pak Budi", number="503/0002/35.77.03.1001/2026")
    issue_permit(people.umkm_lain, kbli="10792", business_name="Kue Basah Bu Siti")
    issue_permit(people.umkm_dicabut, kbli="56101", business_name="Warung Tono", revoked=True)
    return people


@pytest.fixture
def people(tenant_a: Tenant) -> People:
    with tenant_a:
        return make_people()


def items(**overrides: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"description": "Nasi kotak ayam goreng", "quantity": "50", "unit": "kotak", "kbli_code": "56"},
        {"description": "Air mineral gelas", "quantity": "50", "unit": "gelas", "kbli_code": ""},
    ]
    rows[0].update(overrides)
    return rows


def new_request(
    people: People,
    *,
    now: datetime | None = None,
    deadline: datetime | None = None,
    publish: bool = True,
    actor: User | None = None,
    **overrides: Any,
) -> PurchaseRequest:
    now = now or timezone.now()
    deadline = deadline or now + timedelta(days=2)
    data: dict[str, Any] = {
        "title": "Konsumsi rapat RW (50 kotak nasi)",
        "items": items(),
        "budget_ceiling": 1_500_000,
        "quote_deadline": deadline,
        "delivery_address": "Balai RW 01, Jl. Mojorejo",
        "delivery_lat": "-7.637500",
        "delivery_lng": "111.534700",
        "delivery_date": (deadline + timedelta(days=2)).date(),
    }
    data.update(overrides)
    return services.create_request(actor=actor or people.staf, publish=publish, now=now, **data)


def prices(purchase: PurchaseRequest, *amounts: int) -> dict[int, int]:
    ids = list(purchase.items.order_by("position").values_list("pk", flat=True))
    amounts = amounts or (25_000, 3_000)
    return dict(zip(ids, amounts, strict=True))


def quote(purchase: PurchaseRequest, who: User, *amounts: int, now: datetime | None = None) -> Quote:
    return services.submit_quote(
        purchase, who, prices=prices(purchase, *amounts), delivery_date=purchase.delivery_date, now=now
    )


def closed_request(people: People, *, quoters: tuple[str, ...] = ("umkm", "umkm_b")) -> PurchaseRequest:
    """A published request whose deadline passed an hour ago, with quotes from `quoters`."""
    start = timezone.now() - timedelta(days=3)
    purchase = new_request(people, now=start, deadline=timezone.now() - timedelta(hours=1))
    amounts = {"umkm": (25_000, 3_000), "umkm_b": (24_000, 2_500)}
    for name in quoters:
        quote(purchase, getattr(people, name), *amounts[name], now=start + timedelta(hours=1))
    return purchase


def evaluated(people: People, purchase: PurchaseRequest | None = None) -> PurchaseRequest:
    purchase = purchase or closed_request(people)
    scores = {
        q.pk: {"price": 90 if q.supplier_id == people.umkm.pk else 100, "delivery": 90, "quality": 95}
        for q in purchase.quotes.all()
    }
    services.evaluate(purchase, people.petugas, scores=scores, rationale=RATIONALE)
    return PurchaseRequest.objects.get(pk=purchase.pk)


def awarded(people: People) -> PurchaseRequest:
    """Evaluated and awarded to Katering Pak Budi (the cheaper, higher-scored quote)."""
    purchase = evaluated(people)
    best = purchase.quotes.get(supplier=people.umkm_b)
    services.award(purchase, people.lurah, quote=best, summary="Harga termurah dan mutu baik.")
    return PurchaseRequest.objects.get(pk=purchase.pk)


def advance(people: People, to: str) -> PurchaseRequest:
    """A request taken along the happy path until status `to` (from 'awarded' on)."""
    purchase = awarded(people)
    steps = [
        ("awarded", lambda p: services.issue_order(p, people.petugas)),
        ("ordered", lambda p: services.mark_delivered(p, people.umkm_b)),
        ("delivered", lambda p: services.accept_delivery(p, people.staf)),
        ("accepted", lambda p: services.record_payment(p, people.petugas, reference="SP2D-0001")),
    ]
    for status, run in steps:
        if purchase.status == to:
            break
        assert purchase.status == status
        run(purchase)
        purchase = PurchaseRequest.objects.get(pk=purchase.pk)
    assert purchase.status == to
    return purchase


RATIONALE = "Kedua penawaran di bawah pagu; Katering Pak Budi termurah dan mutu contoh makanan baik."


def logged_in(tenant: Tenant, user: User) -> Client:
    client = client_for(tenant)
    with tenant:
        client.force_login(user)
    return client


def event_count(purchase: PurchaseRequest) -> int:
    return ProcurementEvent.objects.filter(request=purchase).count()
