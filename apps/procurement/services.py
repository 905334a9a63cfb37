"""Every write of B2G procurement: requests, quotes, evaluation, award, order, delivery,
acceptance and payment, each with its event and notifications.

Each function checks who acts (403), whether the step fits the request's status and time (409)
and the input (422) before it writes anything; the writes of one call commit together under a
row lock on the request. See workflow.py for the steps and README.md for the rules.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.notifications.services import notify

from . import policy, rules, selectors, workflow
from .models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
    AcceptanceLine,
    Award,
    Evaluation,
    OrderSequence,
    ProcurementEvent,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteLine,
    QuoteRevision,
    QuoteScore,
    RequestItem,
)
from .workflow import Actor, Step

logger = logging.getLogger(__name__)

JAKARTA = ZoneInfo("Asia/Jakarta")
MIN_RATIONALE = 20
Status = PurchaseRequest.Status
Action = ProcurementEvent.Action


# --- input checks -------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    """The calendar day in Asia/Jakarta of an aware datetime."""
    return timezone.localtime(moment, JAKARTA).date()


def _text(value: Any, field: str, *, max_length: int, required: str = "") -> str:
    text = " ".join(str(value if value is not None else "").split()) if max_length <= 255 else str(value or "").strip()
    if not text and required:
        raise ValidationFailed(required, code="required", field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("Isian terlalu panjang (paling banyak %(n)d huruf).") % {"n": max_length}, code="too_long", field=field
        )
    return text


_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def clean_rupiah(value: Any, field: str, *, label: str) -> int:
    """A positive whole-rupiah amount: 25000, "25000", "25.000" or "Rp25.000"; never 0, negative or cents."""
    bad = ValidationFailed(
        _("%(label)s harus berupa bilangan bulat rupiah lebih dari 0.") % {"label": label},
        code="invalid_amount",
        field=field,
    )
    if isinstance(value, bool) or value is None:
        raise bad
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float | Decimal):
        if not Decimal(str(value)).is_finite() or Decimal(str(value)) != Decimal(str(value)).to_integral_value():
            raise bad
        amount = int(value)
    else:
        text = str(value).strip().removeprefix("Rp").removeprefix("rp").strip().replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(".", "")
        if not text.lstrip("-").isdigit():
            raise bad
        amount = int(text)
    if amount <= 0:
        raise bad
    if amount > rules.MAX_RUPIAH:
        raise ValidationFailed(_("%(label)s terlalu besar.") % {"label": label}, code="invalid_amount", field=field)
    return amount


def clean_quantity(value: Any, field: str, *, allow_zero: bool = False, maximum: Decimal | None = None) -> Decimal:
    """A quantity above 0 (or 0 when allowed) with at most two decimals; "2,5" means 2.5."""
    bad = ValidationFailed(
        _("Jumlah harus berupa angka lebih dari 0 (paling banyak dua angka desimal).")
        if not allow_zero
        else _("Jumlah diterima harus berupa angka 0 atau lebih (paling banyak dua angka desimal)."),
        code="invalid_quantity",
        field=field,
    )
    if isinstance(value, bool) or value is None:
        raise bad
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise bad from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")) or number < 0:
        raise bad
    if number == 0 and not allow_zero:
        raise bad
    if number > rules.MAX_QUANTITY:
        raise ValidationFailed(_("Jumlah terlalu besar."), code="invalid_quantity", field=field)
    if maximum is not None and number > maximum:
        raise ValidationFailed(
            _("Jumlah diterima tidak boleh melebihi jumlah yang dipesan (%(max)s).")
            % {"max": rules.quantity_text(maximum)},
            code="invalid_quantity",
            field=field,
        )
    return number.quantize(Decimal("0.01"))


def clean_date(value: Any, field: str, *, label: str) -> date:
    if isinstance(value, datetime):
        return local_date(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        parsed = parse_date(str(value or "").strip()) if value else None
    except ValueError:  # well formed but impossible, e.g. 2026-13-01
        parsed = None
    if parsed is None:
        raise ValidationFailed(
            _("%(label)s harus berupa tanggal (TTTT-BB-HH).") % {"label": label}, code="invalid_date", field=field
        )
    return parsed


def clean_datetime(value: Any, field: str, *, label: str) -> datetime:
    """An aware datetime; a value without a zone is read as Asia/Jakarta (WIB)."""
    moment: datetime | None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(str(value or "").strip()) if value else None
        except ValueError:
            moment = None
    if moment is None:
        raise ValidationFailed(
            _("%(label)s harus berupa tanggal dan jam.") % {"label": label}, code="invalid_datetime", field=field
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, JAKARTA)
    return moment


def clean_point(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    empty_lat = lat is None or str(lat).strip() == ""
    empty_lng = lng is None or str(lng).strip() == ""
    if empty_lat and empty_lng:
        return None, None
    bad = ValidationFailed(
        _("Titik peta harus berisi lintang dan bujur di wilayah Indonesia."), code="invalid_location", field="location"
    )
    if empty_lat or empty_lng:
        raise bad
    try:
        lat_d = Decimal(str(lat).strip().replace(",", ".")).quantize(Decimal("0.000001"))
        lng_d = Decimal(str(lng).strip().replace(",", ".")).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise bad from None
    if not (LAT_MIN <= lat_d <= LAT_MAX and LNG_MIN <= lng_d <= LNG_MAX):
        raise bad
    return lat_d, lng_d


def clean_kbli(value: Any, field: str) -> str:
    code = str(value or "").strip()
    if code and not rules.valid_kbli(code):
        raise ValidationFailed(
            _("KBLI “%(code)s” tidak valid: isi 2–5 digit kode KBLI 2020 (mis. 56 atau 56210), atau kosongkan.")
            % {"code": code[:10]},
            code="invalid_kbli",
            field=field,
        )
    return code


def clean_items(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or not items:
        raise ValidationFailed(_("Isi paling sedikit satu barang/jasa."), code="no_items", field="items")
    if len(items) > rules.MAX_ITEMS:
        raise ValidationFailed(
            _("Paling banyak %(n)d barang per permintaan.") % {"n": rules.MAX_ITEMS},
            code="too_many_items",
            field="items",
        )
    cleaned = []
    for index, raw in enumerate(items, start=1):
        if not isinstance(raw, Mapping):
            raise ValidationFailed(_("Barang ke-%(n)d tidak valid.") % {"n": index}, code="invalid_item", field="items")
        prefix = f"items[{index - 1}]"
        cleaned.append(
            {
                "position": index,
                "description": _text(
                    raw.get("description"),
                    f"{prefix}.description",
                    max_length=255,
                    required=_("Uraian barang ke-%(n)d wajib diisi.") % {"n": index},
                ),
                "quantity": clean_quantity(raw.get("quantity"), f"{prefix}.quantity"),
                "unit": _text(
                    raw.get("unit"),
                    f"{prefix}.unit",
                    max_length=30,
                    required=_("Satuan barang ke-%(n)d wajib diisi (mis. kotak, kg, buah).") % {"n": index},
                ),
                "kbli_code": clean_kbli(raw.get("kbli_code"), f"{prefix}.kbli_code"),
            }
        )
    return cleaned


def _ids(mapping: Mapping[Any, Any], field: str, unknown_code: str, unknown_message: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for key, value in mapping.items():
        try:
            out[int(str(key).strip())] = value
        except ValueError:
            raise ValidationFailed(unknown_message, code=unknown_code, field=field) from None
    return out


# --- small helpers ------------------------------------------------------------------------


def request_url(purchase: PurchaseRequest) -> str:
    return reverse("procurement:detail", args=[purchase.pk])


def _tenant_region_code() -> str:
    tenant = getattr(connection, "tenant", None)
    return str(getattr(tenant, "region_id", None) or connection.schema_name)


def _tenant_name() -> str:
    tenant = getattr(connection, "tenant", None)
    return str(getattr(tenant, "name", "") or "")


def _locked(purchase: PurchaseRequest | int) -> PurchaseRequest:
    pk = purchase if isinstance(purchase, int) else purchase.pk
    found = PurchaseRequest.objects.select_for_update(of=("self",)).select_related("requested_by").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Permintaan pengadaan tidak ditemukan."), code="request_not_found")
    return found


def _role_of(actor: User, capacity: str) -> str:
    names = policy.role_names(actor)
    if capacity == policy.AS_STAFF:
        return next((r for r in policy.STAFF_ROLES if r in names), capacity)
    return policy.SUPPLIER_ROLE if policy.SUPPLIER_ROLE in names else capacity


def _authorize_staff(actor: Any, purchase: PurchaseRequest, *, impartial: bool = False) -> str:
    """Staff only (403). With `impartial`, also no one who quoted on this request (conflict of interest)."""
    if not policy.is_staff(actor):
        raise Forbidden(policy.refusal(Actor.STAFF), code="not_your_step")
    if impartial and Quote.objects.filter(request=purchase, supplier=actor).exists():
        raise Forbidden(
            _("Anda mengajukan penawaran pada permintaan ini, jadi tidak boleh menilai atau memutuskannya."),
            code="conflict_of_interest",
        )
    return _role_of(actor, policy.AS_STAFF)


def _require_status(purchase: PurchaseRequest, step: Step) -> None:
    if purchase.status not in step.sources:
        raise Conflict(
            _("Langkah ini tidak dapat dilakukan saat status permintaan “%(status)s”.")
            % {"status": Status(purchase.status).label},
            code="wrong_status",
            status=purchase.status,
        )


def _record(
    purchase: PurchaseRequest,
    action: str,
    actor: User | None,
    role: str,
    *,
    from_status: str,
    now: datetime,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> ProcurementEvent:
    return ProcurementEvent.objects.create(
        request=purchase,
        action=action,
        from_status=from_status,
        to_status=purchase.status,
        actor=actor,
        actor_role=role,
        reason=reason,
        data=dict(data or {}),
        created_at=now,
    )


def _move(purchase: PurchaseRequest, step: Step, now: datetime, **changes: Any) -> str:
    before = purchase.status
    purchase.status = step.target
    purchase.updated_at = now
    for name, value in changes.items():
        setattr(purchase, name, value)
    purchase.save()
    return before


def _staff_users() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name__in=policy.STAFF_ROLES).distinct().order_by("pk"))


def _staff_to_tell(purchase: PurchaseRequest) -> list[User]:
    """Who hears about a request's news: its author, or every staff member if the author left."""
    author = purchase.requested_by
    return [author] if author.is_active else _staff_users()


def _deadline_text(purchase: PurchaseRequest) -> str:
    return timezone.localtime(purchase.quote_deadline, JAKARTA).strftime("%d-%m-%Y %H:%M WIB")


# --- requests -----------------------------------------------------------------------------


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
            "budget": rules.rupiah(purchase.budget_ceiling),
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


# --- quotes -------------------------------------------------------------------------------


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
            % {"total": rules.rupiah(total), "budget": rules.rupiah(locked.budget_ceiling)},
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


# --- evaluation and award -----------------------------------------------------------------


def _score(value: Any, field: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        number = None
    if number is None or not 0 <= number <= 100:
        raise ValidationFailed(_("Nilai harus bilangan bulat 0–100."), code="invalid_score", field=field)
    return number


@transaction.atomic
def evaluate(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    scores: Mapping[Any, Mapping[str, Any]],
    rationale: Any,
    now: datetime | None = None,
) -> Evaluation:
    """Score every quote (price, delivery, quality: 0–100) after the deadline, with a written rationale.

    A later evaluation (before the award) replaces the earlier one as the current one; both stay.
    """
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.EVALUATE)
    if not locked.deadline_passed(now):
        raise Conflict(
            _("Penawaran baru dapat dievaluasi setelah batas waktu %(deadline)s.")
            % {"deadline": _deadline_text(locked)},
            code="before_deadline",
        )
    quotes = {q.pk: q for q in locked.quotes.all()}
    if not quotes:
        raise Conflict(_("Tidak ada penawaran yang masuk; batalkan permintaan ini dengan alasan."), code="no_quotes")
    text = _text(rationale, "rationale", max_length=5000)
    if len(text) < MIN_RATIONALE:
        raise ValidationFailed(
            _("Tuliskan alasan penilaian (paling sedikit %(n)d huruf).") % {"n": MIN_RATIONALE},
            code="rationale_required",
            field="rationale",
        )
    if not isinstance(scores, Mapping):
        raise ValidationFailed(_("Nilai penawaran tidak valid."), code="invalid_score", field="scores")
    given = _ids(scores, "scores", "unknown_quote", _("Ada penawaran yang tidak termasuk permintaan ini."))
    if set(given) - set(quotes):
        raise ValidationFailed(
            _("Ada penawaran yang tidak termasuk permintaan ini."), code="unknown_quote", field="scores"
        )
    if set(quotes) - set(given):
        raise ValidationFailed(_("Beri nilai untuk setiap penawaran."), code="missing_score", field="scores")
    rows = []
    for pk in sorted(quotes):
        raw = given[pk]
        if not isinstance(raw, Mapping):
            raise ValidationFailed(_("Nilai harus bilangan bulat 0–100."), code="invalid_score", field=f"scores.{pk}")
        values = {c: _score(raw.get(c), f"scores.{pk}.{c}") for c in rules.CRITERIA}
        rows.append((quotes[pk], values))

    evaluation = Evaluation.objects.create(request=locked, evaluator=actor, rationale=text, created_at=now)
    QuoteScore.objects.bulk_create(
        [
            QuoteScore(
                evaluation=evaluation,
                quote=quote,
                total=rules.weighted_score(v["price"], v["delivery"], v["quality"]),
                **v,
            )
            for quote, v in rows
        ]
    )
    before = _move(locked, workflow.EVALUATE, now)
    _record(
        locked,
        Action.EVALUATE,
        actor,
        role,
        from_status=before,
        now=now,
        reason=text,
        data={
            "evaluation": evaluation.pk,
            "scores": {str(q.pk): str(rules.weighted_score(v["price"], v["delivery"], v["quality"])) for q, v in rows},
        },
    )
    return evaluation


@transaction.atomic
def award(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    quote: Quote | int | str,
    summary: Any = "",
    reason: Any = "",
    now: datetime | None = None,
) -> Award:
    """Award the request to one evaluated quote. Only one award per request, ever.

    Choosing a quote that did not score highest needs a reason. `summary` is shown on the
    public transparency page (defaults to the start of the rationale) and may carry no personal data.
    """
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    if Award.objects.filter(request=locked).exists():
        raise Conflict(_("Permintaan ini sudah memiliki pemenang."), code="already_awarded")
    if locked.status == Status.OPEN:
        raise Conflict(_("Evaluasi penawaran dulu sebelum menetapkan pemenang."), code="not_evaluated")
    _require_status(locked, workflow.AWARD)
    evaluation = selectors.latest_evaluation(locked)
    if evaluation is None:
        raise Conflict(_("Evaluasi penawaran dulu sebelum menetapkan pemenang."), code="not_evaluated")
    quote_pk = quote.pk if isinstance(quote, Quote) else quote
    try:
        chosen = locked.quotes.select_related("supplier").get(pk=int(str(quote_pk)))
    except (Quote.DoesNotExist, ValueError):
        raise ValidationFailed(
            _("Pilih salah satu penawaran pada permintaan ini."), code="unknown_quote", field="quote"
        ) from None
    scores = {s.quote_id: s for s in evaluation.scores.all()}
    if chosen.pk not in scores:
        raise Conflict(_("Penawaran ini belum dinilai; evaluasi ulang dulu."), code="not_evaluated")
    why = _text(reason, "reason", max_length=2000)
    best = max(s.total for s in scores.values())
    if scores[chosen.pk].total < best and not why:
        raise ValidationFailed(
            _("Penawaran ini bukan yang bernilai tertinggi; tuliskan alasan memilihnya."),
            code="reason_required",
            field="reason",
        )
    public = _text(summary, "summary", max_length=500)
    explicit = bool(public)
    if not public:
        public = " ".join(evaluation.rationale.split())[:300]
    names = [chosen.supplier.full_name, chosen.supplier.username, evaluation.evaluator.full_name, actor.full_name]
    if rules.looks_personal(public, names):
        raise ValidationFailed(
            _("Ringkasan publik tidak boleh memuat nama orang, e-mail, nomor HP atau NIK.")
            if explicit
            else _("Alasan penilaian memuat data pribadi; tulis ringkasan publik tanpa nama orang, e-mail atau nomor."),
            code="personal_data",
            field="summary",
        )
    if selectors.eligibility(chosen.supplier, locked) is None:
        raise Conflict(
            _("%(business)s tidak lagi memenuhi syarat (izin usaha tidak berlaku).")
            % {"business": chosen.business_name},
            code="supplier_not_eligible",
        )
    won = Award.objects.create(
        request=locked,
        quote=chosen,
        evaluation=evaluation,
        amount=chosen.total,
        quote_count=locked.quotes.count(),
        summary=public,
        awarded_by=actor,
        awarded_at=now,
    )
    before = _move(locked, workflow.AWARD, now)
    _record(
        locked,
        Action.AWARD,
        actor,
        role,
        from_status=before,
        now=now,
        reason=why,
        data={"quote": chosen.pk, "business_name": chosen.business_name, "amount": chosen.total},
    )
    url = request_url(locked)
    notify(
        [chosen.supplier],
        event="procurement.won",
        title=_("Penawaran Anda terpilih: %(title)s") % {"title": locked.title},
        body=_("Selamat! %(business)s ditetapkan sebagai pemenang dengan nilai %(amount)s. Surat pesanan menyusul.")
        % {"business": chosen.business_name, "amount": rules.rupiah(chosen.total)},
        url=url,
        key=f"procurement-{locked.pk}-award-{chosen.pk}",
    )
    losers = [q.supplier for q in locked.quotes.select_related("supplier").exclude(pk=chosen.pk)]
    notify(
        losers,
        event="procurement.lost",
        title=_("Penawaran Anda belum terpilih: %(title)s") % {"title": locked.title},
        body=_("Terima kasih atas penawaran Anda. Pemenang dan alasannya dapat dilihat di halaman transparansi."),
        url=reverse("procurement:transparency"),
        key=f"procurement-{locked.pk}-lost",
    )
    return won


# --- order, delivery, acceptance, payment -------------------------------------------------


def format_number(sequence: int, region_code: str, year: int) -> str:
    return rules.format_order_number(sequence, region_code, year)


def _next_sequence(year: int) -> int:
    OrderSequence.objects.bulk_create([OrderSequence(year=year)], ignore_conflicts=True)
    counter = OrderSequence.objects.select_for_update().get(year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


@transaction.atomic
def issue_order(purchase: PurchaseRequest | int, actor: Any, *, now: datetime | None = None) -> PurchaseOrder:
    """Issue the Surat Pesanan to the winner, numbered per tenant and year (see README.md)."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.ORDER)
    won = Award.objects.select_related("quote__supplier").get(request=locked)
    year = local_date(now).year
    sequence = _next_sequence(year)
    order = PurchaseOrder.objects.create(
        request=locked,
        award=won,
        number=format_number(sequence, _tenant_region_code(), year),
        year=year,
        sequence=sequence,
        amount=won.amount,
        issued_by=actor,
        issued_at=now,
    )
    before = _move(locked, workflow.ORDER, now)
    _record(locked, Action.ORDER, actor, role, from_status=before, now=now, data={"number": order.number})
    notify(
        [won.quote.supplier],
        event="procurement.ordered",
        title=_("Surat pesanan %(number)s terbit") % {"number": order.number},
        body=_("%(title)s: kirim ke %(address)s pada %(date)s. Nilai %(amount)s.")
        % {
            "title": locked.title,
            "address": locked.delivery_address,
            "date": locked.delivery_date.strftime("%d-%m-%Y"),
            "amount": rules.rupiah(order.amount),
        },
        url=request_url(locked),
        key=f"procurement-{locked.pk}-ordered",
    )
    return order


@transaction.atomic
def mark_delivered(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    delivered_on: Any = None,
    note: Any = "",
    now: datetime | None = None,
) -> PurchaseOrder:
    """The winning UMKM (or staff for them) reports the goods delivered."""
    now = now or timezone.now()
    locked = _locked(purchase)
    winner = Award.objects.filter(request=locked).values_list("quote__supplier_id", flat=True).first()
    if policy.is_signed_in(actor) and winner is not None and actor.pk == winner:
        role = _role_of(actor, policy.AS_SUPPLIER)
    elif policy.is_staff(actor):
        role = _role_of(actor, policy.AS_STAFF)
    else:
        raise Forbidden(policy.refusal(Actor.WINNER_OR_STAFF), code="not_your_step")
    _require_status(locked, workflow.DELIVER)
    order = PurchaseOrder.objects.select_for_update().get(request=locked)
    day = clean_date(delivered_on, "delivered_on", label=_("Tanggal dikirim")) if delivered_on else local_date(now)
    if day > local_date(now) or day < local_date(order.issued_at):
        raise ValidationFailed(
            _("Tanggal dikirim harus antara tanggal surat pesanan dan hari ini."),
            code="invalid_date",
            field="delivered_on",
        )
    text = _text(note, "note", max_length=1000)
    order.delivered_on = day
    order.delivery_note = text
    order.delivered_by = actor
    order.save()
    before = _move(locked, workflow.DELIVER, now)
    _record(
        locked, Action.DELIVER, actor, role, from_status=before, now=now, reason=text, data={"delivered_on": str(day)}
    )
    notify(
        [u for u in _staff_to_tell(locked) if u.pk != actor.pk],
        event="procurement.delivered",
        title=_("Barang dikirim: %(title)s") % {"title": locked.title},
        body=_("Periksa barang dan catat penerimaannya (surat pesanan %(number)s).") % {"number": order.number},
        url=request_url(locked),
        key=f"procurement-{locked.pk}-delivered",
    )
    return order


@transaction.atomic
def accept_delivery(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    accepted: Mapping[Any, Any] | None = None,
    reason: Any = "",
    now: datetime | None = None,
) -> PurchaseOrder:
    """Record what was accepted. `accepted` maps item ids to accepted quantities (items left out
    are accepted in full); accepting less than ordered needs a reason."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.ACCEPT)
    order = PurchaseOrder.objects.select_for_update().select_related("award__quote").get(request=locked)
    items = {item.pk: item for item in locked.items.order_by("position")}
    prices = {line.item_id: line.unit_price for line in order.award.quote.lines.all()}
    if accepted is not None and not isinstance(accepted, Mapping):
        raise ValidationFailed(_("Jumlah diterima tidak valid."), code="invalid_quantity", field="accepted")
    given = _ids(accepted or {}, "accepted", "unknown_item", _("Ada barang yang tidak termasuk permintaan ini."))
    if set(given) - set(items):
        raise ValidationFailed(
            _("Ada barang yang tidak termasuk permintaan ini."), code="unknown_item", field="accepted"
        )
    rows = []
    for pk, item in items.items():
        quantity = (
            clean_quantity(given[pk], f"accepted.{pk}", allow_zero=True, maximum=item.quantity)
            if pk in given
            else item.quantity
        )
        rows.append((item, quantity, rules.line_total(quantity, prices[pk])))
    amount = sum(value for _item, _q, value in rows)
    partial = any(quantity < item.quantity for item, quantity, _value in rows)
    why = _text(reason, "reason", max_length=2000)
    if amount <= 0:
        raise ValidationFailed(
            _("Tidak ada barang yang diterima; catat jumlah yang benar-benar diterima."),
            code="nothing_accepted",
            field="accepted",
        )
    if partial and not why:
        raise ValidationFailed(
            _("Barang diterima sebagian: alasan wajib diisi."), code="reason_required", field="reason"
        )
    AcceptanceLine.objects.bulk_create(
        [
            AcceptanceLine(order=order, item=item, ordered_quantity=item.quantity, accepted_quantity=q, amount=value)
            for item, q, value in rows
        ]
    )
    order.accepted_at = now
    order.accepted_by = actor
    order.accepted_amount = amount
    order.partially_accepted = partial
    order.acceptance_reason = why
    order.save()
    before = _move(locked, workflow.ACCEPT, now)
    _record(
        locked,
        Action.ACCEPT,
        actor,
        role,
        from_status=before,
        now=now,
        reason=why,
        data={
            "accepted_amount": amount,
            "partial": partial,
            "lines": {str(item.pk): str(q) for item, q, _value in rows},
        },
    )
    body = (
        _("Barang diterima sebagian senilai %(amount)s. Alasan: %(reason)s")
        if partial
        else _("Barang diterima lengkap senilai %(amount)s.")
    ) % {"amount": rules.rupiah(amount), "reason": why}
    notify(
        [order.award.quote.supplier],
        event="procurement.accepted",
        title=_("Penerimaan barang: %(title)s") % {"title": locked.title},
        body=body,
        url=request_url(locked),
        key=f"procurement-{locked.pk}-accepted",
    )
    return order


@transaction.atomic
def record_payment(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    reference: Any,
    paid_on: Any = None,
    now: datetime | None = None,
) -> PurchaseOrder:
    """Mark the accepted order paid (the accepted amount), with the transfer reference and date."""
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.PAY)
    order = PurchaseOrder.objects.select_for_update().select_related("award__quote__supplier").get(request=locked)
    ref = _text(reference, "reference", max_length=100, required=_("Referensi pembayaran wajib diisi."))
    day = clean_date(paid_on, "paid_on", label=_("Tanggal bayar")) if paid_on else local_date(now)
    accepted_day = local_date(order.accepted_at) if order.accepted_at else local_date(now)
    if day > local_date(now) or day < accepted_day:
        raise ValidationFailed(
            _("Tanggal bayar harus antara tanggal penerimaan barang dan hari ini."),
            code="invalid_date",
            field="paid_on",
        )
    order.payment_status = PurchaseOrder.Payment.PAID
    order.paid_on = day
    order.payment_reference = ref
    order.paid_amount = order.accepted_amount
    order.paid_by = actor
    order.save()
    before = _move(locked, workflow.PAY, now)
    _record(
        locked,
        Action.PAY,
        actor,
        role,
        from_status=before,
        now=now,
        data={"reference": ref, "paid_on": str(day), "amount": order.paid_amount},
    )
    notify(
        [order.award.quote.supplier],
        event="procurement.paid",
        title=_("Pembayaran tercatat: %(title)s") % {"title": locked.title},
        body=_("%(amount)s dibayar pada %(date)s, referensi %(reference)s.")
        % {"amount": rules.rupiah(order.paid_amount), "date": day.strftime("%d-%m-%Y"), "reference": ref},
        url=request_url(locked),
        key=f"procurement-{locked.pk}-paid",
    )
    return order
