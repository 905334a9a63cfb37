"""Every write of UMKM invoices: issue (by hand, from an accepted procurement delivery, from a
delivered marketplace order on invoice terms), view, bill the remainder, record a payment,
overdue and reminders, cancel, dispute.

An invoice paid in full settles its source document in the same transaction: the marketplace
order is stamped paid (`marketplace.services.mark_paid_by_invoice`), the purchase order's payment
is recorded (`procurement.services.record_invoice_payment`), each once. Cancelling an order's
invoice changes nothing in the marketplace (the goods were delivered; no stock comes back): the
seller forgoes the claim, and only then may refund the order there (which restocks).

Each write locks the invoice row (money and status), writes its `InvoiceEvent` and notifies in
the same transaction. Money moves only in apps.payments: the buyer pays a `PaymentRequest`
("invoice:<number>") into the shop's KotaKitaPay account; `record_payment` reads the paid bill.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.core.sequences import next_number
from apps.core.workflow import Step
from apps.marketplace import services as marketplace
from apps.marketplace.models import Order, OrderLine, Shop
from apps.notifications.services import notify
from apps.payments import services as payments
from apps.payments.models import PaymentRequest
from apps.procurement import services as procurement
from apps.procurement.models import AcceptanceLine, PurchaseOrder
from apps.tenancy.due_work import Kind, schedule_due

from . import events, routes, rules, workflow
from .models import Invoice, InvoiceEvent, InvoiceLine

logger = logging.getLogger(__name__)
JAKARTA = ZoneInfo("Asia/Jakarta")
REFERENCE_KIND = "invoice"
INVOICE_COUNTER = "invoice"  # apps.core.sequences kind; scope: the shop (numbers per shop and year)
REMIND_AT = time(8, 0)  # reminders go out in the morning, local time
MAX_LINES = 100
MAX_QUANTITY = Decimal(10**10)  # InvoiceLine.quantity: 12 digits, 2 after the point
MAX_TOTAL = 10**13  # Rp10 trillion: far above any UMKM invoice, far below the bigint limit


# The buyer of an invoice to an OPD is in the kota's schema: notified there (apps.invoicing.routes).
notify_opd_buyer = routes.tell_kota


def today() -> date:
    return timezone.localtime(timezone.now(), JAKARTA).date()


def invoice_url(invoice: Invoice) -> str:
    return f"/faktur/{invoice.pk}/"


def reference_of(invoice: Invoice) -> str:
    return f"{REFERENCE_KIND}:{invoice.number}"


# --- who may do what --------------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "pk", None) is not None


def is_office_staff(user: Any) -> bool:
    return _signed_in(user) and user.has_any_role(*STAFF_ROLES)


def is_seller(user: Any, invoice: Invoice) -> bool:
    return _signed_in(user) and invoice.shop.owner_id == user.pk


def is_buyer(user: Any, invoice: Invoice) -> bool:
    if not _signed_in(user):
        return False
    if invoice.buyer_user_id is not None and invoice.buyer_user_id == user.pk:
        return True
    return invoice.buyer_is_office and is_office_staff(user)


def may_see(user: Any, invoice: Invoice) -> bool:
    return is_seller(user, invoice) or is_buyer(user, invoice)


def _require_seller(user: Any, invoice: Invoice) -> None:
    if not is_seller(user, invoice):
        raise Forbidden(_("Hanya pemilik toko penerbit faktur yang bisa melakukan ini."), code="not_seller")


def seller_shop(user: Any) -> Shop:
    """The shop a UMKM owner invoices from (its first active shop with a KotaKitaPay account)."""
    if not _signed_in(user) or not user.has_role(Role.PEMILIK_UMKM):
        raise Forbidden(_("Hanya pemilik UMKM yang bisa menerbitkan faktur."), code="not_umkm")
    shop = Shop.objects.filter(owner=user, is_active=True, payment_account__isnull=False).order_by("pk").first()
    if shop is None:
        raise Conflict(_("Buka toko di Pasar dulu: faktur dibayar ke rekening toko."), code="no_shop")
    return shop


# --- helpers ----------------------------------------------------------------------------------


def _locked(invoice: Invoice | int) -> Invoice:
    pk = invoice.pk if isinstance(invoice, Invoice) else invoice
    found = Invoice.objects.select_for_update(of=("self",)).select_related("shop").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Faktur tidak ditemukan."))
    return found


def _refuse(status: str, step: Step[str]) -> Conflict:
    return Conflict(
        _("Faktur berstatus “%(status)s”: langkah ini tidak bisa dilakukan.")
        % {"status": Invoice.Status(status).label},
        code="wrong_status",
    )


def _move(invoice: Invoice, step: Step[str]) -> str:
    workflow.INVOICE.require(invoice.status, step.action, _refuse)
    before = invoice.status
    invoice.status = step.target
    return before


def _event(
    invoice: Invoice,
    action: str,
    actor: Any = None,
    *,
    before: str = "",
    amount: int = 0,
    request: PaymentRequest | None = None,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> InvoiceEvent:
    return InvoiceEvent.record(
        actor=actor,
        invoice=invoice,
        action=action,
        from_status=before,
        to_status=invoice.status,
        amount=amount,
        payment_request=request,
        reason=reason,
        data=dict(data or {}),
    )


def buyer_recipients(invoice: Invoice) -> list[User]:
    if invoice.buyer_user_id is not None:
        return [invoice.buyer_user] if invoice.buyer_user and invoice.buyer_user.is_active else []
    if invoice.buyer_is_office:
        return list(
            User.objects.filter(is_active=True, groups__name__in=[Role.ADMIN, Role.STAF_OPD]).distinct().order_by("pk")
        )
    return []


def _schedule_reminder(invoice: Invoice) -> None:
    if invoice.next_reminder_on is not None:
        moment = datetime.combine(invoice.next_reminder_on, REMIND_AT, tzinfo=JAKARTA)
        schedule_due(Kind.INVOICES, moment)


def _first_reminder(due: date, issued: date) -> tuple[int, date | None]:
    """Reminders whose day is before the issue date are not sent (a short-term invoice)."""
    days = rules.reminder_days(due)
    skipped = sum(1 for day in days if day <= issued)
    return skipped, rules.next_reminder(due, skipped)


def _text(value: Any, field: str, *, max_length: int, required: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(required, code="required", field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("Paling banyak %(n)s huruf.") % {"n": max_length}, code="too_long", field=field)
    return text


def _whole(value: Any, field: str, *, minimum: int = 0, maximum: int = 10**13) -> int:
    try:
        number = Decimal(str(value).strip().replace(".", "")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(_("Isi angka rupiah tanpa desimal."), code="invalid_number", field=field) from None
    if number != number.to_integral_value() or not minimum <= number <= maximum:
        raise ValidationFailed(_("Isi angka rupiah tanpa desimal."), code="invalid_number", field=field)
    return int(number)


def clean_lines(lines: Any) -> list[rules.LineInput]:
    if not isinstance(lines, list | tuple) or not lines:
        raise ValidationFailed(_("Isi paling sedikit satu barang atau jasa."), code="no_lines", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(_("Terlalu banyak baris."), code="too_many_lines", field="lines")
    out = []
    for n, row in enumerate(lines):
        if not isinstance(row, Mapping):
            raise ValidationFailed(_("Baris faktur tidak valid."), code="invalid_line", field=f"lines.{n}")
        try:
            quantity = Decimal(str(row.get("quantity", "")).replace(",", "."))
        except InvalidOperation:
            quantity = Decimal(0)
        if (
            not quantity.is_finite()
            or quantity <= 0
            or quantity >= MAX_QUANTITY
            or quantity != quantity.quantize(Decimal("0.01"))
        ):
            raise ValidationFailed(
                _("Jumlah harus lebih dari 0 (paling banyak 2 angka desimal)."),
                code="invalid_quantity",
                field=f"lines.{n}.quantity",
            )
        out.append(
            rules.LineInput(
                description=_text(
                    row.get("description"), f"lines.{n}.description", max_length=255, required=_("Uraian wajib diisi.")
                ),
                quantity=quantity,
                unit=_text(row.get("unit") or "unit", f"lines.{n}.unit", max_length=30),
                unit_price=_whole(row.get("unit_price"), f"lines.{n}.unit_price"),
            )
        )
    return out


# --- issuing ----------------------------------------------------------------------------------


@transaction.atomic
def issue_invoice(
    shop: Shop,
    actor: User,
    *,
    buyer_name: Any,
    lines: Any,
    buyer_address: Any = "",
    buyer_user: User | None = None,
    buyer_is_office: bool = False,
    buyer_opd: Any = "",
    terms_days: Any = rules.DEFAULT_TERMS_DAYS,
    notes: Any = "",
    issue_date: date | None = None,
    source: str = Invoice.Source.MANUAL,
    source_key: str = "",
    add_tax: bool = True,
) -> Invoice:
    """Number and issue an invoice of `shop` (status sent; the buyer is told). With a
    `source_key`, issuing twice for the same source document returns the first invoice.
    `add_tax=False`: the prices are final (a marketplace order's, any PPN already in them)."""
    if source_key:
        existing = Invoice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    opd = kota = None
    if buyer_opd:
        # An OPD of the kota: one buyer, never also a user or the kelurahan office.
        if buyer_user is not None or buyer_is_office:
            raise ValidationFailed(_("Pilih satu pembeli saja."), code="two_buyers", field="buyer_opd")
        opd, kota = routes.opd_for(buyer_opd)
        buyer_name = str(buyer_name or "").strip() or opd.name
    name = _text(buyer_name, "buyer_name", max_length=150, required=_("Nama pembeli wajib diisi."))
    address = _text(buyer_address, "buyer_address", max_length=255)
    note = _text(notes, "notes", max_length=2000)
    terms = _whole(terms_days, "terms_days", maximum=rules.MAX_TERMS_DAYS)
    cleaned = clean_lines(lines)
    if buyer_user is not None and buyer_user.pk == shop.owner_id:
        raise ValidationFailed(_("Faktur tidak bisa ditujukan ke diri sendiri."), code="self_invoice", field="buyer")
    # A second issue for the same source waits here on the shop's row lock, then finds the first.
    locked_shop = Shop.objects.select_for_update().get(pk=shop.pk)
    if source_key:
        existing = Invoice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    totals = rules.totals(cleaned, pkp=locked_shop.is_pkp and add_tax)
    if totals.subtotal <= 0:
        raise ValidationFailed(_("Total faktur harus lebih dari Rp0."), code="zero_total", field="lines")
    if totals.total > MAX_TOTAL:
        raise ValidationFailed(_("Total faktur terlalu besar."), code="too_large", field="lines")
    issued = issue_date or today()
    year = issued.year
    sequence = next_number(INVOICE_COUNTER, year, scope=str(locked_shop.pk))  # a number per shop and year
    due = rules.due_date(issued, terms)
    sent, next_on = _first_reminder(due, issued)
    invoice = Invoice.objects.create(
        shop=locked_shop,
        number=rules.format_number(locked_shop.pk, year, sequence),
        year=year,
        sequence=sequence,
        source=source,
        source_key=source_key,
        buyer_name=name,
        buyer_address=address,
        buyer_user=buyer_user,
        buyer_is_office=buyer_is_office,
        buyer_opd=opd.code if opd is not None else "",
        issue_date=issued,
        terms_days=terms,
        due_date=due,
        subtotal=totals.subtotal,
        tax_percent=totals.tax_percent,
        tax=totals.tax,
        total=totals.total,
        notes=note,
        reminders_sent=sent,
        next_reminder_on=next_on,
        created_by=actor,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=invoice,
                position=n,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                amount=rules.line_amount(line.quantity, line.unit_price),
            )
            for n, line in enumerate(cleaned, start=1)
        ]
    )
    _event(invoice, InvoiceEvent.Action.ISSUE, actor, data={"total": invoice.total, "source": source_key or source})
    if opd is not None and kota is not None:
        routes.create(invoice, opd, kota)
    _schedule_reminder(invoice)
    notify(
        buyer_recipients(invoice),
        event="invoicing.issued",
        title=_("Faktur %(number)s dari %(shop)s") % {"number": invoice.number, "shop": locked_shop.name},
        body=_("Total %(total)s, jatuh tempo %(due)s.")
        % {"total": rupiah(invoice.total), "due": date_format(due, "DATE_FORMAT")},
        url=invoice_url(invoice),
        key=f"invoice-{invoice.pk}-issued",
    )
    return invoice


@transaction.atomic
def issue_from_procurement(order_id: int) -> Invoice | None:
    """The invoice of an accepted procurement delivery: the accepted lines at the awarded prices,
    to the buying office, net 30. Idempotent (one invoice per purchase order). None when the
    supplier has no shop to be paid into (told to open one)."""
    order = (
        PurchaseOrder.objects.select_related("request", "award__quote__supplier")
        .filter(pk=order_id, accepted_at__isnull=False)
        .first()
    )
    if order is None:
        return None
    key = f"procurement:{order.pk}"
    existing = Invoice.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    # Under the purchase order's lock: staff recording a payment by hand take it too, so either
    # that payment is seen here (no invoice) or this invoice is seen there (refused, 409).
    PurchaseOrder.objects.select_for_update().filter(pk=order.pk).first()
    order.refresh_from_db(fields=["payment_status"])
    if order.payment_status == PurchaseOrder.Payment.PAID:
        return None
    supplier = order.award.quote.supplier
    shop = Shop.objects.filter(owner=supplier, is_active=True, payment_account__isnull=False).order_by("pk").first()
    if shop is None:
        logger.info("procurement order %s accepted: supplier %s has no shop to invoice from", order.number, supplier.pk)
        return None
    prices = {line.item_id: line.unit_price for line in order.award.quote.lines.all()}
    lines = [
        {
            "description": line.item.description,
            "quantity": line.accepted_quantity,
            "unit": line.item.unit,
            "unit_price": prices[line.item_id],
        }
        for line in AcceptanceLine.objects.filter(order=order, accepted_quantity__gt=0)
        .select_related("item")
        .order_by("item__position")
    ]
    purchase = order.request
    accepted_on = timezone.localtime(order.accepted_at, JAKARTA).date() if order.accepted_at else today()
    return issue_invoice(
        shop,
        supplier,
        buyer_name=purchase.unit_name,
        buyer_address=purchase.delivery_address,
        buyer_is_office=True,
        lines=lines,
        terms_days=rules.DEFAULT_TERMS_DAYS,
        notes=_("Surat pesanan %(number)s: %(title)s") % {"number": order.number, "title": purchase.title},
        issue_date=accepted_on,
        source=Invoice.Source.PROCUREMENT,
        source_key=key,
    )


@transaction.atomic
def issue_from_order(order_id: int) -> Invoice | None:
    """The invoice of a delivered marketplace order on invoice terms (`marketplace.services.terms`):
    the order's lines and delivery fee at the prices charged, to the buyer's shop or the kelurahan
    office, due after the terms agreed at checkout. Idempotent (one invoice per order). None
    when the order is not (or no longer) a delivered on-terms order: refunded meanwhile."""
    key = f"order:{order_id}"
    existing = Invoice.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    # Under the order's lock: a refund takes it too and asks `refuse_while_invoiced`, so either
    # the refund is seen here (no invoice) or this invoice is seen there (refused).
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "buyer")
        .filter(pk=order_id, payment_method=marketplace.INVOICE_METHOD)
        .first()
    )
    if order is None or order.status not in (Order.Status.DELIVERED, Order.Status.COMPLETED):
        return None
    lines: list[dict[str, Any]] = [
        {
            "description": f"{line.product_name} — {line.variant_name}" if line.variant_name else line.product_name,
            "quantity": line.quantity,
            "unit": "unit",
            "unit_price": line.unit_price,
        }
        for line in OrderLine.objects.filter(order=order).order_by("pk")
    ]
    if order.delivery_fee > 0:
        lines.append(
            {"description": _("Ongkos kirim"), "quantity": 1, "unit": "kali", "unit_price": order.delivery_fee}
        )
    buyer = marketplace.terms_buyer(order)
    return issue_invoice(
        order.shop,
        order.shop.owner,
        buyer_name=buyer.name,
        buyer_address=order.delivery_address,
        buyer_user=order.buyer,
        buyer_is_office=buyer.is_office,
        lines=lines,
        terms_days=order.terms_days or order.shop.invoice_terms_days,
        notes=_("Pesanan pasar %(number)s") % {"number": order.number},
        source=Invoice.Source.ORDER,
        source_key=key,
        add_tax=False,
    )


def refuse_while_invoiced(source_key: str) -> None:
    """The source document (an order, a purchase order) is billed by an invoice that stands
    (open or paid): refuse a refund or a payment by hand beside it (409)."""
    invoice = Invoice.objects.filter(source_key=source_key).exclude(status=workflow.CANCELLED).first()
    if invoice is None:
        return
    raise Conflict(
        _("Sudah ditagih dengan faktur %(number)s (%(status)s); selesaikan lewat faktur itu atau batalkan dulu.")
        % {"number": invoice.number, "status": invoice.get_status_display()},
        code="invoiced",
        invoice=invoice.number,
    )


def _settle_source(locked: Invoice, request: PaymentRequest) -> None:
    """The invoice is now paid in full: its source document is paid too (each service is
    idempotent; this runs in the recording transaction, under the invoice lock)."""
    kind, _sep, raw = locked.source_key.partition(":")
    if not raw.isdigit():
        return
    reference = f"{locked.number} / {request.bill_number}"
    paid_at = locked.paid_at or timezone.now()
    if locked.source == Invoice.Source.ORDER and kind == "order":
        marketplace.mark_paid_by_invoice(
            int(raw), paid_at=paid_at, note=_("Faktur %(number)s lunas.") % {"number": locked.number}
        )
    elif locked.source == Invoice.Source.PROCUREMENT and kind == "procurement":
        procurement.record_invoice_payment(
            int(raw), reference=reference, paid_at=paid_at, amount=locked.amount_paid, actor=request.paid_by
        )


# --- the buyer's side ---------------------------------------------------------------------------


@transaction.atomic
def mark_viewed(invoice: Invoice | int, actor: Any) -> Invoice:
    """The buyer opened the invoice: sent → viewed (once; the seller opening it changes nothing)."""
    current = invoice if isinstance(invoice, Invoice) else Invoice.objects.select_related("shop").get(pk=invoice)
    if current.status != workflow.SENT or not is_buyer(actor, current) or is_seller(actor, current):
        return current
    locked = _locked(current)
    if locked.status != workflow.SENT:
        return locked
    before = _move(locked, workflow.VIEW)
    locked.viewed_at = timezone.now()
    locked.save(update_fields=["status", "viewed_at"])
    routes.sync(locked)
    _event(locked, InvoiceEvent.Action.VIEW, actor, before=before)
    return locked


@transaction.atomic
def mark_viewed_by_opd(invoice: Invoice) -> Invoice:
    """The OPD opened its link (the route's token): sent → viewed, once."""
    if invoice.status != workflow.SENT or not invoice.buyer_opd:
        return invoice
    locked = _locked(invoice)
    if locked.status != workflow.SENT:
        return locked
    before = _move(locked, workflow.VIEW)
    locked.viewed_at = timezone.now()
    locked.save(update_fields=["status", "viewed_at"])
    routes.sync(locked)
    _event(locked, InvoiceEvent.Action.VIEW, None, before=before, data={"opd": locked.buyer_opd})
    return locked


@transaction.atomic
def request_payment(invoice: Invoice | int, actor: Any, *, amount: Any = None) -> PaymentRequest:
    """The bill (QRIS, wallet) for `amount` of what is still open (default: all of it).

    One bill is open at a time: asking again for the same amount returns it, another amount
    cancels it and opens a new one, so two payers can never both pay the last remainder."""
    locked = _locked(invoice)
    if not may_see(actor, locked):
        raise NotFound(_("Faktur tidak ditemukan."))
    return _bill(locked, actor, amount)


@transaction.atomic
def request_payment_by_opd(invoice: Invoice, *, amount: Any = None) -> PaymentRequest:
    """The bill (QRIS) an OPD pays from the link of its route: the caller has found `invoice`
    by the route's token (routes.invoice_for_token); the payer has no account here."""
    locked = _locked(invoice)
    if not locked.buyer_opd:
        raise NotFound(_("Faktur tidak ditemukan."))
    return _bill(locked, None, amount)


def _bill(locked: Invoice, actor: Any, amount: Any) -> PaymentRequest:
    if locked.status not in workflow.OPEN:
        raise _refuse(locked.status, workflow.PAY_FULL)
    if locked.disputed:
        raise Conflict(_("Faktur sedang disengketakan; selesaikan dulu sebelum membayar."), code="disputed")
    wanted = locked.remaining if amount in (None, "") else _whole(amount, "amount", minimum=1)
    if wanted > locked.remaining:
        raise ValidationFailed(
            _("Paling banyak %(remaining)s (sisa tagihan).") % {"remaining": rupiah(locked.remaining)},
            code="over_remaining",
            field="amount",
        )
    current = locked.open_request
    if current is not None and current.status == PaymentRequest.Status.OPEN:
        if current.amount == wanted:
            return current
        payments.cancel_payment_request(current, actor=locked.shop.owner)
    elif current is not None and current.status == PaymentRequest.Status.PAID:
        # Paid but its event not yet recorded: record it first, then bill the new remainder.
        _apply_payment(locked, current)
        if locked.remaining == 0:
            raise Conflict(_("Faktur ini sudah lunas."), code="already_paid")
        wanted = min(wanted, locked.remaining)
    account = locked.shop.payment_account
    if account is None:
        raise Conflict(_("Toko belum punya rekening KotaKitaPay."), code="no_account")
    request = payments.create_payment_request(
        account,
        wanted,
        description=str(_("Faktur %(number)s") % {"number": locked.number}),
        reference=reference_of(locked),
        actor=actor if _signed_in(actor) else None,
    )
    locked.open_request = request
    locked.save(update_fields=["open_request"])
    _event(locked, InvoiceEvent.Action.REQUEST, actor, before=locked.status, amount=wanted, request=request)
    return request


def _apply_payment(locked: Invoice, request: PaymentRequest) -> bool:
    """Record the paid bill `request` on the locked invoice; False if it was recorded before."""
    if InvoiceEvent.objects.filter(payment_request=request, action__in=["payment", "late_payment"]).exists():
        return False
    if locked.open_request_id == request.pk:
        locked.open_request = None
    paid_at = request.paid_at or timezone.now()
    if locked.status == workflow.CANCELLED or locked.status == workflow.PAID:
        # A code paid after its invoice was cancelled or settled (a lost race with the gateway):
        # the money is in the shop's account; the seller refunds it from the bill.
        locked.save(update_fields=["open_request"])
        _event(
            locked, InvoiceEvent.Action.LATE_PAYMENT, None, before=locked.status, amount=request.amount, request=request
        )
        notify(
            [locked.shop.owner],
            event="invoicing.late_payment",
            title=_("Pembayaran masuk untuk faktur %(number)s") % {"number": locked.number},
            body=_("%(amount)s masuk setelah faktur %(status)s. Kembalikan dananya dari tagihan %(bill)s.")
            % {"amount": rupiah(request.amount), "status": locked.get_status_display(), "bill": request.bill_number},
            url=invoice_url(locked),
            key=f"invoice-{locked.pk}-late-{request.pk}",
        )
        return True
    locked.amount_paid += request.amount
    if locked.amount_paid >= locked.total:
        step = workflow.PAY_FULL
    elif locked.status == workflow.OVERDUE:
        step = workflow.PAY_PART_LATE
    else:
        step = workflow.PAY_PART
    before = _move(locked, step)
    if step is workflow.PAY_FULL:
        locked.paid_at = paid_at
        locked.next_reminder_on = None
    locked.save(update_fields=["amount_paid", "status", "paid_at", "next_reminder_on", "open_request"])
    routes.sync(locked)
    if step is workflow.PAY_FULL:
        _settle_source(locked, request)
    _event(
        locked,
        InvoiceEvent.Action.PAYMENT,
        request.paid_by,
        before=before,
        amount=request.amount,
        request=request,
        data={
            "method": request.paid_method,
            "bill": request.bill_number,
            "overpaid": max(locked.amount_paid - locked.total, 0),
        },
    )
    words = {"amount": rupiah(request.amount), "number": locked.number, "remaining": rupiah(locked.remaining)}
    notify(
        [locked.shop.owner, *buyer_recipients(locked)],
        event="invoicing.paid" if step is workflow.PAY_FULL else "invoicing.partly_paid",
        title=(_("Faktur %(number)s lunas") if step is workflow.PAY_FULL else _("Faktur %(number)s dibayar sebagian"))
        % words,
        body=(
            _("%(amount)s diterima. Faktur %(number)s lunas.")
            if step is workflow.PAY_FULL
            else _("%(amount)s diterima. Sisa tagihan %(remaining)s.")
        )
        % words,
        url=invoice_url(locked),
        key=f"invoice-{locked.pk}-paid-{request.pk}",
    )
    # Listeners (factoring: the lender is repaid first) act in this transaction, under this lock.
    events.dispatch_payment_recorded(
        events.PaymentRecorded(invoice_id=locked.pk, request_id=request.pk, amount=request.amount, paid_at=paid_at)
    )
    return True


@transaction.atomic
def record_payment(request_id: int) -> Invoice | None:
    """A bill "invoice:<number>" was paid (payments event, via a task): add it to the invoice.
    Idempotent per bill; the invoice row lock orders it against every other write."""
    request = PaymentRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != PaymentRequest.Status.PAID:
        return None
    kind, _sep, number = request.reference.partition(":")
    if kind != REFERENCE_KIND:
        return None
    pk = Invoice.objects.filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        logger.error("paid bill %s names invoice %s, which does not exist here", request.bill_number, number)
        return None
    locked = _locked(pk)
    _apply_payment(locked, request)
    return locked


# --- the seller's side ----------------------------------------------------------------------------


@transaction.atomic
def cancel(invoice: Invoice | int, actor: Any, *, reason: Any) -> Invoice:
    locked = _locked(invoice)
    _require_seller(actor, locked)
    why = _text(reason, "reason", max_length=2000, required=_("Alasan pembatalan wajib diisi."))
    events.check_cancel(locked.pk)  # a financed invoice is not cancelled (apps.factoring)
    if locked.amount_paid > 0:
        raise Conflict(
            _("Faktur yang sudah dibayar sebagian tidak bisa dibatalkan; kembalikan dananya dulu."),
            code="has_payments",
        )
    before = _move(locked, workflow.CANCEL)
    locked.status_reason = why
    locked.next_reminder_on = None
    request = locked.open_request
    locked.save(update_fields=["status", "status_reason", "next_reminder_on"])
    routes.sync(locked)
    if request is not None and request.status == PaymentRequest.Status.OPEN:
        payments.cancel_payment_request(request, actor=locked.shop.owner)
    _event(locked, InvoiceEvent.Action.CANCEL, actor, before=before, reason=why)
    notify(
        buyer_recipients(locked),
        event="invoicing.cancelled",
        title=_("Faktur %(number)s dibatalkan") % {"number": locked.number},
        body=_("Alasan: %(reason)s") % {"reason": why},
        url=invoice_url(locked),
        key=f"invoice-{locked.pk}-cancelled",
    )
    return locked


@transaction.atomic
def set_dispute(invoice: Invoice | int, actor: Any, *, disputed: bool, reason: Any = "") -> Invoice:
    """Open or close a dispute (buyer or seller), under the invoice's row lock: financing takes
    the same lock, so an invoice is never financed while disputed."""
    locked = _locked(invoice)
    if not may_see(actor, locked):
        raise NotFound(_("Faktur tidak ditemukan."))
    why = _text(reason, "reason", max_length=2000, required=_("Alasan wajib diisi.") if disputed else "")
    if locked.disputed == disputed:
        return locked
    if locked.status not in workflow.OPEN:
        raise _refuse(locked.status, workflow.CANCEL)
    locked.disputed = disputed
    locked.save(update_fields=["disputed"])
    routes.sync(locked)
    _event(locked, InvoiceEvent.Action.DISPUTE, actor, before=locked.status, reason=why, data={"disputed": disputed})
    return locked


# --- due dates: overdue and reminders (due work "invoices") ----------------------------------------


def next_due() -> datetime | None:
    """When this tenant's next invoice reminder is due (the due-work index and its repair)."""
    day = Invoice.objects.filter(status__in=workflow.OPEN, next_reminder_on__isnull=False).aggregate(
        m=Min("next_reminder_on")
    )["m"]
    return datetime.combine(day, REMIND_AT, tzinfo=JAKARTA) if day is not None else None


def remind_due(now: datetime | None = None) -> int:
    """Mark overdue and send every reminder due by today; returns reminders sent."""
    day = timezone.localtime(now or timezone.now(), JAKARTA).date()
    ids = list(
        Invoice.objects.filter(status__in=workflow.OPEN, next_reminder_on__lte=day)
        .order_by("next_reminder_on", "pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(_remind_one(pk, day) for pk in ids)


@transaction.atomic
def _remind_one(pk: int, day: date) -> int:
    locked = _locked(pk)
    if locked.status not in workflow.OPEN or locked.next_reminder_on is None or locked.next_reminder_on > day:
        return 0
    if day > locked.due_date and locked.status in workflow.MARK_OVERDUE.sources:
        before = _move(locked, workflow.MARK_OVERDUE)
        _event(locked, InvoiceEvent.Action.OVERDUE, None, before=before)
    days = rules.reminder_days(locked.due_date)
    locked.reminders_sent = sum(1 for d in days if d <= day)
    locked.next_reminder_on = rules.next_reminder(locked.due_date, locked.reminders_sent)
    locked.save(update_fields=["status", "reminders_sent", "next_reminder_on"])
    routes.sync(locked)
    late = rules.days_overdue(locked.due_date, day)
    words = {
        "number": locked.number,
        "shop": locked.shop.name,
        "remaining": rupiah(locked.remaining),
        "due": date_format(locked.due_date, "DATE_FORMAT"),
        "days": late,
    }
    if late:
        title = _("Faktur %(number)s lewat jatuh tempo") % words
        body = _("Sisa %(remaining)s dari %(shop)s jatuh tempo %(due)s (%(days)s hari yang lalu).") % words
    else:
        title = _("Faktur %(number)s segera jatuh tempo") % words
        body = _("Sisa %(remaining)s dari %(shop)s jatuh tempo %(due)s.") % words
    recipients = buyer_recipients(locked) + ([locked.shop.owner] if late else [])
    notify(
        recipients,
        event="invoicing.reminder",
        title=title,
        body=body,
        url=invoice_url(locked),
        key=f"invoice-{locked.pk}-reminder-{locked.reminders_sent}",
    )
    _event(locked, InvoiceEvent.Action.REMINDER, None, before=locked.status, data={"n": locked.reminders_sent})
    return 1
