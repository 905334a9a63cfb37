"""Shared internals of the procurement services: input checks, locks, roles, status moves and the event record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import parse_rupiah
from apps.core.short_text import clean_short_text
from apps.core.workflow import Step

from .. import policy, rules, workflow
from ..models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
    ProcurementEvent,
    PurchaseRequest,
    Quote,
)
from ..workflow import Actor

JAKARTA = ZoneInfo("Asia/Jakarta")


MIN_RATIONALE = 20


Status = PurchaseRequest.Status


Action = ProcurementEvent.Action


def local_date(moment: datetime) -> date:
    """The calendar day in Asia/Jakarta of an aware datetime."""
    return timezone.localtime(moment, JAKARTA).date()


def _text(value: Any, field: str, *, max_length: int, required: str | Promise = "") -> str:
    """Short fields (<= 255) on one line, longer ones (descriptions, reasons) keep their lines."""
    return clean_short_text(
        value, field=field, max_length=max_length, required_message=required, collapse_spaces=max_length <= 255
    )


def clean_rupiah(value: Any, field: str, *, label: str) -> int:
    """A positive whole-rupiah amount: 25000, "25000", "25.000" or "Rp25.000"; never 0, negative or cents."""
    bad = ValidationFailed(
        _("%(label)s harus berupa bilangan bulat rupiah lebih dari 0.") % {"label": label},
        code="invalid_amount",
        field=field,
    )
    amount = parse_rupiah(value)
    if amount is None or amount <= 0:
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


def _wrong_status(status: str, step: Step[Actor]) -> Conflict:
    return Conflict(
        _("Langkah ini tidak dapat dilakukan saat status permintaan “%(status)s”.") % {"status": Status(status).label},
        code="wrong_status",
        status=status,
    )


def _require_status(purchase: PurchaseRequest, step: Step[Actor]) -> None:
    workflow.PURCHASE.require(purchase.status, step.action, _wrong_status)


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
    return ProcurementEvent.record(
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


def _move(purchase: PurchaseRequest, step: Step[Actor], now: datetime, **changes: Any) -> str:
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
    return date_format(timezone.localtime(purchase.quote_deadline, JAKARTA), "DATETIME_FORMAT") + " WIB"
