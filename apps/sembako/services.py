"""Sembako Pintar writes: one function per change, each one transaction, row locks for caps and
money, notifications in the same transaction.

Lock order, so nothing deadlocks: round row → item rows (ascending id) → household order →
payment request / aid distribution (their own services) → marketplace rows.

Money goes through apps.payments only: a household order gets a bill ("sembako:<order id>") from
the organiser's merchant account for the round, paid with the wallet here or QRIS on the bill's
page (`order_payment_settled` marks it paid whichever way). A household enrolled in the round's
bansos programme redeems its planned distribution instead (apps.aid `redeem_in_kind`, once).
At closing (due-work kind "sembako", not a fan-out) the paid demand becomes one marketplace order
per supplier shop from the organiser (`place_orders`, key "sembako-round:<id>"); when the goods
are at the hub the home deliveries are hand-over orders that apps.fulfillment batches and routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.aid import selectors as aid_selectors
from apps.aid import services as aid
from apps.aid.models import Program
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.money import parse_count, parse_rupiah, rupiah
from apps.core.short_text import clean_short_text
from apps.fulfillment import services as fulfillment
from apps.fulfillment.models import Hub
from apps.marketplace import services as marketplace
from apps.marketplace.models import DeliveryMethod, Order, Variant
from apps.notifications.services import notify
from apps.payments import services as payments
from apps.payments.events import PaymentSettled
from apps.payments.models import PaymentRequest
from apps.rtrw.models import Residency, RukunWarga
from apps.tenancy.due_work import Kind, schedule_due

from .models import HouseholdOrder, Round, RoundItem

REFERENCE_KIND = "sembako"
MCC_GROCERY = "5411"
MAX_ITEMS = 30
MAX_QUANTITY = 50
MAX_PRICE = 10_000_000
ORGANISER_ROLES = (Role.KETUA_RT, Role.KETUA_RW, Role.PEMILIK_UMKM, Role.LURAH, Role.ADMIN)


def is_organiser(user: object) -> bool:
    return isinstance(user, User) and bool(user.is_superuser or user.has_any_role(*ORGANISER_ROLES))


def is_hub_staff(user: User, hub: Hub) -> bool:
    return bool(
        user.is_staff
        or user.has_any_role(Role.LURAH, Role.ADMIN)
        or (user.has_role(Role.OPERATOR_HUB) and hub.operators.filter(pk=user.pk).exists())
    )


def may_manage(user: User, round: Round) -> bool:
    return bool(user.pk == round.organiser_id or user.is_superuser or user.has_any_role(Role.LURAH, Role.ADMIN))


@dataclass(frozen=True)
class ItemSpec:
    name: str = ""
    unit: str = ""
    price: Any = None
    variant: int | None = None  # a marketplace variant of a supplier shop
    commodity: str = ""  # the harga-pangan commodity to compare with
    cap: Any = None


def _whole(value: Any, *, field: str, label: str, minimum: int, maximum: int, rupiah: bool = False) -> int:
    """A typed price (`rupiah`: "Rp12.500", "12.500,00") or count ("3", "1.000"); "1.5" is neither."""
    number = parse_rupiah(value, allow_negative=True) if rupiah else parse_count(value)
    if number is None:
        raise ValidationFailed(_("%(label)s harus bilangan bulat.") % {"label": label}, code="not_integer", field=field)
    if not minimum <= number <= maximum:
        raise ValidationFailed(
            _("%(label)s harus antara %(min)d dan %(max)d.") % {"label": label, "min": minimum, "max": maximum},
            code="out_of_range",
            field=field,
        )
    return number


def _clean_items(specs: Iterable[ItemSpec]) -> list[RoundItem]:
    specs = list(specs)
    if not specs:
        raise ValidationFailed(_("Tambahkan minimal satu barang."), code="no_items", field="items")
    if len(specs) > MAX_ITEMS:
        raise ValidationFailed(_("Terlalu banyak barang dalam satu putaran."), code="too_many_items", field="items")
    variant_ids = [int(s.variant) for s in specs if s.variant]
    variants = {
        v.pk: v
        for v in Variant.objects.filter(
            pk__in=variant_ids, is_active=True, product__is_active=True, shop__is_active=True
        ).select_related("product")
    }
    items: list[RoundItem] = []
    seen: set[int] = set()
    for spec in specs:
        variant = None
        if spec.variant:
            variant = variants.get(int(spec.variant))
            if variant is None:
                raise ValidationFailed(_("Produk pemasok tidak ditemukan atau tidak dijual."), code="unknown_variant")
            if variant.pk in seen:
                raise ValidationFailed(_("Produk yang sama tercantum dua kali."), code="duplicate_item")
            seen.add(variant.pk)
        # What the organiser typed is refused when too long; the supplier's own product and variant
        # names (copied when left empty) may be longer than the round's columns and are shortened.
        name = clean_short_text(spec.name, field="name", max_length=120, collapse_spaces=True)
        name = name or (" ".join(variant.product.name.split())[:120] if variant else "")
        unit = clean_short_text(spec.unit, field="unit", max_length=20, collapse_spaces=True)
        unit = unit or (" ".join(variant.name.split())[:20] if variant else "")
        commodity = clean_short_text(spec.commodity, field="commodity", max_length=80)
        if not name or not unit:
            raise ValidationFailed(_("Nama barang dan satuannya wajib diisi."), code="item_required", field="items")
        price = _whole(spec.price, field="price", label=_("Harga"), minimum=1, maximum=MAX_PRICE, rupiah=True)
        cap = None
        if spec.cap not in (None, ""):
            cap = _whole(spec.cap, field="cap", label=_("Batas jumlah"), minimum=1, maximum=100_000)
        items.append(
            RoundItem(
                variant=variant,
                name=name,
                unit=unit,
                price=price,
                commodity=commodity,
                cap=cap,
            )
        )
    return items


@transaction.atomic
def open_round(
    organiser: User,
    *,
    title: str,
    closes_at: datetime,
    hub: Hub,
    items: Iterable[ItemSpec],
    rw: RukunWarga | None = None,
    offers_delivery: bool = True,
    aid_program: Program | None = None,
    now: datetime | None = None,
) -> Round:
    """An organiser (ketua RT/RW, a UMKM owner or kelurahan staff) opens a round. Households'
    bills are paid into the organiser's merchant account for Sembako Pintar."""
    if not is_organiser(organiser):
        raise Forbidden(_("Hanya ketua RT/RW, pemilik UMKM, atau petugas kelurahan yang bisa membuka putaran."))
    now = now or timezone.now()
    title = clean_short_text(title, field="title", max_length=120, collapse_spaces=True)
    if not title:
        raise ValidationFailed(_("Judul putaran wajib diisi."), code="title_required", field="title")
    if closes_at <= now:
        raise ValidationFailed(_("Waktu tutup harus di masa depan."), code="closes_in_past", field="closes_at")
    if not hub.is_active:
        raise ValidationFailed(_("Hub ini tidak aktif."), code="hub_inactive", field="hub")
    rows = _clean_items(items)
    account = payments.open_merchant_account(
        organiser,
        _("Sembako Pintar %(name)s") % {"name": organiser},
        mcc=MCC_GROCERY,
        code=f"merchant:{organiser.pk}:sembako",
    )
    round = Round.objects.create(
        title=title,
        rw=rw,
        organiser=organiser,
        closes_at=closes_at,
        hub=hub,
        offers_delivery=bool(offers_delivery),
        aid_program=aid_program,
        payment_account=account,
    )
    for row in rows:
        row.round = round
    RoundItem.objects.bulk_create(rows)
    schedule_due(Kind.SEMBAKO, closes_at)  # the closing sweep aggregates it then
    return round


def _lock_round(round: Round | int) -> Round:
    pk = round if isinstance(round, int) else round.pk
    found = Round.objects.select_for_update(of=("self",)).select_related("hub", "payment_account").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Putaran tidak ditemukan."), code="unknown_round")
    return found


def _lock_order(order: HouseholdOrder | int) -> HouseholdOrder:
    pk = order if isinstance(order, int) else order.pk
    found = (
        HouseholdOrder.objects.select_for_update(of=("self",))
        .select_related("round", "payment_request", "household")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Pesanan sembako tidak ditemukan."), code="unknown_order")
    return found


def _require_member(round: Round, household: User) -> None:
    if round.rw_id is None:
        return
    rw_id = Residency.objects.filter(user=household).values_list("rt__rw_id", flat=True).first()
    if rw_id != round.rw_id and not household.is_superuser:
        raise Forbidden(_("Putaran ini untuk warga RW lain."), code="other_rw")


def _clean_quantities(quantities: Mapping[Any, Any], items: dict[int, RoundItem]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for raw_item, raw_quantity in quantities.items():
        try:
            item_id = int(raw_item)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Barang tidak dikenal."), code="unknown_item") from None
        if item_id not in items:
            raise ValidationFailed(_("Barang tidak dikenal."), code="unknown_item")
        if raw_quantity in (None, "", 0, "0"):
            continue
        wanted[item_id] = _whole(raw_quantity, field="quantity", label=_("Jumlah"), minimum=0, maximum=MAX_QUANTITY)
    wanted = {k: v for k, v in sorted(wanted.items()) if v > 0}
    if not wanted:
        raise ValidationFailed(_("Pilih minimal satu barang."), code="empty_order", field="items")
    return wanted


@transaction.atomic
def place_order(
    household: User,
    round: Round,
    *,
    quantities: Mapping[Any, Any],
    fulfilment: str = HouseholdOrder.Fulfilment.PICKUP,
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    now: datetime | None = None,
) -> tuple[HouseholdOrder, bool]:
    """A household joins the round: one order per household (the same lines again return it,
    False = nothing new; other lines are a conflict). Caps are taken under the item row locks,
    so two households cannot both get the last unit. The bill opens with the order."""
    now = now or timezone.now()
    round = _lock_round(round)
    items = {i.pk: i for i in RoundItem.objects.select_for_update().filter(round=round).order_by("pk")}
    wanted = _clean_quantities(quantities, items)
    existing = HouseholdOrder.objects.filter(round=round, household=household).first()
    if existing is not None and existing.status != HouseholdOrder.Status.CANCELLED:
        if {int(line["item"]): int(line["quantity"]) for line in existing.lines} == wanted:
            return existing, False
        raise Conflict(_("Rumah tangga Anda sudah memesan di putaran ini."), code="already_ordered")
    if round.status != Round.Status.OPEN or round.closes_at <= now:
        raise Conflict(_("Putaran ini sudah ditutup."), code="round_closed")
    _require_member(round, household)
    if fulfilment not in HouseholdOrder.Fulfilment.values:
        raise ValidationFailed(_("Pilih ambil di hub atau antar."), code="invalid_fulfilment", field="fulfilment")
    point = None
    address = clean_short_text(address, field="address", max_length=255, collapse_spaces=True)
    if fulfilment == HouseholdOrder.Fulfilment.DELIVERY:
        if not round.offers_delivery:
            raise ValidationFailed(_("Putaran ini hanya bisa diambil di hub."), code="no_delivery", field="fulfilment")
        if not address:
            raise ValidationFailed(_("Alamat antar wajib diisi."), code="address_required", field="address")
        point = fulfillment.clean_point(lat, lng)
    short = [
        items[i].name
        for i, n in wanted.items()
        if items[i].cap is not None and items[i].ordered + n > (items[i].cap or 0)
    ]
    if short:
        raise Conflict(
            _("Stok putaran tidak cukup: %(items)s.") % {"items": ", ".join(short)}, code="cap_reached", items=short
        )
    for item_id, quantity in wanted.items():
        items[item_id].ordered += quantity
    RoundItem.objects.bulk_update([items[i] for i in wanted], ["ordered"])
    lines: list[dict[str, Any]] = [
        {"item": i, "name": items[i].name, "unit": items[i].unit, "quantity": n, "price": items[i].price}
        for i, n in wanted.items()
    ]
    # A cancelled order of this household is ordered again in its own row (one per household).
    order = existing or HouseholdOrder(round=round, household=household)
    order.lines = lines
    order.total = sum(items[i].price * n for i, n in wanted.items())
    order.status = HouseholdOrder.Status.AWAITING_PAYMENT
    order.fulfilment = fulfilment
    order.address = address
    order.lat, order.lng = (point[0], point[1]) if point else (None, None)
    order.save()
    assert round.payment_account is not None
    order.payment_request = payments.create_payment_request(
        round.payment_account,
        order.total,
        description=str(_("Sembako Pintar: %(round)s") % {"round": round.title}),
        reference=order.reference,
        actor=round.organiser,
        payer=household,
        open_qris_charge=False,  # the QRIS charge opens when the household chooses QRIS
    )
    order.save(update_fields=["payment_request"])
    return order, True


def _require_household(order: HouseholdOrder, actor: User) -> None:
    if order.household_id != actor.pk:
        raise NotFound(_("Pesanan sembako tidak ditemukan."), code="unknown_order")


def _mark_paid(order: HouseholdOrder, method: str, now: datetime | None = None) -> bool:
    if order.status != HouseholdOrder.Status.AWAITING_PAYMENT:
        return False
    order.status = HouseholdOrder.Status.PAID
    order.paid_method = method
    order.paid_at = now or timezone.now()
    order.save(update_fields=["status", "paid_method", "paid_at", "aid_distribution"])
    notify(
        [order.household],
        event="sembako.paid",
        title=_("Pesanan sembako lunas"),
        body=_("Pesanan %(number)s (%(total)s) di putaran %(round)s sudah lunas.")
        % {"number": str(order), "total": rupiah(order.total), "round": order.round.title},
        url=f"/sembako/{order.round_id}/",
        key=f"sembako-order-{order.pk}-paid",
    )
    return True


@transaction.atomic
def pay_with_wallet(order: HouseholdOrder, *, actor: User, idempotency_key: str) -> HouseholdOrder:
    """Pay the order's bill from the household's wallet. Paying twice (a double tap, two tabs)
    moves money once: the bill is paid under its row lock and a paid order answers as it is."""
    order = _lock_order(order)
    _require_household(order, actor)
    if order.status == HouseholdOrder.Status.PAID and order.paid_method == HouseholdOrder.Payment.WALLET:
        return order
    if order.status != HouseholdOrder.Status.AWAITING_PAYMENT or order.payment_request is None:
        raise Conflict(_("Pesanan ini tidak menunggu pembayaran."), code="not_awaiting_payment")
    if order.round.status != Round.Status.OPEN:
        raise Conflict(_("Putaran ini sudah ditutup."), code="round_closed")
    payments.pay_request_with_wallet(order.payment_request, actor, idempotency_key=idempotency_key)
    _mark_paid(order, HouseholdOrder.Payment.WALLET)
    return order


@transaction.atomic
def redeem_bansos(order: HouseholdOrder, *, actor: User) -> HouseholdOrder:
    """Pay with the household's bansos-in-kind entitlement: the oldest planned distribution of
    the round's programme is marked received (apps.aid, once) and the bill is withdrawn. The
    order may cost at most the distribution's value."""
    order = _lock_order(order)
    _require_household(order, actor)
    if order.paid_method == HouseholdOrder.Payment.BANSOS:
        return order
    if order.status != HouseholdOrder.Status.AWAITING_PAYMENT:
        raise Conflict(_("Pesanan ini tidak menunggu pembayaran."), code="not_awaiting_payment")
    round = order.round
    if round.aid_program_id is None:
        raise Conflict(_("Putaran ini tidak melayani bansos sembako."), code="no_aid_program")
    if round.status != Round.Status.OPEN:
        raise Conflict(_("Putaran ini sudah ditutup."), code="round_closed")
    program = Program.objects.get(pk=round.aid_program_id)
    distribution = aid_selectors.redeemable_distribution(program, actor)
    if distribution is None:
        raise Conflict(_("Anda tidak punya hak bansos sembako yang belum ditebus."), code="no_entitlement")
    if order.total > distribution.amount:
        raise Conflict(
            _("Pesanan (%(total)s) melebihi nilai bansos Anda (%(amount)s); kurangi pesanan.")
            % {"total": rupiah(order.total), "amount": rupiah(distribution.amount)},
            code="over_entitlement",
        )
    aid.redeem_in_kind(distribution, by=actor, reference=order.reference)
    if order.payment_request is not None:
        payments.cancel_payment_request(order.payment_request, actor=round.organiser)
    order.aid_distribution = distribution
    _mark_paid(order, HouseholdOrder.Payment.BANSOS)
    return order


def order_payment_settled(event: PaymentSettled) -> None:
    """apps.payments event (after commit): the order's bill was paid (QRIS or wallet)."""
    method = {"wallet": HouseholdOrder.Payment.WALLET, "qris": HouseholdOrder.Payment.QRIS}.get(event.method, "")
    if not method or not event.key.isdigit():
        return
    with transaction.atomic():
        order = (
            HouseholdOrder.objects.select_for_update(of=("self",))
            .select_related("round", "household")
            .filter(pk=int(event.key))
            .first()
        )
        if order is not None:
            _mark_paid(order, method)


@transaction.atomic
def cancel_order(order: HouseholdOrder, *, actor: User) -> HouseholdOrder:
    """An unpaid order, before closing: its units go back to the round."""
    order = _lock_order(order)
    if order.household_id != actor.pk and not may_manage(actor, order.round):
        raise NotFound(_("Pesanan sembako tidak ditemukan."), code="unknown_order")
    return _cancel(order)


def _cancel(order: HouseholdOrder) -> HouseholdOrder:
    if order.status == HouseholdOrder.Status.CANCELLED:
        return order
    if order.status != HouseholdOrder.Status.AWAITING_PAYMENT:
        raise Conflict(_("Pesanan yang sudah lunas tidak bisa dibatalkan."), code="already_paid")
    items = {i.pk: i for i in RoundItem.objects.select_for_update().filter(round_id=order.round_id).order_by("pk")}
    for line in order.lines:
        item = items.get(int(line["item"]))
        if item is not None:
            item.ordered = max(0, item.ordered - int(line["quantity"]))
    RoundItem.objects.bulk_update(list(items.values()), ["ordered"])
    if order.payment_request is not None and order.payment_request.status == PaymentRequest.Status.OPEN:
        payments.cancel_payment_request(order.payment_request, actor=order.round.organiser)
    order.status = HouseholdOrder.Status.CANCELLED
    order.save(update_fields=["status"])
    return order


# --- Closing: aggregation into the B2B purchase -------------------------------------------------


@dataclass(frozen=True)
class Demand:
    item: RoundItem
    quantity: int  # paid units
    households: int

    @property
    def value(self) -> int:
        return self.item.price * self.quantity


def demand(round: Round) -> list[Demand]:
    """The paid demand per item of the round (hand-checkable: Σ quantity of paid orders)."""
    items = list(RoundItem.objects.filter(round=round).select_related("variant__shop").order_by("pk"))
    totals: dict[int, int] = {i.pk: 0 for i in items}
    households: dict[int, int] = {i.pk: 0 for i in items}
    paid = (HouseholdOrder.Status.PAID, HouseholdOrder.Status.HANDED_OVER)
    for lines in HouseholdOrder.objects.filter(round=round, status__in=paid).values_list("lines", flat=True):
        for line in lines:
            item_id = int(line["item"])
            if item_id in totals:
                totals[item_id] += int(line["quantity"])
                households[item_id] += 1
    return [Demand(item=i, quantity=totals[i.pk], households=households[i.pk]) for i in items]


@transaction.atomic
def close_round(round: Round, *, actor: User | None = None, now: datetime | None = None) -> Round:
    """Close the round (its time came, or the organiser closes it early): unpaid orders are
    cancelled, and the paid demand for catalogue items becomes one marketplace order per
    supplier shop from the organiser, picked up for the hub (marketplace key
    "sembako-round:<id>", so closing twice buys once). A supplier short of stock leaves the
    round closed with the reason in `purchase_note`; free items are bought off-line."""
    now = now or timezone.now()
    round = _lock_round(round)
    if actor is not None and not may_manage(actor, round):
        raise Forbidden(_("Hanya pengelola putaran yang bisa menutupnya."))
    if round.status != Round.Status.OPEN:
        return round
    for order in (
        HouseholdOrder.objects.select_for_update(of=("self",))
        .filter(round=round, status=HouseholdOrder.Status.AWAITING_PAYMENT)
        .select_related("round", "payment_request")
        .order_by("pk")
    ):
        _cancel(order)
    round.status = Round.Status.CLOSED
    round.closed_at = now
    wanted = [(d.item.variant_id, d.quantity) for d in demand(round) if d.item.variant_id and d.quantity > 0]
    note = ""
    if wanted:
        try:
            with transaction.atomic():
                marketplace.place_orders(
                    round.organiser,
                    wanted,
                    idempotency_key=round.purchase_key,
                    delivery=DeliveryMethod.PICKUP,
                    note=str(_("Sembako Pintar: %(round)s") % {"round": round.title})[:255],
                )
        except DomainError as exc:
            note = str(_("Pembelian ke pemasok gagal: %(reason)s") % {"reason": exc.message})
    round.purchase_note = note[:255]
    round.save(update_fields=["status", "closed_at", "purchase_note"])
    notify(
        [round.organiser],
        event="sembako.closed",
        title=_("Putaran %(round)s ditutup") % {"round": round.title},
        body=note or _("Pesanan ke pemasok sudah dibuat; bayar dan ambil barangnya untuk hub."),
        url=f"/sembako/{round.pk}/kelola/",
        key=f"sembako-round-{round.pk}-closed",
    )
    return round


def purchase_orders(round: Round) -> list[Order]:
    return list(
        Order.objects.filter(placement__key=round.purchase_key).select_related("shop", "payment_request").order_by("pk")
    )


def close_due(now: datetime | None = None) -> list[int]:
    """The due sweep: close every open round whose time came (each in its own transaction)."""
    now = now or timezone.now()
    closed = []
    for round_id in (
        Round.objects.filter(status=Round.Status.OPEN, closes_at__lte=now).order_by("pk").values_list("pk", flat=True)
    ):
        close_round(Round(pk=round_id), now=now)
        closed.append(round_id)
    return closed


def next_due() -> datetime | None:
    found: datetime | None = Round.objects.filter(status=Round.Status.OPEN).aggregate(at=Min("closes_at"))["at"]
    return found


# --- Goods at the hub: hand-over ------------------------------------------------------------------


@transaction.atomic
def mark_arrived(round: Round, *, actor: User, now: datetime | None = None) -> Round:
    """The hub received the goods: households picking up are told to come; each paid home
    delivery becomes a hand-over order whose hub delivery apps.fulfillment batches at the
    hub's next cut-off and routes (no router here). Running it twice sends nothing twice."""
    now = now or timezone.now()
    round = _lock_round(round)
    if not is_hub_staff(actor, round.hub):
        raise Forbidden(_("Hanya operator hub atau petugas kelurahan yang bisa mencatat barang tiba."))
    if round.status == Round.Status.ARRIVED:
        return round
    if round.status != Round.Status.CLOSED:
        raise Conflict(_("Putaran ini belum ditutup."), code="round_not_closed")
    shop = (
        RoundItem.objects.filter(round=round, variant__isnull=False)
        .select_related("variant__shop")
        .order_by("pk")
        .first()
    )
    orders = list(
        HouseholdOrder.objects.select_for_update(of=("self",))
        .filter(round=round, status=HouseholdOrder.Status.PAID)
        .select_related("household", "round")
        .order_by("pk")
    )
    for order in orders:
        if order.fulfilment == HouseholdOrder.Fulfilment.DELIVERY and order.market_order_id is None:
            if shop is None or shop.variant is None or order.lat is None or order.lng is None:
                continue  # nothing to hang a routed delivery on: the household picks it up
            handover = marketplace.place_handover_order(
                order.household,
                shop.variant.shop,
                key=f"sembako-order:{order.pk}",
                value=order.total,
                address=order.address,
                lat=order.lat,
                lng=order.lng,
                note=str(_("Sembako Pintar %(number)s") % {"number": str(order)}),
                actor=actor,
            )
            fulfillment.create_delivery(handover, actor=actor, now=now, pickup_hub=round.hub)
            order.market_order = handover
            order.save(update_fields=["market_order"])
        else:
            notify(
                [order.household],
                event="sembako.ready",
                title=_("Sembako siap diambil"),
                body=_("Pesanan %(number)s bisa diambil di %(hub)s.") % {"number": str(order), "hub": round.hub.name},
                url=f"/sembako/{round.pk}/",
                key=f"sembako-order-{order.pk}-ready",
            )
    round.status = Round.Status.ARRIVED
    round.arrived_at = now
    round.save(update_fields=["status", "arrived_at"])
    return round


@transaction.atomic
def hand_over(order: HouseholdOrder, *, actor: User, now: datetime | None = None) -> HouseholdOrder:
    """A household picked its order up at the hub (the hub operator or the organiser records it)."""
    order = _lock_order(order)
    round = Round.objects.select_related("hub").get(pk=order.round_id)
    if not (may_manage(actor, round) or is_hub_staff(actor, round.hub)):
        raise Forbidden(_("Hanya pengelola atau operator hub yang bisa mencatat penyerahan."))
    if order.status == HouseholdOrder.Status.HANDED_OVER:
        return order
    if order.status != HouseholdOrder.Status.PAID or round.status != Round.Status.ARRIVED:
        raise Conflict(_("Pesanan ini belum bisa diserahkan."), code="not_ready")
    order.status = HouseholdOrder.Status.HANDED_OVER
    order.handed_at = now or timezone.now()
    order.save(update_fields=["status", "handed_at"])
    notify(
        [order.household],
        event="sembako.handed",
        title=_("Sembako sudah diterima"),
        body=_("Pesanan %(number)s tercatat diterima pada %(when)s.")
        % {"number": str(order), "when": date_format(timezone.localtime(order.handed_at), "DATETIME_FORMAT")},
        url=f"/sembako/{round.pk}/",
        key=f"sembako-order-{order.pk}-handed",
    )
    return order
