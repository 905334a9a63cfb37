"""Demo agenda for kelurahan tenants: Madiun-flavoured events in the coming weeks. Idempotent
(an event with the same title is never made twice)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from . import services
from .models import Audience, Event


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _next(weekday: int, after: date, weeks: int = 0) -> date:
    """The first given weekday (0 = Monday) after `after`, plus some weeks."""
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7, weeks=weeks)


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    author = User.objects.filter(username="admin").first()
    if author is None or not RukunTetangga.objects.filter(rw__number=1, number=2).exists():
        return
    today = timezone.localdate()
    lat = Decimal(str(tenant.lat)) if tenant.lat is not None else None
    lng = Decimal(str(tenant.lng)) if tenant.lng is not None else None
    sunday, saturday = _next(6, today), _next(5, today)
    events = [
        services.EventInput(
            title="Kerja bakti RW 01",
            starts_at=_at(sunday, 6, 30),
            ends_at=_at(sunday, 9),
            place_name="Sepanjang selokan Jl. Mojorejo, kumpul di pos kamling RW 01",
            organiser="Pak Slamet (Ketua RW 01)",
            audience=Audience.RW,
            rw=1,
            description="Membersihkan selokan menjelang musim hujan. Bawa cangkul, sapu lidi dan karung.",
        ),
        services.EventInput(
            title="Posyandu balita",
            starts_at=_at(_next(2, today), 8),
            ends_at=_at(_next(2, today), 11),
            place_name="Balai RW 02",
            organiser="Kader Posyandu Melati",
            audience=Audience.RW,
            rw=2,
            description="Penimbangan, imunisasi dan PMT untuk balita. Bawa buku KIA.",
        ),
        services.EventInput(
            title="Rapat RT 02/RW 01",
            starts_at=_at(_next(4, today), 19, 30),
            ends_at=_at(_next(4, today), 21, 30),
            place_name="Rumah Pak RT 02, Jl. Mojorejo Gg. III",
            organiser="Ketua RT 02/RW 01",
            audience=Audience.RT,
            rw=1,
            rt=2,
            description="Agenda: iuran kebersihan, persiapan 17-an dan ronda malam.",
        ),
        services.EventInput(
            title="Senam pagi bersama",
            starts_at=_at(sunday, 6),
            ends_at=_at(sunday, 7, 30),
            place_name=f"Halaman Kantor {tenant.name}",
            organiser=tenant.name,
            audience=Audience.PUBLIC,
            lat=lat,
            lng=lng,
            description="Senam sehat untuk semua warga, gratis. Dilanjutkan sarapan pecel bersama.",
        ),
        services.EventInput(
            title="Pasar murah",
            starts_at=_at(_next(5, today, weeks=1), 7),
            ends_at=_at(_next(5, today, weeks=1), 12),
            place_name=f"Lapangan {tenant.name}",
            organiser="Dinas Perdagangan Kota Madiun",
            audience=Audience.PUBLIC,
            lat=lat,
            lng=lng,
            description="Beras, minyak goreng, gula dan telur harga murah. Bawa KTP, satu paket per KK.",
        ),
        services.EventInput(
            title="Rapat koordinasi staf kelurahan",
            starts_at=_at(saturday - timedelta(days=1), 9),
            ends_at=_at(saturday - timedelta(days=1), 11),
            place_name="Ruang rapat kelurahan",
            organiser=tenant.name,
            audience=Audience.STAFF,
        ),
    ]
    for data in events:
        if not Event.objects.filter(title=data.title).exists():
            services.create_event(data, by=author)
