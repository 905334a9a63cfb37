"""Issue an invoice by hand (or for a source document: `sources`): clean its lines, number it
per shop and year, route it to an OPD of the kota, schedule its reminders, tell the buyer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.core.money import rupiah
from apps.core.sequences import next_number
from apps.marketplace.models import Shop
from apps.notifications.services import notify

from .. import routes, rules
from ..models import Invoice, InvoiceEvent, InvoiceLine
from ._common import (
    INVOICE_COUNTER,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TOTAL,
    _event,
    _schedule_reminder,
    _text,
    _whole,
    buyer_recipients,
    invoice_url,
    today,
)


def _first_reminder(due: date, issued: date) -> tuple[int, date | None]:
    """Reminders whose day is before the issue date are not sent (a short-term invoice)."""
    days = rules.reminder_days(due)
    skipped = sum(1 for day in days if day <= issued)
    return skipped, rules.next_reminder(due, skipped)


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
