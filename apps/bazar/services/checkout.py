"""ArisanGo vouchers at the pasar's checkout (plugged into `marketplace.events.provide_vouchers`).

The buyer picks one of their own active vouchers; it pays each shop's order up to what is left
on it (the rest is paid as usual: wallet, QRIS or cash). Every step is one ledger movement:

    pay         voucher account -> the shop's sales account   (key: voucher + order reference)
    give back   the shop's sales account -> the voucher account (order cancelled, expired or refunded)
                and on to the holder's wallet when the voucher has expired meanwhile

Refund rule (shown on the voucher page): the voucher part of a pasar order that is cancelled,
expires unpaid or is refunded goes back onto the voucher, which is active again until its date;
after that date it goes to the holder's wallet, as an expired voucher's rest does.
All of it runs inside the checkout's (or the cancellation's) transaction, with the voucher row
locked first, so two checkouts racing for the last rupiah of one voucher take it once.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, NotFound
from apps.core.money import rupiah
from apps.marketplace.events import VoucherOption
from apps.notifications.services import notify
from apps.payments import services as pay
from apps.payments.models import JournalEntry

from ..models import Voucher
from .vouchers import clean_code, expire_voucher


def options(buyer: Any) -> list[VoucherOption]:
    """The buyer's vouchers usable now, the one expiring first first (one query)."""
    if not getattr(buyer, "pk", None):
        return []
    found = Voucher.objects.filter(
        holder_id=buyer.pk, status=Voucher.Status.ACTIVE, remaining__gt=0, expires_on__gte=timezone.localdate()
    ).order_by("expires_on", "pk")[:20]
    return [
        VoucherOption(
            code=v.code,
            remaining=v.remaining,
            expires_on=v.expires_on,
            label=str(_("Voucher UMKM %(code)s · sisa %(rest)s") % {"code": v.code, "rest": rupiah(v.remaining)}),
        )
        for v in found
    ]


def _key(voucher: Voucher, reference: str, step: str) -> str:
    return f"bazar:voucher:{voucher.pk}:{step}:{reference}"[:200]


@transaction.atomic
def redeem_for_order(code: str, shop: Any, amount: int, buyer: Any, reference: str) -> int:
    """Take up to `amount` of the buyer's voucher `code` for the order `reference` at `shop`:
    the rupiah taken (0 when the voucher is used up). Someone else's code is 404 (as an unknown
    one: a code guessed is not confirmed); expired 409; an inactive shop 409."""
    voucher = Voucher.objects.select_for_update().filter(code=clean_code(code)).first()
    if voucher is None or voucher.holder_id != getattr(buyer, "pk", None):
        raise NotFound(_("Voucher tidak ditemukan di akun Anda."), code="voucher_not_found", field="voucher")
    key = _key(voucher, reference, "order")
    existing = JournalEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:  # the same order again: what it took the first time
        return int(existing.amount)
    if not shop.is_active:
        raise Conflict(_("Toko ini tidak aktif."), code="shop_inactive")
    if voucher.status == Voucher.Status.USED:
        return 0
    if voucher.status != Voucher.Status.ACTIVE or voucher.expires_on < timezone.localdate():
        raise Conflict(_("Voucher ini sudah tidak berlaku."), code="voucher_closed", field="voucher")
    take = min(int(amount), voucher.remaining)
    if take <= 0:
        return 0
    merchant = shop.payment_account
    if merchant is None:  # pragma: no cover - checkout opens it before asking
        raise Conflict(_("Toko ini belum bisa menerima pembayaran."), code="shop_no_account")
    pay.move(
        voucher.account,
        merchant,
        take,
        idempotency_key=key,
        reference=reference[:100],
        memo=str(_("Voucher %(code)s di %(shop)s") % {"code": voucher.code, "shop": shop.name}),
        actor=buyer,
    )
    voucher.remaining -= take
    fields = ["remaining"]
    if voucher.remaining == 0:
        voucher.status, voucher.closed_at = Voucher.Status.USED, timezone.now()
        fields += ["status", "closed_at"]
    voucher.save(update_fields=fields)
    return take


@transaction.atomic
def give_back_for_order(code: str, shop: Any, amount: int, reference: str) -> str:
    """The voucher part of a cancelled, expired or refunded order goes back (once per order):
    onto the voucher (active again) before its date, to the holder's wallet after it."""
    voucher = Voucher.objects.select_for_update().select_related("holder").filter(code=clean_code(code)).first()
    if voucher is None or amount <= 0:
        return ""
    key = _key(voucher, reference, "return")
    if JournalEntry.objects.filter(idempotency_key=key).exists():
        return ""
    merchant = shop.payment_account
    assert merchant is not None  # it received the voucher part
    pay.move(
        merchant,
        voucher.account,
        amount,
        idempotency_key=key,
        reference=reference[:100],
        memo=str(_("Voucher %(code)s dikembalikan oleh %(shop)s") % {"code": voucher.code, "shop": shop.name}),
    )
    if voucher.expires_on < timezone.localdate():  # past its date: on to the holder's wallet
        if voucher.status == Voucher.Status.ACTIVE:  # not swept yet: the daily expiry, now
            voucher.remaining += amount
            voucher.save(update_fields=["remaining"])
            expire_voucher(voucher)
        else:
            pay.move(
                voucher.account,
                pay.ensure_wallet(voucher.holder),
                amount,
                idempotency_key=_key(voucher, reference, "return-wallet"),
                reference=reference[:100],
                memo=str(_("Sisa voucher %(code)s kembali ke dompet") % {"code": voucher.code}),
            )
        message = _("%(amount)s dari voucher %(code)s dikembalikan ke dompet pembeli (voucher sudah kedaluwarsa).")
    else:
        voucher.remaining += amount
        voucher.status, voucher.closed_at = Voucher.Status.ACTIVE, None
        voucher.save(update_fields=["remaining", "status", "closed_at"])
        message = _("%(amount)s dikembalikan ke voucher %(code)s.")
    text = str(message % {"amount": rupiah(amount), "code": voucher.code})
    notify(
        [voucher.holder],
        event="bazar.voucher_returned",
        title=str(_("Voucher %(code)s dikembalikan") % {"code": voucher.code}),
        body=text,
        url="/bazar/voucher/",
        key=f"bazar-voucher-{voucher.pk}-return-{reference}"[:200],
    )
    return text
