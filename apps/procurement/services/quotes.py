"""Quotes: a supplier submits or revises a quote."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.core.money import rupiah
from apps.notifications.services import notify

from .. import policy, rules, selectors, workflow
from ..models import (
    PurchaseRequest,
    Quote,
    QuoteLine,
    QuoteRevision,
)
from ..workflow import Actor
from ._common import (
    Action,
    _deadline_text,
    _ids,
    _locked,
    _record,
    _require_status,
    _role_of,
    _staff_to_tell,
    _text,
    clean_date,
    clean_rupiah,
    local_date,
    request_url,
)


@transaction.atomic
def submit_quote(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    prices: Mapping[Any, Any],
    delivery_date: Any,
    notes: Any = "",
    now: datetime | None = None,
) -> Quote:
    """Submit a quote, or revise one's quote, before the deadline (server time).

    `prices` maps each request item's id to its unit price in whole rupiah; every item must be
    priced. The total may not exceed the budget ceiling. Each submission is kept as a revision.
    """
    now = now or timezone.now()
    locked = _locked(purchase)
    if not policy.is_supplier(actor):
        raise Forbidden(policy.refusal(Actor.SUPPLIER), code="not_your_step")
    if locked.requested_by_id == actor.pk:
        raise Forbidden(_("Anda tidak dapat menawar permintaan Anda sendiri."), code="own_request")
    _require_status(locked, workflow.QUOTE)
    if locked.deadline_passed(now):
        raise Conflict(
            _("Batas waktu penawaran (%(deadline)s) sudah lewat.") % {"deadline": _deadline_text(locked)},
            code="deadline_passed",
        )
    eligible = selectors.eligibility(actor, locked)
    if eligible is None:
        raise Forbidden(selectors.refusal_for_ineligible(locked), code="not_eligible")

    items = {item.pk: item for item in locked.items.order_by("position")}
    if not isinstance(prices, Mapping):
        raise ValidationFailed(_("Harga per barang tidak valid."), code="invalid_prices", field="prices")
    given = _ids(prices, "prices", "unknown_item", _("Ada barang yang tidak termasuk permintaan ini."))
    unknown = sorted(set(given) - set(items))
    if unknown:
        raise ValidationFailed(
            _("Ada barang yang tidak termasuk permintaan ini."), code="unknown_item", field="prices", items=unknown
        )
    missing = [item for pk, item in items.items() if pk not in given]
    if missing:
        raise ValidationFailed(
            _("Isi harga untuk semua barang: %(items)s belum berharga.")
            % {"items": ", ".join(item.description for item in missing)[:300]},
            code="missing_price",
            field="prices",
        )
    lines = []
    for pk, item in items.items():
        price = clean_rupiah(given[pk], f"prices.{pk}", label=_("Harga %(item)s") % {"item": item.description})
        lines.append((item, price, rules.line_total(item.quantity, price)))
    total = sum(line_total for _item, _price, line_total in lines)
    if total > locked.budget_ceiling:
        raise ValidationFailed(
            _("Total penawaran %(total)s melebihi pagu anggaran %(budget)s.")
            % {"total": rupiah(total), "budget": rupiah(locked.budget_ceiling)},
            code="over_budget",
            field="prices",
            total=total,
        )
    deliver_on = clean_date(delivery_date, "delivery_date", label=_("Tanggal kirim"))
    if deliver_on < local_date(now):
        raise ValidationFailed(
            _("Tanggal kirim tidak boleh di masa lalu."), code="delivery_in_past", field="delivery_date"
        )
    text = _text(notes, "notes", max_length=1000)

    quote = Quote.objects.select_for_update().filter(request=locked, supplier=actor).first()
    revised = quote is not None
    if quote is None:
        quote = Quote(request=locked, supplier=actor, submitted_at=now, revision=1)
    else:
        quote.revision += 1
        quote.lines.all().delete()
    quote.business_name = eligible.business_name[:150]
    quote.permit_number = eligible.number[:64]
    quote.kbli_code = eligible.kbli_code[:5]
    quote.total = total
    quote.delivery_date = deliver_on
    quote.notes = text
    quote.revised_at = now
    quote.save()
    QuoteLine.objects.bulk_create(
        [QuoteLine(quote=quote, item=item, unit_price=price, total=amount) for item, price, amount in lines]
    )
    QuoteRevision.objects.create(
        quote=quote,
        number=quote.revision,
        total=total,
        delivery_date=deliver_on,
        notes=text,
        lines=[
            {
                "item": item.pk,
                "description": item.description,
                "quantity": str(item.quantity),
                "unit": item.unit,
                "unit_price": price,
                "total": amount,
            }
            for item, price, amount in lines
        ],
        created_at=now,
    )
    # The event names the quote and its revision, never its prices: quotes are sealed until the deadline.
    _record(
        locked,
        Action.REVISE if revised else Action.QUOTE,
        actor,
        _role_of(actor, policy.AS_SUPPLIER),
        from_status=locked.status,
        now=now,
        data={"quote": quote.pk, "revision": quote.revision, "business_name": quote.business_name},
    )
    notify(
        [u for u in _staff_to_tell(locked) if u.pk != actor.pk],
        event="procurement.quote",
        title=(_("Penawaran direvisi: %(title)s") if revised else _("Penawaran baru: %(title)s"))
        % {"title": locked.title},
        body=_("%(business)s mengirim penawaran (revisi ke-%(n)d). Harga dapat dilihat setelah %(deadline)s.")
        % {"business": quote.business_name, "n": quote.revision, "deadline": _deadline_text(locked)},
        url=request_url(locked),
        key=f"procurement-quote-{quote.pk}-rev-{quote.revision}",
    )
    return quote
