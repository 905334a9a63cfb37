"""Bazar events: created by the lurah or kelurahan staff (with their agenda entry), shops take
a stall (invited by the organiser, or opting in themselves), each stall sets its promotion."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.agenda import services as agenda
from apps.agenda.models import Audience
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.marketplace.models import Product, Shop
from apps.notifications.services import notify

from ..models import BazarEvent, Discount, Stall


def may_organise(user: User) -> bool:
    """The lurah and kelurahan staff organise bazars (the agenda lets staff post public events)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _require_organiser(user: User) -> None:
    if not may_organise(user):
        raise Forbidden(_("Hanya lurah atau staf kelurahan yang bisa mengatur bazar."))


# Paths of /bazar/ that a bazar's slug must not take.
RESERVED_SLUGS = frozenset({"voucher", "kelola", "toko"})


def agenda_input(
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    place_name: str,
    description: str,
    lat: Decimal | None,
    lng: Decimal | None,
) -> agenda.EventInput:
    """The bazar's public agenda entry, organised by the kelurahan."""
    return agenda.EventInput(
        title=name,
        starts_at=starts_at,
        ends_at=ends_at,
        place_name=place_name,
        organiser=str(_("Kelurahan")),
        audience=Audience.PUBLIC,
        description=description,
        lat=lat,
        lng=lng,
    )


def _free_slug(name: str) -> str:
    base = (slugify(name) or "bazar")[:120]
    if base in RESERVED_SLUGS:  # /bazar/voucher/, /bazar/kelola/, /bazar/toko/ are pages
        base = f"bazar-{base}"
    slug, n = base, 1
    while BazarEvent.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_bazar(
    *,
    actor: User,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    place_name: str,
    description: str = "",
    grid_columns: int = 6,
    grid_rows: int = 4,
    publish: bool = True,
    lat: Decimal | None = None,
    lng: Decimal | None = None,
) -> BazarEvent:
    """A bazar and, when announced at once (`publish`), its public agenda entry (through
    apps.agenda's service, which checks dates); a draft gets it when it is announced."""
    _require_organiser(actor)
    name = clean_short_text(name, field="name", max_length=120)
    place_name = clean_short_text(place_name, field="place_name", max_length=200)
    if not name:
        raise ValidationFailed(_("Nama bazar wajib diisi."), code="name_required", field="name")
    if not place_name:
        raise ValidationFailed(_("Tempat bazar wajib diisi."), code="place_required", field="place_name")
    if ends_at <= starts_at:
        raise ValidationFailed(_("Bazar harus selesai setelah mulai."), code="ends_before_start", field="ends_at")
    if not (1 <= int(grid_columns) <= 30 and 1 <= int(grid_rows) <= 30):
        raise ValidationFailed(_("Denah lapak 1 sampai 30 kolom dan baris."), code="grid_size", field="grid_columns")
    agenda_event = None
    if publish:  # a draft stays off the public agenda until it is announced (organise.publish_bazar)
        agenda_event = agenda.create_event(
            agenda_input(name, starts_at, ends_at, place_name, description, lat, lng), by=actor
        )
    return BazarEvent.objects.create(
        name=name,
        slug=_free_slug(name),
        description=description,
        place_name=place_name,
        starts_at=starts_at,
        ends_at=ends_at,
        grid_columns=int(grid_columns),
        grid_rows=int(grid_rows),
        is_published=publish,
        agenda_event=agenda_event,
        created_by=actor,
    )


def _clean_cell(event: BazarEvent, column: Any, row: Any) -> tuple[int, int]:
    try:
        col, rw = int(column), int(row)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Posisi lapak harus angka."), code="bad_position", field="column") from None
    if not (1 <= col <= event.grid_columns and 1 <= rw <= event.grid_rows):
        raise ValidationFailed(
            _("Posisi lapak di luar denah (%(c)s kolom × %(r)s baris).")
            % {"c": event.grid_columns, "r": event.grid_rows},
            code="bad_position",
            field="column",
        )
    return col, rw


def _next_free(event: BazarEvent) -> tuple[int, int, int]:
    """(number, column, row) of the first free cell, row by row."""
    taken = {(c, r) for c, r in event.stalls.values_list("column", "row")}
    numbers = set(event.stalls.values_list("number", flat=True))
    for r in range(1, event.grid_rows + 1):
        for c in range(1, event.grid_columns + 1):
            if (c, r) not in taken:
                number = max(numbers, default=0) + 1
                return number, c, r
    raise Conflict(_("Semua lapak bazar sudah terisi."), code="bazar_full")


@transaction.atomic
def add_stall(
    event: BazarEvent,
    shop: Shop,
    *,
    actor: User,
    number: int | None = None,
    column: int | None = None,
    row: int | None = None,
) -> Stall:
    """A shop takes a stall: the organiser places any shop (invitation), a shop owner opts their
    own shop in (next free stall). Again for the same shop: its stall as it is (idempotent)."""
    event = BazarEvent.objects.select_for_update().get(pk=event.pk)  # stall numbers are handed out one at a time
    if not (may_organise(actor) or shop.owner_id == actor.pk):
        raise Forbidden(_("Hanya penyelenggara atau pemilik toko yang bisa mendaftarkan lapak."))
    if not shop.is_active:
        raise Conflict(_("Toko ini tidak aktif."), code="shop_inactive")
    existing = Stall.objects.filter(event=event, shop=shop).first()
    if existing is not None:
        return existing
    if number is None or column is None or row is None or not may_organise(actor):
        number, column, row = _next_free(event)
    col, rw = _clean_cell(event, column, row)
    if Stall.objects.filter(event=event, column=col, row=rw).exists():
        raise Conflict(_("Posisi lapak itu sudah dipakai."), code="cell_taken", field="column")
    try:
        with transaction.atomic():
            stall = Stall.objects.create(event=event, shop=shop, number=int(number), column=col, row=rw)
    except IntegrityError:
        raise Conflict(_("Nomor lapak %(n)s sudah dipakai.") % {"n": number}, code="number_taken") from None
    if shop.owner_id != actor.pk:  # invited by the organiser: the owner learns where to set up
        tell_owner(stall, _("Toko %(shop)s ikut %(event)s di lapak %(n)s."))
    return stall


def tell_owner(stall: Stall, text: str) -> None:
    """Notify the stall's shop owner (`text` takes %(shop)s, %(event)s and %(n)s)."""
    values = {"shop": stall.shop.name, "event": stall.event.name, "n": stall.number}
    notify(
        [stall.shop.owner],
        event="bazar.stall",
        title=str(_("Lapak bazar: %(event)s") % values),
        body=str(text % values),
        url="/bazar/toko/",
        key=f"bazar-stall-{stall.pk}-{stall.number}-{stall.column}-{stall.row}",
    )


@transaction.atomic
def set_promotion(stall: Stall, *, actor: User, discount: str, value: int, products: Iterable[Any]) -> Stall:
    """The stall's one promotion: `percent` (1-90 % off) or `fixed` (rupiah off each unit) on
    the chosen products of the stall's own shop; `none` removes it."""
    stall = Stall.objects.select_for_update().select_related("shop").get(pk=stall.pk)
    if not (may_organise(actor) or stall.shop.owner_id == actor.pk):
        raise Forbidden(_("Hanya penyelenggara atau pemilik toko yang bisa mengatur promo lapak."))
    if discount not in Discount.values:
        raise ValidationFailed(_("Jenis promo tidak dikenal."), code="bad_discount", field="discount")
    try:
        value = int(value)
        ids = sorted({int(p) for p in products})
    except (TypeError, ValueError):
        raise ValidationFailed(_("Besar potongan dan produk harus angka."), code="bad_discount") from None
    if discount == Discount.NONE:
        value, ids = 0, []
    elif discount == Discount.PERCENT and not 1 <= value <= 90:
        raise ValidationFailed(_("Potongan persen 1 sampai 90."), code="bad_discount", field="value")
    elif discount == Discount.FIXED and value < 1:
        raise ValidationFailed(_("Potongan rupiah minimal Rp1."), code="bad_discount", field="value")
    if discount != Discount.NONE:
        if not ids:
            raise ValidationFailed(_("Pilih produk yang dipromokan."), code="no_products", field="products")
        own = set(Product.objects.filter(shop_id=stall.shop_id, pk__in=ids).values_list("pk", flat=True))
        if own != set(ids):
            raise ValidationFailed(_("Produk promo harus produk toko ini."), code="foreign_product", field="products")
    stall.discount, stall.discount_value, stall.promo_products = discount, value, ids
    stall.save(update_fields=["discount", "discount_value", "promo_products"])
    return stall
