"""Courier actions: pick-up, delivery with OTP or photo proof, failure, cancellation and external sync."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from apps.core.money import rupiah
from apps.core.short_text import clean_short_text
from apps.core.uploads import JPEG, PNG, WEBP, UploadRule, check_upload
from apps.core.workflow import Step
from apps.marketplace import services as market
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.marketplace.models import Order

from .. import conf
from ..models import (
    CourierEarning,
    Delivery,
    RouteStop,
)
from ..solver import couriers as external
from ..workflow import DELIVERY
from ._common import DStatus, _announce, _is_operator, _lock, _move, _otp_hash, _require_operator, reason_label
from .dispatch import gateway

logger = logging.getLogger(__name__)


def _require_handler(delivery: Delivery, actor: User) -> None:
    """The delivery's own courier, or an operator of its hub / staff."""
    if delivery.courier is not None and delivery.courier.user_id == actor.pk:
        return
    if _is_operator(delivery.hub, actor):
        return
    raise Forbidden(_("Antaran ini bukan tugas Anda."), code="not_your_delivery")


def _status_conflict(status: str, step: Step[None]) -> Conflict:
    return Conflict(
        _("Antaran berstatus “%(status)s” tidak bisa diubah begitu.") % {"status": DStatus(status).label},
        code="invalid_transition",
        status=status,
    )


def _mark_stop(delivery: Delivery, kind: str, at: datetime) -> None:
    RouteStop.objects.filter(delivery=delivery, kind=kind, done_at__isnull=True).update(done_at=at)


@transaction.atomic
def mark_picked_up(delivery: Delivery, *, actor: User) -> Delivery:
    """The courier has the parcel: the marketplace order is handed over ("ship")."""
    delivery = _lock(delivery)
    _require_handler(delivery, actor)
    if delivery.status == DStatus.PICKED_UP:
        return delivery  # a double tap
    DELIVERY.require(delivery.status, "pick_up", _status_conflict)
    _pick_up(delivery, actor)
    return delivery


def _pick_up(delivery: Delivery, actor: User | None) -> None:
    """The parcel left with the courier (the caller holds the delivery's lock, status assigned):
    the marketplace order is handed over ("ship", by the shop's hand: couriers may only deliver)."""
    order = delivery.order
    note = _("Diambil kurir %(courier)s (antaran %(code)s).") % {
        "courier": delivery.courier or delivery.external_provider,
        "code": delivery.code,
    }
    if order.status == OrderStatus.ACCEPTED:
        order = market.transition(order, "pack", actor=order.shop.owner, note=note)
    if order.status == OrderStatus.PACKED:
        market.transition(order, "ship", actor=order.shop.owner, note=note)
    elif order.status != OrderStatus.SHIPPED:
        raise Conflict(
            _("Pesanan berstatus “%(status)s”; barang tidak boleh diambil.") % {"status": order.get_status_display()},
            code="order_not_ready",
        )
    now = timezone.now()
    delivery.picked_up_at = now
    _move(delivery, "pick_up", actor=actor)
    delivery.save()
    _mark_stop(delivery, RouteStop.Kind.PICKUP, now)
    _announce(
        delivery,
        "picked_up",
        _("Pesanan %(number)s dibawa kurir") % {"number": delivery.order.number},
        _("Pesanan sedang dalam perjalanan. Lacak di halaman antaran."),
    )


PROOF_RULE = UploadRule(
    field="photo",
    allowed=(JPEG, PNG, WEBP),
    max_bytes=conf.MAX_PROOF_BYTES,
    label=gettext_lazy("Foto bukti"),
)


def mark_delivered(
    delivery: Delivery,
    *,
    actor: User,
    otp: str = "",
    photo: UploadedFile[Any] | None = None,
    cod_confirmed: bool | None = None,
) -> Delivery:
    """Delivered with proof: the buyer's OTP (5 tries, a wrong try is counted even though the
    call is refused) or a photo (JPEG/PNG/WebP by content). The order becomes "delivered" and
    the courier earns the delivery fee. `cod_confirmed`: the courier's page asks the courier to
    tick that the cash of a COD order was received (False refuses a COD order; None, from
    callers that do not ask, e.g. the API, does not check)."""
    otp = str(otp or "").strip()
    if otp and not _check_otp(delivery.pk, otp, actor):
        raise ValidationFailed(_("Kode dari pembeli salah."), code="wrong_otp", field="otp")
    return _deliver(delivery, actor=actor, otp_ok=bool(otp), photo=photo, cod_confirmed=cod_confirmed)


@transaction.atomic
def _check_otp(delivery_id: int, otp: str, actor: User) -> bool:
    delivery = _lock(delivery_id)
    _require_handler(delivery, actor)
    if delivery.status != DStatus.PICKED_UP:
        return True  # _deliver reports the status
    if delivery.otp_attempts >= conf.get("OTP_MAX_ATTEMPTS"):
        raise Conflict(_("Terlalu banyak kode salah; pakai foto bukti."), code="otp_locked")
    if hmac.compare_digest(_otp_hash(delivery.code, otp), delivery.otp_hash):
        return True
    delivery.otp_attempts += 1
    delivery.save(update_fields=["otp_attempts"])
    return False


@transaction.atomic
def _deliver(
    delivery: Delivery,
    *,
    actor: User,
    otp_ok: bool,
    photo: UploadedFile[Any] | None,
    cod_confirmed: bool | None = None,
) -> Delivery:
    delivery = _lock(delivery)
    _require_handler(delivery, actor)
    if delivery.status == DStatus.DELIVERED:
        return delivery
    DELIVERY.require(delivery.status, "deliver", _status_conflict)
    order = delivery.order
    if cod_confirmed is False and order.payment_method == "cod":
        raise ValidationFailed(
            _("Terima uang tunai %(amount)s dulu, lalu centang “sudah saya terima”.")
            % {"amount": rupiah(order.rest_to_pay - order.refunded_amount)},
            code="cod_unconfirmed",
            field="cod",
        )
    if otp_ok:
        delivery.proof_kind = "otp"
    elif photo is not None:
        checked = check_upload(photo, PROOF_RULE)
        delivery.proof_photo.save(f"bukti.{checked.kind.extension}", checked.file, save=False)
        delivery.proof_kind = "photo"
    else:
        raise ValidationFailed(_("Masukkan kode dari pembeli atau unggah foto bukti."), code="proof_required")
    _complete(delivery, actor)
    return delivery


def _complete(delivery: Delivery, actor: User | None) -> None:
    """Delivered (the caller holds the lock and has set `proof_kind`): the order is delivered,
    the courier earns the delivery fee, buyer and shop hear of it."""
    now = timezone.now()
    delivery.delivered_at = now
    delivery.on_time = now <= delivery.window_end
    proofs = {"otp": _("Bukti: kode dari pembeli"), "photo": _("Bukti: foto"), "external": _("Bukti: kurir mitra")}
    _move(delivery, "deliver", actor=actor, note=proofs.get(delivery.proof_kind, ""))
    delivery.save()
    _mark_stop(delivery, RouteStop.Kind.DROPOFF, now)
    order = Order.objects.select_related("shop", "shop__owner").get(
        pk=delivery.order_id
    )  # fresh: it may just have shipped
    if order.status == OrderStatus.SHIPPED:
        courier_user = delivery.courier.user if delivery.courier is not None else order.shop.owner
        market.transition(
            order, "deliver", actor=courier_user, note=_("Diantar, antaran %(code)s.") % {"code": delivery.code}
        )
    if delivery.courier is not None:
        CourierEarning.objects.get_or_create(
            delivery=delivery,
            defaults={"courier": delivery.courier, "amount": delivery.courier.earning_per_delivery},
        )
    _announce(
        delivery,
        "delivered",
        _("Pesanan %(number)s sudah sampai") % {"number": order.number},
        _("Pesanan sudah diterima di %(address)s.") % {"address": delivery.dropoff_address},
    )


def sync_external(api: external.CourierGateway | None = None) -> int:
    """Follow the external courier's bookings (`track`): picked up → the order ships, delivered →
    the order is delivered; a booking the provider cancelled sends the delivery back to pending
    for the next cut-off. Each delivery in its own transaction; returns how many changed."""
    ids = list(
        Delivery.objects.filter(status__in=[DStatus.ASSIGNED, DStatus.PICKED_UP])
        .exclude(external_booking="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(int(_sync_one(pk, api or gateway())) for pk in ids)


@transaction.atomic
def _sync_one(delivery_id: int, api: external.CourierGateway) -> bool:
    delivery = _lock(delivery_id)
    if delivery.status not in (DStatus.ASSIGNED, DStatus.PICKED_UP) or not delivery.external_booking:
        return False
    try:
        tracking = api.track(delivery.external_booking)
    except external.CourierError as exc:
        logger.warning("tracking %s of delivery %s failed: %s", delivery.external_booking, delivery.pk, exc)
        return False
    state = tracking.status
    if state is external.CourierStatus.CANCELLED:
        delivery.unassigned_reason = "external_courier_error"
        delivery.external_booking = ""
        delivery.batch = None
        _move(delivery, "requeue", actor=None, note=reason_label("external_courier_error"))
        delivery.save()
        return True
    changed = False
    if state in (external.CourierStatus.IN_TRANSIT, external.CourierStatus.DELIVERED) and (
        delivery.status == DStatus.ASSIGNED
    ):
        _pick_up(delivery, None)
        changed = True
    if state is external.CourierStatus.DELIVERED and delivery.status == DStatus.PICKED_UP:
        delivery.proof_kind = "external"
        _complete(delivery, None)
        changed = True
    return changed


@transaction.atomic
def mark_failed(delivery: Delivery, *, actor: User, reason: str) -> Delivery:
    delivery = _lock(delivery)
    _require_handler(delivery, actor)
    reason = clean_short_text(reason, field="reason", max_length=255)
    if not reason:  # its own code, which the courier app relies on
        raise ValidationFailed(_("Tuliskan alasan gagal antar."), code="reason_required", field="reason")
    DELIVERY.require(delivery.status, "fail", _status_conflict)
    delivery.fail_reason = reason
    _move(delivery, "fail", actor=actor, note=reason)
    delivery.save()
    _announce(
        delivery,
        "failed",
        _("Pesanan %(number)s gagal diantar") % {"number": delivery.order.number},
        _("Alasan: %(reason)s. Toko atau petugas akan menghubungi Anda.") % {"reason": reason},
    )
    return delivery


@transaction.atomic
def cancel_delivery(
    delivery: Delivery, *, actor: User | None, reason: str = "", api: external.CourierGateway | None = None
) -> Delivery:
    """Before pickup only. An external booking is cancelled at the provider too."""
    reason = clean_short_text(reason, field="reason", max_length=255)  # before the provider is told
    delivery = _lock(delivery)
    if actor is not None and actor.pk != delivery.order.shop.owner_id:
        _require_operator(delivery.hub, actor)
    if delivery.status == DStatus.CANCELLED:
        return delivery
    DELIVERY.require(delivery.status, "cancel", _status_conflict)
    if delivery.external_booking:
        try:
            (api or gateway()).cancel(delivery.external_booking, reason=reason)
        except external.CourierError as exc:
            raise Conflict(
                _("Kurir luar menolak pembatalan: %(error)s") % {"error": exc.code}, code="external_cancel"
            ) from exc
    delivery.fail_reason = reason
    _move(delivery, "cancel", actor=actor, note=delivery.fail_reason)
    delivery.save()
    return delivery


def cancel_for_order(order_id: int) -> None:
    """The marketplace order was cancelled: drop its delivery if it has not left yet."""
    delivery = Delivery.objects.filter(order_id=order_id).first()
    if delivery is None or "cancel" not in DELIVERY.allowed(delivery.status):
        return
    try:
        cancel_delivery(delivery, actor=None, reason=_("Pesanan dibatalkan."))
    except DomainError:
        logger.warning("delivery %s of cancelled order %s could not be cancelled", delivery.pk, order_id)
