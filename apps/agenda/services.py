"""Writes of the agenda: create, change and delete events; new events notify their audience."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.notifications.services import notify
from apps.rtrw.models import RukunTetangga, RukunWarga

from .models import Audience, Event

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


@dataclass
class EventInput:
    title: str
    starts_at: datetime
    ends_at: datetime
    place_name: str
    organiser: str
    audience: str = Audience.PUBLIC
    rw: int | None = None  # RW number, for RW and RT events
    rt: int | None = None  # RT number within that RW, for RT events
    description: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None


def can_manage(user: User, audience: str, rw: RukunWarga | None, rt: RukunTetangga | None) -> bool:
    """Staff manage every event; a ketua RW the events of their RW and its RTs; a ketua RT the
    events of their RT."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if audience == Audience.RW and rw is not None:
        return rw.ketua_id == user.pk
    if audience == Audience.RT and rt is not None:
        return rt.ketua_id == user.pk or rt.rw.ketua_id == user.pk
    return False


def resolve_unit(data: EventInput) -> tuple[RukunWarga | None, RukunTetangga | None]:
    if data.audience in (Audience.PUBLIC, Audience.STAFF):
        return None, None
    if data.rw is None:
        raise ValidationFailed(_("Nomor RW wajib diisi untuk kegiatan RW/RT."), code="rw_required", field="rw")
    if data.audience == Audience.RW:
        rw = RukunWarga.objects.filter(number=data.rw).first()
        if rw is None:
            raise ValidationFailed(
                _("RW %(rw)02d tidak ada di kelurahan ini.") % {"rw": data.rw}, code="unknown_rw", field="rw"
            )
        return rw, None
    if data.rt is None:
        raise ValidationFailed(_("Nomor RT wajib diisi untuk kegiatan RT."), code="rt_required", field="rt")
    rt = RukunTetangga.objects.select_related("rw").filter(rw__number=data.rw, number=data.rt).first()
    if rt is None:
        raise ValidationFailed(
            _("RT %(rt)02d/RW %(rw)02d tidak ada di kelurahan ini.") % {"rt": data.rt, "rw": data.rw},
            code="unknown_rt",
            field="rt",
        )
    return None, rt


def validate(data: EventInput) -> None:
    data.title = " ".join(data.title.split())
    data.place_name = " ".join(data.place_name.split())
    data.organiser = " ".join(data.organiser.split())
    data.description = data.description.strip()
    if not data.title:
        raise ValidationFailed(_("Judul kegiatan wajib diisi."), code="title_required", field="title")
    if not data.place_name:
        raise ValidationFailed(_("Tempat kegiatan wajib diisi."), code="place_required", field="place_name")
    if not data.organiser:
        raise ValidationFailed(_("Penyelenggara wajib diisi."), code="organiser_required", field="organiser")
    for field, value, limit in (
        ("title", data.title, 200),
        ("place_name", data.place_name, 200),
        ("organiser", data.organiser, 150),
    ):
        if len(value) > limit:
            raise ValidationFailed(
                _("Isian terlalu panjang (maks. %(max)d karakter).") % {"max": limit}, code="too_long", field=field
            )
    if data.audience not in Audience.values:
        raise ValidationFailed(_("Sasaran kegiatan tidak dikenal."), code="invalid_audience", field="audience")
    if timezone.is_naive(data.starts_at) or timezone.is_naive(data.ends_at):
        raise ValidationFailed(_("Waktu harus memakai zona waktu."), code="naive_datetime", field="starts_at")
    if data.ends_at <= data.starts_at:
        raise ValidationFailed(_("Waktu selesai harus setelah waktu mulai."), code="end_before_start", field="ends_at")
    for field, moment in (("starts_at", data.starts_at), ("ends_at", data.ends_at)):
        # A kelurahan agenda has no year-14 events; such times also come back in Jakarta's
        # historical local mean time (+07:07:12), an offset RFC 3339 cannot write.
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValidationFailed(
                _("Waktu kegiatan harus antara tahun %(first)d dan %(last)d.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
                code="out_of_range",
                field=field,
            )
    if (data.lat is None) != (data.lng is None):
        raise ValidationFailed(_("Lintang dan bujur harus diisi berdua."), code="incomplete_point", field="lat")
    if data.lat is not None and data.lng is not None and not (-90 <= data.lat <= 90 and -180 <= data.lng <= 180):
        raise ValidationFailed(_("Titik peta di luar jangkauan."), code="invalid_point", field="lat")


def _audience_users(event: Event) -> list[User]:
    """Who hears about a new event: residents of the targeted RT or RW, or staff for staff
    events. Public events notify nobody automatically (the whole kelurahan is too many)."""
    if event.audience == Audience.RT and event.rt_id is not None:
        users = User.objects.filter(residency__rt_id=event.rt_id)
    elif event.audience == Audience.RW and event.rw_id is not None:
        users = User.objects.filter(residency__rt__rw_id=event.rw_id)
    elif event.audience == Audience.STAFF:
        users = User.objects.filter(is_staff=True)
    else:
        return []
    if event.created_by_id is not None:
        users = users.exclude(pk=event.created_by_id)
    return list(users.filter(is_active=True).order_by("pk"))


def _when(event: Event) -> str:
    start = timezone.localtime(event.starts_at)
    return f"{date_format(start, 'l, j F Y')} {start:%H.%M}"


@transaction.atomic
def create_event(data: EventInput, *, by: User) -> Event:
    validate(data)
    rw, rt = resolve_unit(data)
    if not can_manage(by, data.audience, rw, rt):
        raise Forbidden(_("Anda tidak berwenang membuat kegiatan untuk sasaran ini."))
    event = Event.objects.create(
        title=data.title,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place_name=data.place_name,
        lat=data.lat,
        lng=data.lng,
        organiser=data.organiser,
        audience=data.audience,
        rw=rw,
        rt=rt,
        created_by=by,
    )
    recipients = _audience_users(event)
    if recipients:
        notify(
            recipients,
            event="agenda.created",
            title=_("Kegiatan baru: %(title)s") % {"title": event.title},
            body=_("%(when)s di %(place)s (%(unit)s).")
            % {"when": _when(event), "place": event.place_name, "unit": event.unit_label},
            url=f"/agenda/{event.pk}/",
            key=f"agenda-event-{event.uuid}-created",
        )
    return event


@transaction.atomic
def update_event(event: Event, data: EventInput, *, by: User) -> Event:
    event = Event.objects.select_for_update(of=("self",)).select_related("rw", "rt__rw").get(pk=event.pk)
    if not can_manage(by, event.audience, event.rw, event.rt):
        raise Forbidden(_("Anda tidak berwenang mengubah kegiatan ini."))
    validate(data)
    rw, rt = resolve_unit(data)
    if not can_manage(by, data.audience, rw, rt):
        raise Forbidden(_("Anda tidak berwenang membuat kegiatan untuk sasaran ini."))
    moved = (event.starts_at, event.ends_at, event.place_name) != (data.starts_at, data.ends_at, data.place_name)
    event.title = data.title
    event.description = data.description
    event.starts_at = data.starts_at
    event.ends_at = data.ends_at
    event.place_name = data.place_name
    event.lat = data.lat
    event.lng = data.lng
    event.organiser = data.organiser
    event.audience = data.audience
    event.rw = rw
    event.rt = rt
    event.sequence += 1 if moved else 0
    event.save()
    return event


@transaction.atomic
def delete_event(event: Event, *, by: User) -> None:
    locked = Event.objects.select_for_update(of=("self",)).select_related("rw", "rt__rw").filter(pk=event.pk).first()
    if locked is None:
        raise NotFound(_("Kegiatan tidak ditemukan."))
    if not can_manage(by, locked.audience, locked.rw, locked.rt):
        raise Forbidden(_("Anda tidak berwenang menghapus kegiatan ini."))
    locked.delete()
