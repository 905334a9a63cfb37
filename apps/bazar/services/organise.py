"""The organiser's side of a bazar after it is made: change it, announce it (its agenda entry),
close it early, move a stall on the map or release it. Lurah and kelurahan staff only.

Rules:
- a bazar that has ended (on its own or closed) is final: its report window and stalls no longer
  change, so the sales report of a past bazar stays what it was;
- announcing makes the landing page and the promotions live and creates the public agenda entry
  (once); changing an announced bazar changes its agenda entry too;
- closing a running bazar ends it now (promotions stop at once); one not started yet is not
  closed (change its dates instead);
- a stall is released only before the bazar starts (the report counts the stalls' shops).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.agenda import services as agenda
from apps.agenda.models import Event as AgendaEvent
from apps.core.errors import Conflict, ValidationFailed
from apps.core.short_text import clean_short_text

from ..models import BazarEvent, Stall
from .events import _clean_cell, _require_organiser, agenda_input, tell_owner


def _locked(event: BazarEvent) -> BazarEvent:
    return BazarEvent.objects.select_for_update().get(pk=event.pk)


def _open(event: BazarEvent) -> None:
    if event.ends_at <= timezone.now():
        raise Conflict(_("Bazar ini sudah selesai dan tidak bisa diubah lagi."), code="bazar_ended")


def _sync_agenda(event: BazarEvent, actor: User) -> None:
    """The agenda entry follows the bazar (name, time, place, description; its point stays)."""
    entry = AgendaEvent.objects.filter(pk=event.agenda_event_id).first() if event.agenda_event_id else None
    if entry is None:
        return
    agenda.update_event(
        entry,
        agenda_input(
            event.name, event.starts_at, event.ends_at, event.place_name, event.description, entry.lat, entry.lng
        ),
        by=actor,
    )


@transaction.atomic
def update_bazar(
    event: BazarEvent,
    *,
    actor: User,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    place_name: str,
    description: str = "",
    grid_columns: int,
    grid_rows: int,
) -> BazarEvent:
    """Change a bazar that has not ended. The map may shrink only as far as its stalls allow."""
    _require_organiser(actor)
    event = _locked(event)
    _open(event)
    name = clean_short_text(name, field="name", max_length=120)
    place_name = clean_short_text(place_name, field="place_name", max_length=200)
    if not name:
        raise ValidationFailed(_("Nama bazar wajib diisi."), code="name_required", field="name")
    if not place_name:
        raise ValidationFailed(_("Tempat bazar wajib diisi."), code="place_required", field="place_name")
    if ends_at <= starts_at:
        raise ValidationFailed(_("Bazar harus selesai setelah mulai."), code="ends_before_start", field="ends_at")
    columns, rows = int(grid_columns), int(grid_rows)
    if not (1 <= columns <= 30 and 1 <= rows <= 30):
        raise ValidationFailed(_("Denah lapak 1 sampai 30 kolom dan baris."), code="grid_size", field="grid_columns")
    outside = Stall.objects.filter(event=event, column__gt=columns).exists() or (
        Stall.objects.filter(event=event, row__gt=rows).exists()
    )
    if outside:
        raise ValidationFailed(
            _("Denah tidak bisa diperkecil: masih ada lapak di luar %(c)s kolom × %(r)s baris. Pindahkan dulu.")
            % {"c": columns, "r": rows},
            code="grid_too_small",
            field="grid_columns",
        )
    event.name, event.place_name, event.description = name, place_name, (description or "").strip()
    event.starts_at, event.ends_at, event.grid_columns, event.grid_rows = starts_at, ends_at, columns, rows
    event.save(update_fields=["name", "place_name", "description", "starts_at", "ends_at", "grid_columns", "grid_rows"])
    _sync_agenda(event, actor)
    return event


@transaction.atomic
def publish_bazar(
    event: BazarEvent, *, actor: User, lat: Decimal | None = None, lng: Decimal | None = None
) -> BazarEvent:
    """Announce a bazar: its page and promotions go live and it enters the public agenda (once;
    again: the bazar as it is)."""
    _require_organiser(actor)
    event = _locked(event)
    if event.is_published and event.agenda_event_id:
        return event
    _open(event)
    if not event.agenda_event_id:
        entry = agenda.create_event(
            agenda_input(event.name, event.starts_at, event.ends_at, event.place_name, event.description, lat, lng),
            by=actor,
        )
        event.agenda_event = entry
    event.is_published = True
    event.save(update_fields=["is_published", "agenda_event"])
    return event


@transaction.atomic
def close_bazar(event: BazarEvent, *, actor: User) -> BazarEvent:
    """End a running bazar now: promotions stop, the report counts up to this moment, the agenda
    shows the new end. An ended bazar: as it is."""
    _require_organiser(actor)
    event = _locked(event)
    now = timezone.now()
    if event.ends_at <= now:
        return event
    if event.starts_at >= now:
        raise Conflict(
            _("Bazar belum dimulai, jadi belum bisa ditutup. Ubah jadwalnya bila perlu."), code="bazar_not_started"
        )
    event.ends_at = now
    event.save(update_fields=["ends_at"])
    _sync_agenda(event, actor)
    return event


@transaction.atomic
def move_stall(stall: Stall, *, actor: User, column: object, row: object) -> Stall:
    """Put a stall on another free cell of the map (its number stays)."""
    _require_organiser(actor)
    event = _locked(stall.event)  # one map change at a time, as add_stall
    _open(event)
    stall = Stall.objects.select_for_update().select_related("shop__owner", "event").get(pk=stall.pk, event=event)
    col, rw = _clean_cell(event, column, row)
    if (stall.column, stall.row) == (col, rw):
        return stall
    if Stall.objects.filter(event=event, column=col, row=rw).exists():
        raise Conflict(_("Posisi lapak itu sudah dipakai."), code="cell_taken", field="column")
    stall.column, stall.row = col, rw
    stall.save(update_fields=["column", "row"])
    tell_owner(stall, _("Lapak toko %(shop)s di %(event)s dipindah; nomornya tetap %(n)s."))
    return stall


@transaction.atomic
def renumber_stall(stall: Stall, *, actor: User, number: object) -> Stall:
    """Give a stall another number (unique in its bazar, 1-900)."""
    _require_organiser(actor)
    event = _locked(stall.event)
    _open(event)
    try:
        value = int(str(number))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Nomor lapak harus angka."), code="bad_number", field="number") from None
    if not 1 <= value <= 900:
        raise ValidationFailed(_("Nomor lapak 1 sampai 900."), code="bad_number", field="number")
    stall = Stall.objects.select_for_update().get(pk=stall.pk, event=event)
    if stall.number == value:
        return stall
    stall.number = value
    try:
        with transaction.atomic():
            stall.save(update_fields=["number"])
    except IntegrityError:
        raise Conflict(_("Nomor lapak %(n)s sudah dipakai.") % {"n": value}, code="number_taken") from None
    return stall


@transaction.atomic
def release_stall(stall: Stall, *, actor: User) -> None:
    """Take a shop out of a bazar before it starts (the organiser's no, or the owner's own)."""
    event = _locked(stall.event)
    found = Stall.objects.select_for_update().select_related("shop__owner", "event").filter(pk=stall.pk).first()
    if found is None:
        return
    if found.shop.owner_id != actor.pk:
        _require_organiser(actor)
    if event.starts_at <= timezone.now():
        raise Conflict(
            _("Lapak tidak bisa dilepas setelah bazar dimulai (laporan penjualan memakai daftar lapak)."),
            code="bazar_started",
        )
    if found.shop.owner_id != actor.pk:
        tell_owner(found, _("Toko %(shop)s tidak lagi ikut %(event)s (lapak %(n)s dilepas penyelenggara)."))
    found.delete()
