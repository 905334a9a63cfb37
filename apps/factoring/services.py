"""Every write of invoice financing: accept an offer (advance disbursed), settle from a buyer's
payment, default and recourse. Each one is atomic, idempotent and takes the invoice's row lock
first (the lock invoicing's dispute and payment recording take), then the financing's.

Ledger (apps.payments.move only), for a financing of lender L on an invoice of shop S:

* accept:  L's factoring receivable → seller's wallet                      the advance
* payment: S's shop account → L's receivable (advance still out), then S's shop account →
           L's income (the fee); the rest stays in the shop account (the seller's)
* default: seller's wallet → L's receivable, as much of the advance still out as the wallet
           holds; the rest stays receivable (a later buyer payment still repays it).

So L's receivable is minus the advances still out, and buyer payments = principal back + fees
+ what the seller kept. The buyer's payment lands in the shop account first (the invoice bill's
payee) and is split in the same transaction that records it (apps.invoicing.events).
"""

from __future__ import annotations

import datetime as dt
import logging
from datetime import datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.invoicing import events as invoice_events
from apps.invoicing import services as invoicing
from apps.invoicing.models import Invoice, InvoiceEvent
from apps.lending.models import Lender, LoanEvent
from apps.notifications.services import notify
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind
from apps.tenancy.due_work import Kind, schedule_due

from . import pricing, selectors
from .models import FactoringProduct, FeeBasis, Financing, Status

logger = logging.getLogger(__name__)
JAKARTA = selectors.JAKARTA
CHECK_AT = time(8, 0)  # the default check runs in the morning, local time
# InvoiceEvent actions written by factoring (plain values: no invoicing migration needed).
FINANCED = "financed"
FIN_PAYMENT = "fin_payment"
FIN_DEFAULT = "fin_default"
FIN_RECOURSE = "fin_recourse"


def financing_url(invoice_id: int) -> str:
    return f"/pembiayaan/faktur/{invoice_id}/"


def receivable_account(lender: Lender) -> Account:
    return payments.open_account(
        AccountKind.FACTORING_RECEIVABLE,
        name=str(_("Piutang anjak piutang %(name)s") % {"name": lender.name}),
        code=f"factoring:{lender.pk}:receivable",
    )


def _lock_invoice(invoice_id: int) -> Invoice:
    found = Invoice.objects.select_for_update(of=("self",)).select_related("shop").filter(pk=invoice_id).first()
    if found is None:
        raise NotFound(_("Faktur tidak ditemukan."))
    return found


def _lock_financing(invoice_id: int) -> Financing | None:
    return (
        Financing.objects.select_for_update(of=("self",))
        .select_related("product__lender")
        .filter(invoice_id=invoice_id)
        .first()
    )


def _officers(lender: Lender) -> list[User]:
    return list(lender.officers.filter(is_active=True).order_by("pk"))


def _schedule_default_check(financing: Financing) -> None:
    day = financing.default_on + dt.timedelta(days=1)
    schedule_due(Kind.FACTORING, datetime.combine(day, CHECK_AT, tzinfo=JAKARTA))


def _local_day(moment: datetime) -> dt.date:
    return timezone.localtime(moment, JAKARTA).date()


def _fix_fee(financing: Financing, on: dt.date) -> None:
    if financing.fee_fixed:
        return
    days = (on - _local_day(financing.accepted_at)).days
    financing.fee = pricing.fee_of(
        financing.fee_basis,
        face=financing.face,
        advance=financing.advance,
        fee_bp=financing.fee_bp,
        days=days,
    )
    financing.fee_fixed = True


def _settle_status(financing: Financing) -> None:
    if financing.outstanding == 0 and financing.fee_fixed and financing.fee_paid >= financing.fee:
        financing.status = Status.SETTLED
        financing.settled_at = financing.settled_at or timezone.now()
    elif financing.outstanding == 0 and financing.status == Status.DEFAULTED:
        financing.status = Status.RECOURSE


# --- accept ----------------------------------------------------------------------------------------


@transaction.atomic
def do_accept_financing(invoice_id: int, actor: Any, *, product_id: Any) -> Financing:
    """The seller accepts `product_id`'s offer on the invoice: the financing row and the advance
    into their wallet, in one transaction under the invoice lock. Idempotent: accepting the
    same product again returns the financing; any other second financing is refused (409)."""
    invoice = _lock_invoice(int(invoice_id))
    if not invoicing.is_seller(actor, invoice):
        raise Forbidden(_("Hanya pemilik toko penerbit faktur yang bisa mengajukan pembiayaan."), code="not_seller")
    product = (
        FactoringProduct.objects.select_for_update(of=("self",))
        .select_related("lender")
        .filter(pk=_int(product_id), is_active=True, lender__is_active=True)
        .first()
    )
    if product is None:
        raise NotFound(_("Produk pembiayaan tidak ditemukan."))
    existing = Financing.objects.filter(invoice=invoice).first()
    if existing is not None:
        if existing.product_id == product.pk:
            return existing
        raise Conflict(_("Faktur ini sudah dibiayai."), code="already_financed")
    if invoice.disputed:
        raise Conflict(_("Faktur sedang disengketakan: tidak bisa dibiayai."), code="disputed")
    if not invoice.is_open or invoice.remaining <= 0:
        raise Conflict(_("Hanya faktur yang masih terbuka yang bisa dibiayai."), code="not_open")
    day = selectors.today()
    band = selectors.band_of(invoice.shop.owner_id)
    days_to_pay = selectors.buyer_days_to_pay(invoice)
    offer = selectors.offer_for(invoice, product, band=band, days_to_pay=days_to_pay, on=day)
    if not offer.available:
        raise Conflict(offer.reason, code="no_offer")
    try:
        with transaction.atomic():
            financing = Financing.objects.create(
                invoice=invoice,
                product=product,
                seller=invoice.shop.owner,
                buyer_key=selectors.buyer_key(invoice),
                buyer_name=invoice.buyer_name,
                face=offer.face,
                advance_percent=offer.advance_percent,
                advance=offer.advance,
                fee_basis=product.fee_basis,
                fee_bp=offer.fee_bp,
                score_band=band or "",
                buyer_days_to_pay=round(days_to_pay) if days_to_pay is not None else None,
                accepted_at=timezone.now(),
                default_on=invoice.due_date + dt.timedelta(days=product.grace_days),
            )
    except IntegrityError as exc:  # the invoice lock makes this unreachable; the constraint is the net
        raise Conflict(_("Faktur ini sudah dibiayai."), code="already_financed") from exc
    if financing.fee_basis == "flat":
        _fix_fee(financing, day)
        financing.save(update_fields=["fee", "fee_fixed"])
    payments.move(
        receivable_account(product.lender),
        payments.ensure_wallet(invoice.shop.owner),
        financing.advance,
        idempotency_key=f"factoring:{financing.pk}:advance",
        reference=f"factoring:{invoice.number}",
        memo=str(
            _("Uang muka faktur %(number)s dari %(lender)s") % {"number": invoice.number, "lender": product.lender}
        ),
        actor=actor,
    )
    InvoiceEvent.record(
        actor=actor,
        invoice=invoice,
        action=FINANCED,
        from_status=invoice.status,
        to_status=invoice.status,
        amount=financing.advance,
        data={"lender": product.lender.name, "product": product.name, "fee_bp": financing.fee_bp},
    )
    words = {
        "number": invoice.number,
        "lender": product.lender.name,
        "advance": rupiah(financing.advance),
        "due": date_format(invoice.due_date, "DATE_FORMAT"),
    }
    notify(
        invoicing.buyer_recipients(invoice),
        event="factoring.assigned",
        title=_("Faktur %(number)s dialihkan ke %(lender)s") % words,
        body=_(
            "Pembayaran faktur %(number)s (jatuh tempo %(due)s) kini untuk %(lender)s. Tetap bayar dari "
            "halaman faktur di KotaKita: dananya diteruskan ke %(lender)s."
        )
        % words,
        url=invoicing.invoice_url(invoice),
        key=f"factoring-{financing.pk}-assigned",
    )
    invoicing.notify_opd_buyer(
        invoice,
        event="factoring.assigned",
        title=_("Faktur %(number)s dialihkan ke %(lender)s") % words,
        body=_("Pembayaran faktur %(number)s (jatuh tempo %(due)s) kini untuk %(lender)s.") % words,
        key=f"factoring-{financing.pk}-assigned",
    )
    notify(
        [invoice.shop.owner, *_officers(product.lender)],
        event="factoring.disbursed",
        title=_("Uang muka faktur %(number)s cair") % words,
        body=_("%(advance)s dari %(lender)s masuk ke dompet.") % words,
        url=financing_url(invoice.pk),
        key=f"factoring-{financing.pk}-disbursed",
    )
    _schedule_default_check(financing)
    return financing


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise NotFound(_("Produk pembiayaan tidak ditemukan.")) from None


# --- a buyer's payment --------------------------------------------------------------------------------


def _collection_split(financing: Financing, event: invoice_events.PaymentRecorded) -> tuple[pricing.Collection, int]:
    """How the buyer's gross payment is shared, and the MDR the platform gives back.

    The lender's share is computed on the **gross** amount the buyer paid (principal still out
    first, then the fee: `pricing.collection_split`): the platform's MDR on the payment is a fee
    of collecting it, charged to the seller's remainder. When that remainder is smaller than the
    MDR, the excess is given back to the shop account out of this payment's MDR (which the
    platform fee account received with it), so the lender is never short and no account goes
    negative. Nothing is written here."""
    fee_total = financing.fee
    if not financing.fee_fixed and event.amount >= financing.outstanding:
        days = (_local_day(event.paid_at) - _local_day(financing.accepted_at)).days
        fee_total = pricing.fee_of(
            financing.fee_basis, face=financing.face, advance=financing.advance, fee_bp=financing.fee_bp, days=days
        )
    split = pricing.collection_split(
        event.amount,
        outstanding=financing.outstanding,
        fee_due=fee_total - financing.fee_paid,
        mdr=selectors.mdr_of(event.request_id),
    )
    if split.rebate <= 0:
        return split, 0
    platform = Account.objects.get(pk=payments.platform_fee_account().pk).balance
    return split, min(split.rebate, max(platform, 0))


@transaction.atomic
def do_settle_from_payment(event: invoice_events.PaymentRecorded) -> Financing | None:
    """Share one recorded invoice payment: the lender's advance first, then its fee, the rest is
    the seller's. Runs inside invoicing's recording transaction (the invoice is locked there;
    locking it again here is a no-op) and is idempotent per paid bill."""
    invoice = _lock_invoice(event.invoice_id)
    financing = _lock_financing(invoice.pk)
    if financing is None or financing.status == Status.SETTLED:
        return financing
    if InvoiceEvent.objects.filter(
        invoice=invoice, action=FIN_PAYMENT, data__payment_request=event.request_id
    ).exists():
        return financing
    lender = financing.product.lender
    shop_account = invoice.shop.payment_account
    if shop_account is None:
        return financing
    split, rebate = _collection_split(financing, event)
    reference = f"factoring:{invoice.number}"
    if rebate:
        payments.move(
            payments.platform_fee_account(),
            shop_account,
            rebate,
            idempotency_key=f"factoring:{financing.pk}:pay:{event.request_id}:mdr",
            reference=reference,
            memo=str(_("Biaya layanan di atas bagian penjual, faktur %(number)s") % {"number": invoice.number}),
        )
    # The shop account holds the payment net of the MDR (plus the rebate); should the seller
    # have paid it out in the meantime, the lender takes what is there and the rest stays owed.
    available = Account.objects.get(pk=shop_account.pk).balance
    principal = min(split.principal, available)
    financing.repaid += principal
    if financing.outstanding == 0:
        _fix_fee(financing, _local_day(event.paid_at))
    fee = min(split.fee, available - principal, financing.fee_due) if financing.fee_fixed else 0
    financing.fee_paid += fee
    if principal:
        payments.move(
            shop_account,
            receivable_account(lender),
            principal,
            idempotency_key=f"factoring:{financing.pk}:pay:{event.request_id}:principal",
            reference=reference,
            memo=str(_("Pelunasan uang muka faktur %(number)s") % {"number": invoice.number}),
        )
    if fee:
        payments.move(
            shop_account,
            lender.income_account,
            fee,
            idempotency_key=f"factoring:{financing.pk}:pay:{event.request_id}:fee",
            reference=reference,
            memo=str(_("Biaya pembiayaan faktur %(number)s") % {"number": invoice.number}),
        )
    before = financing.status
    _settle_status(financing)
    financing.save(update_fields=["repaid", "fee", "fee_fixed", "fee_paid", "status", "settled_at"])
    InvoiceEvent.record(
        actor=None,
        invoice=invoice,
        action=FIN_PAYMENT,
        from_status=invoice.status,
        to_status=invoice.status,
        amount=principal + fee,
        # The bill goes in data, not ref_id: ref_id is the invoice's own once-per-bill payment row.
        data={
            "payment_request": event.request_id,
            "principal": principal,
            "fee": fee,
            "mdr": split.mdr - rebate,
            "mdr_rebate": rebate,
            "seller": max(event.amount - principal - fee - (split.mdr - rebate), 0),
        },
    )
    if financing.status == Status.SETTLED and before != Status.SETTLED:
        words = {"number": invoice.number, "lender": lender.name}
        notify(
            [invoice.shop.owner, *_officers(lender)],
            event="factoring.settled",
            title=_("Pembiayaan faktur %(number)s lunas") % words,
            body=_("%(lender)s sudah menerima uang muka dan biayanya; sisa pembayaran untuk toko.") % words,
            url=financing_url(invoice.pk),
            key=f"factoring-{financing.pk}-settled",
        )
    return financing


# --- default and recourse -------------------------------------------------------------------------------


def is_officer(user: Any, financing: Financing) -> bool:
    return selectors.officer_lenders(user).filter(pk=financing.product.lender_id).exists()


@transaction.atomic
def do_mark_default(invoice_id: int, actor: Any = None, *, on: dt.date | None = None) -> Financing:
    """The buyer has not paid by the invoice's due date + the product's grace days: the financing
    defaults and the advance still out is taken back from the seller's wallet, as much as it
    holds (the rest stays receivable; calling again takes more once there is more). By the
    lender's officer (actor) or the daily check (actor None). Idempotent."""
    invoice = _lock_invoice(int(invoice_id))
    financing = _lock_financing(invoice.pk)
    if financing is None:
        raise NotFound(_("Pembiayaan tidak ditemukan."))
    if actor is not None and not is_officer(actor, financing):
        raise NotFound(_("Pembiayaan tidak ditemukan."))
    day = on or selectors.today()
    if financing.status not in (Status.DISBURSED, Status.DEFAULTED):
        return financing
    if day <= financing.default_on:
        raise Conflict(
            _("Belum gagal bayar: batasnya %(day)s.") % {"day": date_format(financing.default_on, "DATE_FORMAT")},
            code="not_due",
        )
    first = financing.status == Status.DISBURSED
    if first:
        financing.status = Status.DEFAULTED
        financing.defaulted_at = timezone.now()
        _fix_fee(financing, day)
    take = _take_recourse(financing, invoice, actor, limit=financing.outstanding)
    if not first and take == 0:
        return financing
    _settle_status(financing)
    financing.save(update_fields=["status", "defaulted_at", "fee", "fee_fixed", "recourse", "settled_at"])
    _recourse_recorded(financing, invoice, actor, take, action=FIN_DEFAULT)
    return financing


def _take_recourse(financing: Financing, invoice: Invoice, actor: Any, *, limit: int) -> int:
    """Move up to `limit` of the advance still out from the seller's wallet into the lender's
    receivable, as much as the wallet holds; returns what was taken (the caller saves)."""
    wallet = payments.ensure_wallet(invoice.shop.owner)
    take = min(Account.objects.get(pk=wallet.pk).balance, financing.outstanding, limit)
    if take <= 0:
        return 0
    financing.recourse += take
    payments.move(
        wallet,
        receivable_account(financing.product.lender),
        take,
        idempotency_key=f"factoring:{financing.pk}:recourse:{financing.recourse}",
        reference=f"factoring:{invoice.number}",
        memo=str(_("Regres pembiayaan faktur %(number)s") % {"number": invoice.number}),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return take


def _recourse_recorded(financing: Financing, invoice: Invoice, actor: Any, take: int, *, action: str) -> None:
    InvoiceEvent.record(
        actor=actor,
        invoice=invoice,
        action=action,
        from_status=invoice.status,
        to_status=invoice.status,
        amount=take,
        data={"recourse": take, "outstanding": financing.outstanding},
    )
    words = {"number": invoice.number, "taken": rupiah(take), "left": rupiah(financing.outstanding)}
    if action == FIN_DEFAULT:
        title = _("Pembiayaan faktur %(number)s gagal bayar") % words
        body = _("Pembeli belum membayar. %(taken)s diambil dari dompet penjual; sisa uang muka %(left)s.") % words
    else:
        title = _("Regres pembiayaan faktur %(number)s") % words
        body = _("%(taken)s diambil dari dompet penjual; sisa uang muka %(left)s.") % words
    notify(
        [invoice.shop.owner, *_officers(financing.product.lender)],
        event="factoring.defaulted" if action == FIN_DEFAULT else "factoring.recourse",
        title=title,
        body=body,
        url=financing_url(invoice.pk),
        key=f"factoring-{financing.pk}-{'default' if action == FIN_DEFAULT else 'recourse'}-{financing.recourse}",
    )


@transaction.atomic
def do_take_recourse(invoice_id: int, actor: Any, *, amount: int | None = None) -> tuple[Financing, int]:
    """The lender's officer records recourse on a defaulted financing: up to `amount` (default
    all of the advance still out) from the seller's wallet into the lender's receivable, as much
    as the wallet holds. Refused (409) unless the financing is defaulted and something can be
    taken; another lender's financing is a 404. Returns the financing and what was taken."""
    invoice = _lock_invoice(int(invoice_id))
    financing = _lock_financing(invoice.pk)
    if financing is None or not is_officer(actor, financing):
        raise NotFound(_("Pembiayaan tidak ditemukan."))
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        raise ValidationFailed(_("Jumlah regres harus bilangan bulat positif."), code="invalid_amount", field="amount")
    if financing.status != Status.DEFAULTED:
        raise Conflict(_("Regres hanya untuk pembiayaan yang gagal bayar."), code="not_defaulted")
    take = _take_recourse(financing, invoice, actor, limit=amount or financing.outstanding)
    if take == 0:
        raise Conflict(_("Dompet penjual kosong: belum ada yang bisa diambil."), code="nothing_to_take")
    _settle_status(financing)
    financing.save(update_fields=["recourse", "status", "settled_at"])
    _recourse_recorded(financing, invoice, actor, take, action=FIN_RECOURSE)
    return financing, take


# --- the lender's product terms -------------------------------------------------------------------------

# Upper bounds a lender may set: 20% of the face once, or 0,5% of the advance per day.
MAX_FEE_BP = {"flat": 2_000, "per_day": 50}
MAX_LIMIT = 100_000_000_000  # Rp100 miliar per UMKM or per buyer
MAX_GRACE_DAYS = 180
TERM_FIELDS = ("advance_percent", "fee_basis", "fee_bp", "limit_per_seller", "limit_per_buyer", "grace_days")


def _whole(value: Any, field: str, low: int, high: int, message: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(message, code="out_of_range", field=field)
    return value


def _clean_terms(terms: dict[str, Any]) -> dict[str, Any]:
    basis = terms["fee_basis"]
    if basis not in FeeBasis.values:
        raise ValidationFailed(_("Dasar biaya harus flat atau per_day."), code="invalid_basis", field="fee_basis")
    low = pricing.MIN_ADVANCE_PERCENT
    return {
        "advance_percent": _whole(
            terms["advance_percent"],
            "advance_percent",
            low,
            100,
            _("Uang muka harus antara %(low)s%% dan 100%% dari nilai faktur.") % {"low": low},
        ),
        "fee_basis": basis,
        "fee_bp": _whole(
            terms["fee_bp"],
            "fee_bp",
            0,
            MAX_FEE_BP[basis],
            _("Biaya paling tinggi %(max)s basis poin untuk dasar biaya ini.") % {"max": MAX_FEE_BP[basis]},
        ),
        "limit_per_seller": _whole(
            terms["limit_per_seller"],
            "limit_per_seller",
            1,
            MAX_LIMIT,
            _("Batas per UMKM harus lebih dari Rp0 dan paling banyak Rp100 miliar."),
        ),
        "limit_per_buyer": _whole(
            terms["limit_per_buyer"],
            "limit_per_buyer",
            1,
            MAX_LIMIT,
            _("Batas per pembeli harus lebih dari Rp0 dan paling banyak Rp100 miliar."),
        ),
        "grace_days": _whole(
            terms["grace_days"],
            "grace_days",
            0,
            MAX_GRACE_DAYS,
            _("Toleransi harus antara 0 dan %(max)s hari.") % {"max": MAX_GRACE_DAYS},
        ),
    }


def _require_officer(actor: Any, lender: Lender) -> None:
    if not selectors.officer_lenders(actor).filter(pk=lender.pk).exists():
        raise Forbidden(_("Hanya petugas %(lender)s yang boleh melakukan ini.") % {"lender": lender.name})


def _terms_recorded(product: FactoringProduct, actor: Any, kind: str, message: str) -> None:
    LoanEvent.record(
        lender=product.lender,
        kind=kind,
        message=message[:255],
        actor=actor,
        data={"factoring_product": product.pk, **{name: getattr(product, name) for name in TERM_FIELDS}},
    )


@transaction.atomic
def do_create_product(
    lender: Lender, actor: Any, *, name: str, is_active: bool = True, **terms: Any
) -> FactoringProduct:
    """A lender's officer offers a new factoring product (audit row in the lender's timeline).
    Terms are checked by `_clean_terms`; a name the lender already uses is a 409."""
    _require_officer(actor, lender)
    clean_name = " ".join(str(name or "").split())[:120]
    if not clean_name:
        raise ValidationFailed(_("Nama produk wajib diisi."), code="name_required", field="name")
    values = _clean_terms({"fee_basis": "flat", "grace_days": 30, **terms})
    Lender.objects.select_for_update().filter(pk=lender.pk).first()  # one creation per lender at a time
    if FactoringProduct.objects.filter(lender=lender, name=clean_name).exists():
        raise Conflict(_("Produk dengan nama ini sudah ada."), code="product_exists", field="name")
    product = FactoringProduct.objects.create(lender=lender, name=clean_name, is_active=bool(is_active), **values)
    _terms_recorded(
        product, actor, "factoring_product", _("Produk anjak piutang %(name)s dibuat.") % {"name": clean_name}
    )
    return product


@transaction.atomic
def do_set_product_terms(product_id: int, actor: Any, **changes: Any) -> FactoringProduct:
    """Change a product's terms (any of TERM_FIELDS and is_active). Only new offers use them:
    every financing keeps the terms it was accepted on. Another lender's product is a 404."""
    product = (
        FactoringProduct.objects.select_for_update(of=("self",)).select_related("lender").filter(pk=product_id).first()
    )
    if product is None or not selectors.officer_lenders(actor).filter(pk=product.lender_id).exists():
        raise NotFound(_("Produk pembiayaan tidak ditemukan."))
    unknown = set(changes) - {*TERM_FIELDS, "is_active"}
    if unknown:
        raise ValidationFailed(_("Kolom tidak dikenal."), code="invalid", field=sorted(unknown)[0])
    merged = {name: changes.get(name, getattr(product, name)) for name in TERM_FIELDS}
    for name, value in _clean_terms(merged).items():
        setattr(product, name, value)
    if "is_active" in changes:
        product.is_active = bool(changes["is_active"])
    product.save(update_fields=[*TERM_FIELDS, "is_active"])
    _terms_recorded(
        product, actor, "factoring_terms", _("Syarat produk anjak piutang %(name)s diubah.") % {"name": product.name}
    )
    return product


def next_due() -> datetime | None:
    """When this tenant's next default check is due (due-work kind "factoring")."""
    first = (
        Financing.objects.filter(status=Status.DISBURSED)
        .order_by("default_on")
        .values_list("default_on", flat=True)
        .first()
    )
    if first is None:
        return None
    return datetime.combine(first + dt.timedelta(days=1), CHECK_AT, tzinfo=JAKARTA)


def check_defaults(on: dt.date | None = None) -> int:
    """Default every financing past its invoice's due date + grace (the daily check)."""
    day = on or selectors.today()
    ids = list(
        Financing.objects.filter(status=Status.DISBURSED, default_on__lt=day)
        .order_by("default_on", "pk")
        .values_list("invoice_id", flat=True)[:500]
    )
    for invoice_id in ids:
        do_mark_default(invoice_id, None, on=day)
    return len(ids)
