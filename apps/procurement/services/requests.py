"""Purchase requests: create, publish and cancel."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, ValidationFailed
from apps.core.money import rupiah
from apps.notifications.services import notify

from .. import selectors, workflow
from ..models import (
    PurchaseRequest,
    RequestItem,
)
from ._common import (
    Action,
    Status,
    _authorize_staff,
    _deadline_text,
    _locked,
    _move,
    _record,
    _require_status,
    _tenant_name,
    _text,
    clean_date,
    clean_datetime,
    clean_items,
    clean_point,
    clean_rupiah,
    local_date,
    request_url,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def create_request(
    *,
    actor: Any,
    title: Any,
    items: Any,
    budget_ceiling: Any,
    quote_deadline: Any,
    delivery_address: Any,
    delivery_date: Any,
    delivery_lat: Any = None,
    delivery_lng: Any = None,
    description: Any = "",
    unit_name: Any = "",
    publish: bool = False,
    now: datetime | None = None,
) -> PurchaseRequest:
    """A new purchase request (a draft, or published at once with `publish`)."""
    now = now or timezone.now()
    role = _authorize_staff(actor, PurchaseRequest())
    clean_title = _text(title, "title", max_length=200, required=_("Judul permintaan wajib diisi."))
    clean_description = _text(description, "description", max_length=2000)
    clean_unit = _text(unit_name, "unit_name", max_length=150) or _tenant_name() or _("Kelurahan")
    budget = clean_rupiah(budget_ceiling, "budget_ceiling", label=_("Pagu anggaran"))
    deadline = clean_datetime(quote_deadline, "quote_deadline", label=_("Batas penawaran"))
    if deadline <= now:
        raise ValidationFailed(_("Batas penawaran harus di masa depan."), code="deadline_past", field="quote_deadline")
    address = _text(delivery_address, "delivery_address", max_length=255, required=_("Alamat pengiriman wajib diisi."))
    lat, lng = clean_point(delivery_lat, delivery_lng)
    deliver_on = clean_date(delivery_date, "delivery_date", label=_("Tanggal pengiriman"))
    if deliver_on < local_date(deadline):
        raise ValidationFailed(
            _("Tanggal pengiriman tidak boleh sebelum batas penawaran."),
            code="delivery_before_deadline",
            field="delivery_date",
        )
    lines = clean_items(items)

    purchase = PurchaseRequest.objects.create(
        title=clean_title,
        description=clean_description,
        unit_name=clean_unit,
        requested_by=actor,
        budget_ceiling=budget,
        quote_deadline=deadline,
        delivery_address=address,
        delivery_lat=lat,
        delivery_lng=lng,
        delivery_date=deliver_on,
        status=Status.DRAFT,
        created_at=now,
        updated_at=now,
    )
    RequestItem.objects.bulk_create([RequestItem(request=purchase, **line) for line in lines])
    _record(
        purchase,
        Action.CREATE,
        actor,
        role,
        from_status="",
        now=now,
        data={"budget_ceiling": budget, "items": len(lines)},
    )
    logger.info("procurement request %s created by user %s", purchase.pk, actor.pk)
    if publish:
        return _publish(purchase, actor, role, now)
    return purchase


def _publish(purchase: PurchaseRequest, actor: User, role: str, now: datetime) -> PurchaseRequest:
    if purchase.deadline_passed(now):
        raise Conflict(
            _("Batas penawaran sudah lewat; buat permintaan baru dengan batas waktu yang akan datang."),
            code="deadline_passed",
        )
    suppliers = selectors.eligible_suppliers(purchase)  # raises PermitsUnavailable: nothing is published
    before = _move(purchase, workflow.PUBLISH, now, published_at=now)
    _record(purchase, Action.PUBLISH, actor, role, from_status=before, now=now, data={"invited": len(suppliers)})
    notify(
        [u for u in suppliers if u.pk != actor.pk],
        event="procurement.published",
        title=_("Permintaan pengadaan baru: %(title)s") % {"title": purchase.title},
        body=_("%(unit)s membutuhkan: %(title)s. Pagu %(budget)s. Kirim penawaran sebelum %(deadline)s.")
        % {
            "unit": purchase.unit_name,
            "title": purchase.title,
            "budget": rupiah(purchase.budget_ceiling),
            "deadline": _deadline_text(purchase),
        },
        url=request_url(purchase),
        key=f"procurement-{purchase.pk}-published",
    )
    logger.info("procurement request %s published, %d UMKM invited", purchase.pk, len(suppliers))
    return purchase


@transaction.atomic
def publish(purchase: PurchaseRequest | int, actor: Any, *, now: datetime | None = None) -> PurchaseRequest:
    """Open a draft for quotes and tell the eligible UMKM (only those)."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked)
    _require_status(locked, workflow.PUBLISH)
    return _publish(locked, actor, role, now)


@transaction.atomic
def cancel(purchase: PurchaseRequest | int, actor: Any, *, reason: Any, now: datetime | None = None) -> PurchaseRequest:
    """Cancel a request before its award, with a reason; quoters are told."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.CANCEL)
    text = _text(reason, "reason", max_length=2000, required=_("Alasan pembatalan wajib diisi."))
    before = _move(locked, workflow.CANCEL, now, status_reason=text)
    _record(locked, Action.CANCEL, actor, role, from_status=before, now=now, reason=text)
    quoters = [q.supplier for q in locked.quotes.select_related("supplier")]
    notify(
        quoters,
        event="procurement.cancelled",
        title=_("Permintaan pengadaan dibatalkan: %(title)s") % {"title": locked.title},
        body=_("Alasan: %(reason)s") % {"reason": text},
        url=request_url(locked),
        key=f"procurement-{locked.pk}-cancelled",
    )
    return locked
