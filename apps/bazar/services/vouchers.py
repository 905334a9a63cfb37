"""ArisanGo vouchers: an arisan round's payout taken as a UMKM voucher, spent at local shops.

The money (every step one balanced ledger entry through apps.payments' `move`):

    payout      arisan pool  -> the voucher's own account   (community's `pay_out`, into it)
    redemption  voucher acct -> the shop's sales account    (partial allowed, up to the rest)
    expiry      voucher acct -> the holder's wallet          (the rest, after `expires_on`)

So the voucher's account balance is always its `remaining` (checked under the same locks), the
sum of voucher accounts is what all open vouchers still promise, and no account goes negative
(the ledger refuses an overdraft). Each redemption is idempotent on the caller's key (the
ledger's idempotency key); the voucher row is locked first, then the ledger locks the accounts,
so two redemptions of one voucher run one after the other and the second sees the first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.community import services as community
from apps.community.models import ArisanRound
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.marketplace import services as marketplace
from apps.marketplace.models import Shop
from apps.notifications.services import notify
from apps.payments import services as pay
from apps.payments.models import AccountKind, JournalEntry

from ..models import Voucher

DEFAULT_VALIDITY_DAYS = 90
# No 0/O, 1/I/L: a code read aloud or typed from paper is not misread.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(code: object) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:16]


@transaction.atomic
def pay_out_as_voucher(round_: ArisanRound, *, actor: User | None, expires_on: date | None = None) -> Voucher:
    """Pay an arisan round out as one voucher of the round's amount to its winner (the group's
    organiser decides, as for a cash payout; community's rules apply: every member paid, earlier
    rounds paid out). `actor=None`: community's scheduled payout of a round flagged "pay as
    voucher" (`community.services.choose_payout`). Again for the same round: the voucher made
    the first time."""
    existing = Voucher.objects.filter(round_id=round_.pk).first()
    if existing is not None:
        return existing
    round_ = ArisanRound.objects.select_related("group", "winner__user").get(pk=round_.pk)
    if round_.status == ArisanRound.Status.PAID_OUT:
        raise Conflict(_("Putaran ini sudah dibayarkan tunai."), code="already_paid_out")
    today = timezone.localdate()
    expires_on = expires_on or today + timedelta(days=DEFAULT_VALIDITY_DAYS)
    if expires_on <= today:
        raise ValidationFailed(
            _("Tanggal berlaku voucher harus setelah hari ini."), code="bad_expiry", field="expires_on"
        )
    holder = round_.winner.user
    code = new_code()
    account = pay.open_account(
        AccountKind.VOUCHER, name=str(_("Voucher UMKM %(code)s") % {"code": code}), code=f"bazar:voucher:{code}"
    )
    try:
        with transaction.atomic():
            voucher = Voucher.objects.create(
                code=code,
                holder=holder,
                round=round_,
                account=account,
                value=round_.amount,
                remaining=round_.amount,
                expires_on=expires_on,
            )
    except IntegrityError:  # the same round raced us and committed first
        return Voucher.objects.get(round_id=round_.pk)
    community.pay_out(
        round_,
        actor=actor,
        into=account,
        notice=str(
            _("Voucher UMKM %(code)s senilai %(amount)s, berlaku sampai %(date)s di toko-toko pasar kelurahan.")
            % {"code": code, "amount": rupiah(round_.amount), "date": expires_on.isoformat()}
        ),
    )
    account.refresh_from_db(fields=["balance"])
    if account.balance != voucher.remaining:  # paid out in cash by the scheduled job meanwhile
        raise Conflict(_("Putaran ini sudah dibayarkan tunai."), code="already_paid_out")
    return voucher


@dataclass(frozen=True)
class Redemption:
    voucher: Voucher
    entry: JournalEntry
    replayed: bool


def _locked(code: str) -> Voucher:
    voucher = Voucher.objects.select_for_update().filter(code=clean_code(code)).first()
    if voucher is None:
        raise NotFound(_("Kode voucher tidak ditemukan."), code="voucher_not_found")
    return voucher


@transaction.atomic
def redeem_voucher(code: str, shop: Shop, amount: int, *, actor: User, idempotency_key: str) -> Redemption:
    """The shop takes `amount` of the voucher `code` as payment (the owner enters or scans the
    code the holder shows). Partial redemption is allowed up to the rest. The same key again
    returns the first redemption; another amount or shop under that key is refused (409)."""
    if shop.owner_id != actor.pk:
        raise Forbidden(_("Hanya pemilik toko yang bisa menukar voucher di tokonya."))
    if not shop.is_active:
        raise Conflict(_("Toko ini tidak aktif."), code="shop_inactive")
    amount = pay.clean_amount(amount)
    client_key = pay.clean_key(idempotency_key)
    voucher = _locked(code)
    key = f"bazar:voucher:{voucher.pk}:redeem:{client_key}"[:200]
    merchant = shop.payment_account or marketplace.ensure_payment_account(shop).payment_account
    assert merchant is not None  # opened just now if it was missing
    reference = f"voucher:{voucher.code}"
    if JournalEntry.objects.filter(idempotency_key=key).exists():
        # A retry: the ledger replays the entry (or refuses other parameters); nothing moves again.
        entry = pay.move(voucher.account, merchant, amount, idempotency_key=key, reference=reference, actor=actor)
        return Redemption(voucher=voucher, entry=entry, replayed=True)
    if voucher.status != Voucher.Status.ACTIVE or voucher.expires_on < timezone.localdate():
        raise Conflict(_("Voucher ini sudah tidak berlaku."), code="voucher_closed")
    if amount > voucher.remaining:
        raise Conflict(
            _("Sisa voucher hanya %(rest)s.") % {"rest": rupiah(voucher.remaining)},
            code="voucher_insufficient",
            remaining=voucher.remaining,
        )
    entry = pay.move(
        voucher.account,
        merchant,
        amount,
        idempotency_key=key,
        reference=reference,
        memo=str(_("Voucher %(code)s di %(shop)s") % {"code": voucher.code, "shop": shop.name}),
        actor=actor,
    )
    voucher.remaining -= amount
    fields = ["remaining"]
    if voucher.remaining == 0:
        voucher.status, voucher.closed_at = Voucher.Status.USED, timezone.now()
        fields += ["status", "closed_at"]
    voucher.save(update_fields=fields)
    notify(
        [voucher.holder],
        event="bazar.voucher_redeemed",
        title=str(_("Voucher %(code)s dipakai") % {"code": voucher.code}),
        body=str(
            _("%(amount)s di %(shop)s. Sisa %(rest)s.")
            % {"amount": rupiah(amount), "shop": shop.name, "rest": rupiah(voucher.remaining)}
        ),
        url="/bazar/voucher/",
        key=f"bazar-voucher-{entry.pk}",
    )
    return Redemption(voucher=voucher, entry=entry, replayed=False)


@transaction.atomic
def expire_voucher(voucher: Voucher, *, today: date | None = None) -> Voucher:
    """After its last day, the voucher's rest goes back to the holder's wallet (once)."""
    today = today or timezone.localdate()
    voucher = Voucher.objects.select_for_update().select_related("holder").get(pk=voucher.pk)
    if voucher.status != Voucher.Status.ACTIVE or voucher.expires_on >= today:
        return voucher
    rest = voucher.remaining
    if rest > 0:
        pay.move(
            voucher.account,
            pay.ensure_wallet(voucher.holder),
            rest,
            idempotency_key=f"bazar:voucher:{voucher.pk}:expire",
            reference=f"voucher:{voucher.code}",
            memo=str(_("Sisa voucher %(code)s kembali ke dompet") % {"code": voucher.code}),
        )
        notify(
            [voucher.holder],
            event="bazar.voucher_expired",
            title=str(_("Voucher %(code)s berakhir") % {"code": voucher.code}),
            body=str(_("Sisa %(rest)s sudah kembali ke dompet Anda.") % {"rest": rupiah(rest)}),
            url="/dompet/",
            key=f"bazar-voucher-{voucher.pk}-expired",
        )
    voucher.remaining, voucher.status, voucher.closed_at = 0, Voucher.Status.EXPIRED, timezone.now()
    voucher.save(update_fields=["remaining", "status", "closed_at"])
    return voucher


def expire_vouchers(*, today: date | None = None) -> int:
    """Every voucher past its date (each in its own transaction): how many were closed."""
    today = today or timezone.localdate()
    due = list(Voucher.objects.filter(status=Voucher.Status.ACTIVE, expires_on__lt=today).values_list("pk", flat=True))
    for pk in due:
        expire_voucher(Voucher(pk=pk), today=today)
    return len(due)
