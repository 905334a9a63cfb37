"""KotaKitaPay writes: every money movement is one call, one transaction, one idempotency key.

Ledger services (all return the `JournalEntry` they posted, or the one posted before under the
same idempotency key):

    top_up(account, amount, *, reference, idempotency_key)             gateway clearing -> wallet
    pay(payer, merchant_account, amount, fee, reference, idempotency_key)
                                                wallet -> merchant settlement (+ platform fee)
    transfer(source, target, amount, *, idempotency_key)               wallet -> wallet
    move(source, destination, amount, *, idempotency_key, reference)
                        internal movement between ledger accounts of the kinds in MOVE_RULES
                        (wallet <-> rt_cash, wallet <-> arisan_pool, rt_cash <-> cash_clearing)
    refund(payment, amount, *, idempotency_key)    partial/full reversal of a payment, pro rata
    payout(merchant_account, amount, *, idempotency_key)               merchant -> gateway clearing
    reverse_entry(entry, *, idempotency_key)       correction: the rest of an entry, reversed

Rules every one of them keeps:

* Idempotency: the same key returns the same entry and moves nothing again; the same key with
  other money parameters (accounts, amounts, fee, reference) raises `Conflict` (409).
* Accounts are locked (`SELECT ... FOR UPDATE`) in ascending id order, always after any
  payment request / gateway charge / entry row the call locks (order: request, charge, entry,
  accounts), so concurrent movements cannot deadlock. The idempotency key is looked up after
  the locks, so a retry racing its original sees it.
* A wallet (or any account with allow_negative = false) never goes below zero: checked under
  the locks here, and again by the database (CHECK constraint on the balance the database keeps).
* Postings of an entry sum to zero: checked by a deferred constraint trigger, which the
  services fire at once (SET CONSTRAINTS ... IMMEDIATE) so a fault surfaces inside the call.
* Nothing is ever edited: a correction is a reversing entry.

Amounts are integer rupiah; bad input raises `ValidationFailed` (422), a state that forbids the
move (overdraft, over-refund, paid request, reused key) raises `Conflict` (409).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.db import connection as tenant_connection
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed

from . import events, intake, qris
from .gateways import (
    ChargeRequest,
    Gateway,
    GatewayError,
    GatewayStatus,
    SandboxGateway,
    get_gateway,
    may_use_sandbox,
    parse_amount,
    refunded_total,
    sandbox_enabled,
    verify_signature,
)
from .models import (
    KIND_RULES,
    MOVE_RULES,
    Account,
    AccountKind,
    ChargeStatus,
    EntryKind,
    GatewayCharge,
    GatewayNotification,
    JournalEntry,
    PaymentRequest,
    Posting,
    SandboxTransaction,
)
from .scanning import read_qris

logger = logging.getLogger(__name__)

SYSTEM_KINDS = (AccountKind.PLATFORM_FEE, AccountKind.GATEWAY_CLEARING)
TOP_UP_KINDS = (AccountKind.WALLET, AccountKind.RT_CASH, AccountKind.ARISAN_POOL)
DEFAULT_MAX_AMOUNT = 100_000_000  # Rp100 juta per movement
BALANCE_CONSTRAINTS = "payments_posting_balanced, payments_entry_balanced"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- input checks -------------------------------------------------------------------------


def clean_amount(value: Any, *, field: str = "amount") -> int:
    """A positive whole number of rupiah, at most PAYMENTS_MAX_AMOUNT."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and value.strip().isascii():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationFailed(_("Jumlah harus bilangan bulat rupiah."), code="invalid_amount", field=field)
    if value <= 0:
        raise ValidationFailed(_("Jumlah harus lebih dari nol."), code="invalid_amount", field=field)
    limit = int(_setting("PAYMENTS_MAX_AMOUNT", DEFAULT_MAX_AMOUNT))
    if value > limit:
        raise ValidationFailed(
            _("Jumlah melebihi batas Rp%(limit)s per transaksi.") % {"limit": f"{limit:,}".replace(",", ".")},
            code="invalid_amount",
            field=field,
        )
    return value


def clean_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValidationFailed(_("Kunci idempotensi wajib diisi."), code="idempotency_key_required")
    key = key.strip()
    if len(key) > 200:
        raise ValidationFailed(_("Kunci idempotensi paling panjang 200 karakter."), code="invalid_idempotency_key")
    return key


def fee_for(amount: int) -> int:
    """Platform fee (MDR) on a payment: PAYMENTS_FEE_BPS basis points, rounded down."""
    bps = int(_setting("PAYMENTS_FEE_BPS", 30))
    return amount * bps // 10_000


def rupiah(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def _kind_label(kind: str) -> str:
    return str(dict(AccountKind.choices).get(kind, kind))


def _require(account: Account, kinds: Sequence[str], message: Any) -> None:
    if account.kind not in kinds:
        raise ValidationFailed(message, code="wrong_account_kind", account=str(account.public_id))


# --- accounts -----------------------------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip()


def tenant_city() -> str:
    """Merchant city for QRIS (<= 15 characters): the kota of this kelurahan."""
    tenant = getattr(tenant_connection, "tenant", None)
    place = getattr(tenant, "parent", None) or tenant
    name = str(getattr(place, "name", "") or "INDONESIA")
    name = name.replace("Kabupaten ", "Kab. ").replace("Kelurahan ", "").replace("Desa ", "")
    return _ascii(name).upper()[:15] or "INDONESIA"


def _tenant_tag() -> str:
    schema = str(getattr(tenant_connection, "schema_name", "") or "kk")
    digits = "".join(ch for ch in schema if ch.isdigit())
    return (digits or "".join(ch for ch in schema if ch.isalnum()).upper())[-10:]


def new_order_id(prefix: str) -> str:
    """Globally unique (the tenant is in it), at most 25 characters: fits a QRIS bill number."""
    return f"{prefix}-{_tenant_tag()}-{secrets.token_hex(4).upper()}"


@transaction.atomic
def system_account(kind: str) -> Account:
    if kind not in SYSTEM_KINDS:
        raise ValidationFailed(_("Bukan jenis akun sistem."), code="wrong_account_kind")
    account, _created = Account.objects.get_or_create(
        code=f"system:{kind}",
        defaults={"kind": kind, "name": str(AccountKind(kind).label), "allow_negative": KIND_RULES[kind]},
    )
    return account


def platform_fee_account() -> Account:
    return system_account(AccountKind.PLATFORM_FEE)


def gateway_clearing_account() -> Account:
    return system_account(AccountKind.GATEWAY_CLEARING)


def ensure_wallet(user: User) -> Account:
    """The user's wallet, opened on first use (idempotent, safe under concurrency)."""
    code = f"wallet:{user.pk}"
    existing = Account.objects.filter(code=code).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code,
                kind=AccountKind.WALLET,
                owner=user,
                name=_("Dompet %(name)s") % {"name": user},
                allow_negative=KIND_RULES[AccountKind.WALLET],
            )
    except IntegrityError:
        return Account.objects.get(code=code)


@transaction.atomic
def open_account(kind: str, *, name: str, owner: User | None = None, code: str = "") -> Account:
    """Any other kind (RT cash, arisan pool, loan receivable...): rules from KIND_RULES."""
    if kind not in KIND_RULES or kind in SYSTEM_KINDS:
        raise ValidationFailed(_("Jenis akun “%(kind)s” tidak bisa dibuka di sini.") % {"kind": kind})
    if kind == AccountKind.WALLET:
        if owner is None:
            raise ValidationFailed(_("Dompet harus punya pemilik."))
        return ensure_wallet(owner)
    if kind == AccountKind.MERCHANT:
        if owner is None:
            raise ValidationFailed(_("Rekening penjualan harus punya pemilik."))
        return open_merchant_account(owner, name)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Nama akun wajib diisi."), code="name_required")
    code = code or f"{kind}:{secrets.token_hex(6)}"
    account, _created = Account.objects.get_or_create(
        code=code, defaults={"kind": kind, "owner": owner, "name": name[:100], "allow_negative": KIND_RULES[kind]}
    )
    return account


def merchant_profile(account: Account) -> qris.Merchant:
    """What the QRIS payloads of a merchant account say (the sandbox acquirer's identifiers)."""
    return qris.Merchant(
        name=_ascii(account.name)[:25] or "KOTAKITA MERCHANT",
        city=account.city or tenant_city(),
        nmid=account.nmid,
        guid=str(_setting("PAYMENTS_QRIS_GUID", "ID.CO.KOTAKITA.WWW")),
        pan=f"93609999{account.pk:011d}",
        merchant_id=f"KK{account.pk:08d}",
        mcc=account.mcc or "5499",
        criteria="UMI",
    )


@transaction.atomic
def open_merchant_account(owner: User, name: str, *, mcc: str = "5499", code: str = "") -> Account:
    """A shop's settlement account with its static QRIS (generic until the marketplace exists)."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Nama usaha wajib diisi."), code="name_required")
    if not (len(mcc) == 4 and mcc.isdigit()):
        raise ValidationFailed(_("Kode kategori usaha (MCC) harus 4 angka."), code="invalid_mcc")
    if code:
        existing = Account.objects.filter(code=code).first()
        if existing is not None:
            if existing.owner_id != owner.pk or existing.kind != AccountKind.MERCHANT:
                raise Conflict(_("Kode akun sudah dipakai."), code="account_code_taken")
            return existing
    account = Account.objects.create(
        code=code or f"merchant:{owner.pk}:{secrets.token_hex(4)}",
        kind=AccountKind.MERCHANT,
        owner=owner,
        name=name[:100],
        allow_negative=KIND_RULES[AccountKind.MERCHANT],
        mcc=mcc,
        city=tenant_city(),
    )
    schema_hash = zlib.crc32(str(getattr(tenant_connection, "schema_name", "")).encode()) % 1_000_000
    account.nmid = f"ID{schema_hash:06d}{account.pk:07d}"
    account.qris_payload = qris.generate_static(merchant_profile(account))
    account.save(update_fields=["nmid", "qris_payload"])
    return account


# --- the posting core ---------------------------------------------------------------------


def _fingerprint(operation: str, **params: Any) -> str:
    canonical = json.dumps({"op": operation, **params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock the accounts' rows in ascending id order (one query) and return fresh copies."""
    ids = sorted({account.pk for account in accounts})
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(locked) != len(ids):
        raise NotFound(_("Akun tidak ditemukan."), code="unknown_account")
    return locked


def _replay(key: str, fingerprint: str) -> JournalEntry | None:
    entry = JournalEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if entry.request_hash != fingerprint:
        raise Conflict(
            _("Kunci idempotensi ini sudah dipakai untuk transaksi lain."), code="idempotency_conflict", key=key
        )
    return entry


def check_balanced_now() -> None:
    """Fire the deferred "entry sums to zero" triggers for what this transaction posted so far."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {BALANCE_CONSTRAINTS} IMMEDIATE")
        cursor.execute(f"SET CONSTRAINTS {BALANCE_CONSTRAINTS} DEFERRED")


def _insufficient(account: Account, needed: int) -> Conflict:
    return Conflict(
        _("Saldo %(name)s tidak cukup: ada %(balance)s, dibutuhkan %(needed)s.")
        % {"name": account.name, "balance": rupiah(account.balance), "needed": rupiah(needed)},
        code="insufficient_funds",
        account=str(account.public_id),
    )


def _post(
    kind: str,
    lines: Sequence[tuple[Account, int]],
    *,
    key: str,
    fingerprint: str,
    locked: dict[int, Account],
    amount: int,
    fee: int = 0,
    description: str = "",
    reference: str = "",
    reverses: JournalEntry | None = None,
    actor: User | None = None,
) -> JournalEntry:
    """Write one balanced entry. The caller holds the locks and has checked the key."""
    totals: dict[int, int] = {}
    for account, value in lines:
        totals[account.pk] = totals.get(account.pk, 0) + value
    postings = [(locked[pk], value) for pk, value in sorted(totals.items()) if value != 0]
    if len(postings) < 2 or sum(value for _account, value in postings) != 0:
        raise ValidationFailed(_("Transaksi tidak seimbang."), code="unbalanced")  # a bug, never user input
    for account, value in postings:
        if not account.is_active:
            raise Conflict(_("Akun %(name)s dibekukan.") % {"name": account.name}, code="account_frozen")
        if value < 0 and not account.allow_negative and account.balance + value < 0:
            raise _insufficient(account, -value)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                kind=kind,
                idempotency_key=key,
                request_hash=fingerprint,
                amount=amount,
                fee=fee,
                description=description[:255],
                reference=reference[:100],
                reverses=reverses,
                created_by=actor if actor is not None and actor.pk else None,
            )
            Posting.objects.bulk_create(
                Posting(entry=entry, account=account, amount=value) for account, value in postings
            )
            check_balanced_now()
    except IntegrityError as exc:
        replay = _replay(key, fingerprint)  # a racing call with the same key committed first
        if replay is not None:
            return replay
        if "no_overdraft" in str(exc):
            raise Conflict(_("Saldo tidak cukup."), code="insufficient_funds") from exc
        raise
    for account, value in postings:
        account.balance += value  # mirror what the database did, for the caller
    return entry


# --- money movements ----------------------------------------------------------------------


@transaction.atomic
def top_up(
    account: Account,
    amount: int,
    *,
    reference: str,
    idempotency_key: str,
    description: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """Money that arrived through the gateway (after its settled notification) into a wallet."""
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(account, TOP_UP_KINDS, _("Isi saldo hanya ke dompet, kas RT atau dana arisan."))
    clearing = gateway_clearing_account()
    fingerprint = _fingerprint("top_up", account=account.public_id, amount=amount, reference=reference)
    locked = _lock([account, clearing])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.TOP_UP,
        [(clearing, -amount), (account, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description or str(_("Isi saldo")),
        reference=reference,
        actor=actor,
    )


def _payment(
    source: Account,
    merchant_account: Account,
    amount: int,
    fee: Any,
    reference: str,
    key: str,
    *,
    description: str,
    actor: User | None,
) -> JournalEntry:
    _require(merchant_account, (AccountKind.MERCHANT,), _("Tujuan pembayaran harus rekening penjualan."))
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise ValidationFailed(_("Biaya layanan tidak boleh negatif."), code="invalid_fee")
    if fee >= amount:
        raise ValidationFailed(_("Biaya layanan harus lebih kecil dari jumlah."), code="invalid_fee")
    if source.pk == merchant_account.pk:
        raise ValidationFailed(_("Tidak bisa membayar ke akun sendiri."), code="same_account")
    fee_account = platform_fee_account()
    fingerprint = _fingerprint(
        "pay",
        payer=source.public_id,
        merchant=merchant_account.public_id,
        amount=amount,
        fee=fee,
        reference=reference,
    )
    locked = _lock([source, merchant_account, fee_account])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.PAYMENT,
        [(source, -amount), (merchant_account, amount - fee), (fee_account, fee)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        fee=fee,
        description=description or str(_("Pembayaran ke %(name)s") % {"name": merchant_account.name}),
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def pay(
    payer: Account,
    merchant_account: Account,
    amount: int,
    fee: int,
    reference: str,
    idempotency_key: str,
    *,
    description: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """The payment the marketplace calls: `amount` leaves the payer's wallet, the merchant's
    settlement account gets `amount - fee` and platform fee revenue gets `fee`."""
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(payer, (AccountKind.WALLET,), _("Pembayaran hanya dari dompet."))
    return _payment(payer, merchant_account, amount, fee, reference, key, description=description, actor=actor)


@transaction.atomic
def transfer(
    source: Account,
    target: Account,
    amount: int,
    *,
    idempotency_key: str,
    description: str = "",
    actor: User | None = None,
) -> JournalEntry:
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(source, (AccountKind.WALLET,), _("Transfer hanya dari dompet."))
    _require(target, (AccountKind.WALLET,), _("Transfer hanya ke dompet."))
    if source.pk == target.pk:
        raise ValidationFailed(_("Tidak bisa transfer ke dompet sendiri."), code="same_account")
    fingerprint = _fingerprint("transfer", source=source.public_id, target=target.public_id, amount=amount)
    locked = _lock([source, target])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.TRANSFER,
        [(source, -amount), (target, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description or str(_("Transfer ke %(name)s") % {"name": target.owner or target.name}),
        actor=actor,
    )


@transaction.atomic
def move(
    source: Account,
    destination: Account,
    amount: int,
    *,
    idempotency_key: str,
    reference: str,
    memo: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """An internal movement: `amount` from `source` to `destination`, one TRANSFER entry.

    Only between the kinds paired in `models.MOVE_RULES` (wallet <-> rt_cash, wallet <->
    arisan_pool, rt_cash <-> cash_clearing, ...); any other pair raises `ValidationFailed`
    (422, code "move_not_allowed"). Idempotent on the key: the same key with the same source,
    destination, amount and reference returns the entry posted before; with any of them
    changed it raises `Conflict` (409). `memo` is the entry's description (not part of the
    fingerprint). A source that may not go negative and lacks the money raises `Conflict`
    ("insufficient_funds"); a frozen account raises `Conflict` ("account_frozen").
    """
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    if source.pk == destination.pk:
        raise ValidationFailed(_("Akun asal dan tujuan sama."), code="same_account")
    fingerprint = _fingerprint(
        "move", source=source.public_id, destination=destination.public_id, amount=amount, reference=reference
    )
    locked = _lock([source, destination])
    kinds = (locked[source.pk].kind, locked[destination.pk].kind)  # as stored, under the lock
    if kinds not in MOVE_RULES:
        raise ValidationFailed(
            _("Pemindahan dana dari %(source)s ke %(destination)s tidak diizinkan.")
            % {"source": _kind_label(kinds[0]), "destination": _kind_label(kinds[1])},
            code="move_not_allowed",
            source=str(source.public_id),
            destination=str(destination.public_id),
        )
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.TRANSFER,
        [(source, -amount), (destination, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=memo or str(_("Transfer ke %(name)s") % {"name": destination.owner or destination.name}),
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def payout(
    merchant_account: Account,
    amount: int,
    *,
    idempotency_key: str,
    destination: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """Settlement money leaves to the merchant's bank through the gateway."""
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(merchant_account, (AccountKind.MERCHANT,), _("Penarikan hanya dari rekening penjualan."))
    clearing = gateway_clearing_account()
    fingerprint = _fingerprint("payout", merchant=merchant_account.public_id, amount=amount, destination=destination)
    locked = _lock([merchant_account, clearing])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.PAYOUT,
        [(merchant_account, -amount), (clearing, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=str(_("Penarikan ke %(dest)s") % {"dest": destination or _("rekening bank")}),
        reference=destination,
        actor=actor,
    )


def _reversed_so_far(entry: JournalEntry) -> int:
    return int(entry.reversals.aggregate(total=Sum("amount"))["total"] or 0)


def _allocate(original: list[Posting], gross: int, before: int, after: int) -> list[tuple[Account, int]]:
    """Reversal lines taking the original entry from `before` to `after` rupiah reversed.

    Each side (money in, money out) is split pro rata by cumulative rounding: every posting
    gets floor(|amount| * reversed / gross) in total, the largest posting of a side takes the
    rest. At a full reversal each posting is reversed exactly; the lines always sum to zero.
    """
    lines: list[tuple[Account, int]] = []
    for sign in (1, -1):
        side = sorted((p for p in original if p.amount * sign > 0), key=lambda p: (abs(p.amount), p.pk))
        if not side:
            continue
        step = after - before
        shares = []
        for posting in side[:-1]:
            size = abs(posting.amount)
            shares.append((posting, size * after // gross - size * before // gross))
        shares.append((side[-1], step - sum(share for _p, share in shares)))
        lines += [(posting.account, -sign * share) for posting, share in shares if share]
    return lines


def _reverse(
    entry: JournalEntry,
    amount: int | None,
    *,
    kind: str,
    key: str,
    operation: str,
    description: str,
    actor: User | None,
) -> JournalEntry:
    """Reverse `amount` (None: all that is left) of an entry, pro rata over its postings."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    original = list(entry.postings.select_related("account").order_by("pk"))
    fingerprint = _fingerprint(operation, entry=entry.public_id, amount=amount)
    locked = _lock(p.account for p in original)
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    before = _reversed_so_far(entry)
    left = entry.amount - before
    if amount is None:
        if left <= 0:
            raise Conflict(_("Jurnal ini sudah dibalik seluruhnya."), code="already_reversed")
        amount = left
    if amount > left:
        raise Conflict(
            _("Melebihi sisa yang bisa dikembalikan (%(left)s).") % {"left": rupiah(left)}, code="over_refund"
        )
    lines = _allocate(original, entry.amount, before, before + amount)
    return _post(
        kind,
        lines,
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description,
        reference=f"entry:{entry.public_id}",
        reverses=entry,
        actor=actor,
    )


@transaction.atomic
def refund(
    payment: JournalEntry,
    amount: int,
    *,
    idempotency_key: str,
    reason: str = "",
    actor: User | None = None,
    at_gateway: bool = True,
) -> JournalEntry:
    """Give back part or all of a payment (up to what is left): the reverse postings, pro rata.

    When the payment settled a payment request or a gateway charge, their refunded amounts
    follow; a payment that came through the gateway is also refunded there, after commit
    (`at_gateway=False` when the gateway itself told us about the refund).
    """
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    if payment.kind != EntryKind.PAYMENT:
        raise ValidationFailed(_("Hanya pembayaran yang bisa dikembalikan."), code="not_a_payment")
    # Lock order: request, charge, entry, accounts.
    request = PaymentRequest.objects.select_for_update().filter(paid_entry=payment).first()
    charge = GatewayCharge.objects.select_for_update().filter(settlement_entry=payment).first()
    description = str(_("Pengembalian dana")) + (f": {reason}" if reason else "")
    entry = _reverse(
        payment, amount, kind=EntryKind.REFUND, key=key, operation="refund", description=description, actor=actor
    )
    refunded = _reversed_so_far(payment)
    if request is not None and request.refunded_amount != refunded:
        PaymentRequest.objects.filter(pk=request.pk).update(refunded_amount=refunded)
        kind, ref_key = events.split_reference(request.reference)
        events.dispatch_refunded(
            events.PaymentRefunded(
                request_id=request.pk, bill_number=request.bill_number, kind=kind, key=ref_key, amount=entry.amount
            )
        )
    if charge is not None and charge.refunded_amount < refunded:
        GatewayCharge.objects.filter(pk=charge.pk).update(refunded_amount=refunded)
        if at_gateway:
            _refund_at_gateway_later(charge.order_id, refunded - charge.refunded_amount, entry.idempotency_key, reason)
    return entry


def _refund_at_gateway_later(order_id: str, amount: int, refund_key: str, reason: str) -> None:
    from apps.core.tasks import enqueue_on_commit

    from .tasks import refund_at_gateway

    enqueue_on_commit(refund_at_gateway, order_id, amount, refund_key, reason)


@transaction.atomic
def reverse_entry(
    entry: JournalEntry, *, idempotency_key: str, reason: str = "", actor: User | None = None
) -> JournalEntry:
    """Correct a mistaken entry: post the reverse of whatever of it is not reversed yet."""
    key = clean_key(idempotency_key)
    if entry.reverses_id is not None:
        raise ValidationFailed(_("Jurnal balik tidak bisa dibalik lagi."), code="already_reversal")
    description = str(_("Koreksi")) + (f": {reason}" if reason else "")
    return _reverse(
        entry, None, kind=EntryKind.REVERSAL, key=key, operation="reverse", description=description, actor=actor
    )


# --- payment requests ---------------------------------------------------------------------


def _request_reference(request: PaymentRequest) -> str:
    return f"request:{request.public_id}"


@transaction.atomic
def create_payment_request(
    merchant_account: Account,
    amount: int,
    *,
    description: str = "",
    reference: str = "",
    actor: User | None = None,
    open_qris_charge: bool = True,
) -> PaymentRequest:
    """A bill with its dynamic QRIS; with `open_qris_charge` the gateway charge is opened too
    (its QR string is the one shown). If the gateway cannot be reached the request still exists
    (payable by wallet) and the charge is opened when someone chooses QRIS."""
    amount = clean_amount(amount)
    _require(merchant_account, (AccountKind.MERCHANT,), _("Tagihan hanya untuk rekening penjualan."))
    if not merchant_account.is_active:
        raise Conflict(_("Akun %(name)s dibekukan.") % {"name": merchant_account.name}, code="account_frozen")
    bill_number = new_order_id("PR")
    request = PaymentRequest.objects.create(
        merchant=merchant_account,
        amount=amount,
        description=description.strip()[:255],
        reference=reference.strip()[:100],
        bill_number=bill_number,
        qris_payload=qris.generate_dynamic(
            merchant_profile(merchant_account), amount, bill_number, reference_label=reference.strip()[:25]
        ),
        created_by=actor if actor is not None and actor.pk else None,
    )
    if open_qris_charge:
        try:
            with transaction.atomic():
                ensure_request_charge(request, actor=actor)
        except GatewayError as exc:
            logger.warning("payment request %s: no gateway charge yet: %s", bill_number, exc)
        request.refresh_from_db()
    return request


@transaction.atomic
def ensure_request_charge(request: PaymentRequest, *, actor: User | None = None) -> GatewayCharge:
    """The open QRIS charge of a request (order_id = bill number), created at the gateway once."""
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != PaymentRequest.Status.OPEN:
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    charge = GatewayCharge.objects.filter(order_id=request.bill_number).first()
    if charge is not None and charge.status not in (ChargeStatus.CREATED, ChargeStatus.FAILURE):
        return charge
    gateway = get_gateway()
    if charge is None:
        charge = GatewayCharge.objects.create(
            order_id=request.bill_number,
            gateway=gateway.name,
            purpose=GatewayCharge.Purpose.PAYMENT,
            payment_request=request,
            gross_amount=request.amount,
            created_by=actor if actor is not None and actor.pk else None,
        )
    _open_at_gateway(charge, gateway, merchant_profile(request.merchant), request.description)
    if charge.qr_string and charge.qr_string != request.qris_payload:
        request.qris_payload = charge.qr_string
        request.save(update_fields=["qris_payload"])
    return charge


def _notification_url() -> str:
    tenant = getattr(tenant_connection, "tenant", None)
    url = getattr(tenant, "url", None)
    return str(url("/api/v1/payments/gateway/notifications/")) if callable(url) else ""


def _open_at_gateway(charge: GatewayCharge, gateway: Gateway, merchant: qris.Merchant, description: str) -> None:
    answer = gateway.create_charge(
        ChargeRequest(
            order_id=charge.order_id,
            gross_amount=charge.gross_amount,
            merchant=merchant,
            description=description,
            notification_url=_notification_url(),
        )
    )
    charge.status = answer.transaction_status if answer.transaction_status in ChargeStatus.values else "pending"
    charge.transaction_id = answer.transaction_id
    charge.qr_string = answer.qr_string
    charge.save(update_fields=["status", "transaction_id", "qr_string", "updated_at"])


def _lock_request(request: PaymentRequest) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("merchant").get(pk=request.pk)


def _cancel_open_charges(request: PaymentRequest) -> None:
    order_ids = list(
        GatewayCharge.objects.filter(
            payment_request=request, status__in=[ChargeStatus.CREATED, ChargeStatus.PENDING]
        ).values_list("order_id", flat=True)
    )
    for order_id in order_ids:
        _cancel_at_gateway_later(order_id)


def _cancel_at_gateway_later(order_id: str) -> None:
    from apps.core.tasks import enqueue_on_commit

    from .tasks import cancel_at_gateway

    enqueue_on_commit(cancel_at_gateway, order_id)


@transaction.atomic
def pay_request_with_wallet(
    request: PaymentRequest, payer: User, *, idempotency_key: str, actor: User | None = None
) -> JournalEntry:
    """Pay a bill from the payer's wallet; the request becomes paid in the same transaction."""
    key = clean_key(idempotency_key)
    request = _lock_request(request)
    if request.status == PaymentRequest.Status.PAID:
        if request.paid_entry is not None and request.paid_entry.idempotency_key == key:
            return request.paid_entry
        raise Conflict(_("Tagihan ini sudah lunas."), code="already_paid")
    if request.status == PaymentRequest.Status.CANCELLED:
        raise Conflict(_("Tagihan ini sudah dibatalkan."), code="cancelled")
    wallet = ensure_wallet(payer)
    entry = pay(
        wallet,
        request.merchant,
        request.amount,
        fee_for(request.amount),
        _request_reference(request),
        key,
        description=request.description or str(_("Tagihan %(bill)s") % {"bill": request.bill_number}),
        actor=actor or payer,
    )
    _mark_paid(request, entry, method="wallet", payer=payer)
    _cancel_open_charges(request)
    return entry


def _mark_paid(request: PaymentRequest, entry: JournalEntry | None, *, method: str, payer: User | None) -> None:
    request.status = PaymentRequest.Status.PAID
    request.paid_entry = entry
    request.paid_method = method
    request.paid_by = payer if payer is not None and payer.pk else None
    request.paid_at = paid_at = timezone.now()
    request.save(update_fields=["status", "paid_entry", "paid_method", "paid_by", "paid_at"])
    kind, key = events.split_reference(request.reference)
    events.dispatch_settled(
        events.PaymentSettled(
            request_id=request.pk,
            bill_number=request.bill_number,
            kind=kind,
            key=key,
            amount=request.amount,
            method=method,
            paid_at=paid_at,
        )
    )


@transaction.atomic
def choose_cash_on_delivery(request: PaymentRequest, *, actor: User | None = None) -> PaymentRequest:
    request = _lock_request(request)
    if request.status == PaymentRequest.Status.AWAITING_CASH:
        return request
    if request.status != PaymentRequest.Status.OPEN:
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    request.status = PaymentRequest.Status.AWAITING_CASH
    request.save(update_fields=["status"])
    _cancel_open_charges(request)
    return request


@transaction.atomic
def confirm_cash_received(request: PaymentRequest, *, actor: User) -> PaymentRequest:
    """The merchant got the cash; no ledger movement (cash never entered KotaKitaPay)."""
    request = _lock_request(request)
    if request.merchant.owner_id != actor.pk and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik usaha yang bisa mengonfirmasi."))
    if request.status == PaymentRequest.Status.PAID and request.paid_method == "cod":
        return request
    if request.status not in (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH):
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    _mark_paid(request, None, method="cod", payer=None)
    _cancel_open_charges(request)
    return request


@transaction.atomic
def cancel_payment_request(request: PaymentRequest, *, actor: User) -> PaymentRequest:
    request = _lock_request(request)
    if request.merchant.owner_id != actor.pk and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik usaha yang bisa membatalkan tagihan."))
    if request.status == PaymentRequest.Status.CANCELLED:
        return request
    if request.status == PaymentRequest.Status.PAID:
        raise Conflict(_("Tagihan yang sudah lunas tidak bisa dibatalkan; kembalikan dananya."), code="already_paid")
    request.status = PaymentRequest.Status.CANCELLED
    request.save(update_fields=["status"])
    _cancel_open_charges(request)
    return request


@transaction.atomic
def refund_payment_request(
    request: PaymentRequest, amount: int, *, idempotency_key: str, reason: str = "", actor: User
) -> JournalEntry:
    request = _lock_request(request)
    if request.merchant.owner_id != actor.pk and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik usaha yang bisa mengembalikan dana."))
    if request.status != PaymentRequest.Status.PAID or request.paid_entry is None:
        raise Conflict(_("Hanya tagihan lunas lewat KotaKitaPay yang bisa dikembalikan."), code="not_refundable")
    return refund(request.paid_entry, amount, idempotency_key=idempotency_key, reason=reason, actor=actor)


# --- gateway top-ups and notifications ----------------------------------------------------


@transaction.atomic
def start_top_up(wallet: Account, amount: int, *, actor: User | None = None) -> GatewayCharge:
    """Open a QRIS charge at the gateway; the wallet is credited when it settles."""
    amount = clean_amount(amount)
    _require(wallet, TOP_UP_KINDS, _("Isi saldo hanya ke dompet, kas RT atau dana arisan."))
    gateway = get_gateway()
    charge = GatewayCharge.objects.create(
        order_id=new_order_id("TU"),
        gateway=gateway.name,
        purpose=GatewayCharge.Purpose.TOP_UP,
        wallet=wallet,
        gross_amount=amount,
        created_by=actor if actor is not None and actor.pk else None,
    )
    profile = qris.Merchant(
        name="KOTAKITAPAY ISI SALDO",
        city=tenant_city(),
        nmid=f"ID{zlib.crc32(_tenant_tag().encode()) % 10**13:013d}",
        guid=str(_setting("PAYMENTS_QRIS_GUID", "ID.CO.KOTAKITA.WWW")),
        pan="9360999900000000000",
        merchant_id="KKTOPUP",
        mcc="6540",  # stored value card purchase/load
    )
    _open_at_gateway(charge, gateway, profile, str(_("Isi saldo KotaKitaPay")))
    return charge


# Allowed forward moves (specs.md), plus a first status from `created`, card authorize/capture
# after pending, and further partial refunds/chargebacks.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    ChargeStatus.CREATED: frozenset(ChargeStatus.values) - {ChargeStatus.CREATED},
    ChargeStatus.PENDING: frozenset(
        {
            ChargeStatus.SETTLEMENT,
            ChargeStatus.EXPIRE,
            ChargeStatus.CANCEL,
            ChargeStatus.DENY,
            ChargeStatus.AUTHORIZE,
            ChargeStatus.CAPTURE,
            ChargeStatus.FAILURE,
        }
    ),
    ChargeStatus.AUTHORIZE: frozenset({ChargeStatus.CAPTURE, ChargeStatus.CANCEL}),
    ChargeStatus.CAPTURE: frozenset({ChargeStatus.SETTLEMENT, ChargeStatus.CANCEL}),
    ChargeStatus.SETTLEMENT: frozenset(
        {ChargeStatus.REFUND, ChargeStatus.PARTIAL_REFUND, ChargeStatus.CHARGEBACK, ChargeStatus.PARTIAL_CHARGEBACK}
    ),
    ChargeStatus.PARTIAL_REFUND: frozenset(
        {ChargeStatus.PARTIAL_REFUND, ChargeStatus.REFUND, ChargeStatus.CHARGEBACK, ChargeStatus.PARTIAL_CHARGEBACK}
    ),
    ChargeStatus.PARTIAL_CHARGEBACK: frozenset({ChargeStatus.PARTIAL_CHARGEBACK, ChargeStatus.CHARGEBACK}),
}
PAID_STATUSES = frozenset({ChargeStatus.SETTLEMENT, ChargeStatus.CAPTURE})
REFUND_STATUSES = frozenset(
    {ChargeStatus.REFUND, ChargeStatus.PARTIAL_REFUND, ChargeStatus.CHARGEBACK, ChargeStatus.PARTIAL_CHARGEBACK}
)
REQUIRED_NOTIFICATION_FIELDS = ("order_id", "status_code", "gross_amount", "signature_key", "transaction_status")


@dataclass(frozen=True)
class NotificationOutcome:
    outcome: str
    status: str
    reason: str = ""


class ForgedNotification(Forbidden):
    code = "invalid_signature"


def receive_notification(body: Any, *, remote_addr: str | None = None, raw: bytes | None = None) -> GatewayNotification:
    """Handle one gateway notification: check it, confirm it with the gateway, apply it once
    and only forwards, log it.

    Malformed → ValidationFailed (422), forged → ForgedNotification (403): nothing is stored,
    only a log line with the body's digest (`intake.log_refused`; the endpoint is anonymous).
    Once the signature checks out: unknown order → NotFound (404), wrong amount → Conflict
    (409), gateway unreachable or vague while confirming → GatewayError (503, the gateway
    retries); each of those changes nothing but leaves a `rejected` row. Duplicates and stale
    (backward) notifications are stored and answered 200 so the gateway stops retrying.
    """
    signature_ok = False
    try:
        _require_fields(body)
        gateway = get_gateway()
        if not verify_signature(body, gateway.server_key):
            raise ForgedNotification(_("Tanda tangan notifikasi tidak sah."))
        signature_ok = True
        fields = _notification_fields(body)
        with transaction.atomic():
            charge, outcome = _apply_notification(fields, gateway)
            return GatewayNotification.objects.create(
                order_id=str(fields["order_id"])[:100],
                transaction_status=str(fields["transaction_status"])[:32],
                status_code=str(fields["status_code"])[:8],
                gross_amount=str(fields["gross_amount"])[:32],
                signature_valid=True,
                outcome=outcome.outcome,
                reason=outcome.reason[:255],
                charge=charge,
                remote_addr=remote_addr,
                payload=_loggable(body),
            )
    except DomainError as exc:
        if not signature_ok:
            intake.log_refused(body, raw, remote_addr, exc)
            raise
        signed = cast(dict[str, Any], body)
        known = GatewayCharge.objects.filter(order_id=str(signed["order_id"])[:50]).first()
        GatewayNotification.objects.create(
            order_id=str(signed["order_id"])[:100],
            transaction_status=str(signed.get("transaction_status", ""))[:32],
            status_code=str(signed["status_code"])[:8],
            gross_amount=str(signed["gross_amount"])[:32],
            signature_valid=True,
            outcome=GatewayNotification.Outcome.REJECTED,
            reason=str(exc.message)[:255],
            charge=known,
            remote_addr=remote_addr,
            payload=_loggable(body),
        )
        logger.warning("gateway notification rejected (%s): %s", exc.code, exc.message)
        raise


def _loggable(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        try:
            json.dumps(body)
            return body
        except (TypeError, ValueError):
            return {"unserializable": repr(body)[:2000]}
    return {"raw": repr(body)[:2000]}


def _require_fields(body: Any) -> dict[str, Any]:
    """The shape a signature can be checked on (nothing of it is trusted yet)."""
    if not isinstance(body, dict):
        raise ValidationFailed(_("Notifikasi harus berupa objek JSON."), code="malformed_notification")
    missing = [name for name in REQUIRED_NOTIFICATION_FIELDS if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise ValidationFailed(
            _("Notifikasi tidak lengkap: %(fields)s.") % {"fields": ", ".join(missing)},
            code="malformed_notification",
            missing=missing,
        )
    return body


def _notification_fields(body: Any) -> dict[str, Any]:
    body = _require_fields(body)
    if body["transaction_status"] not in ChargeStatus.values or body["transaction_status"] == ChargeStatus.CREATED:
        raise ValidationFailed(
            _("Status transaksi “%(status)s” tidak dikenal.") % {"status": body["transaction_status"][:32]},
            code="malformed_notification",
        )
    if parse_amount(body["gross_amount"]) is None:
        raise ValidationFailed(_("gross_amount tidak valid."), code="malformed_notification")
    return body


def must_confirm(gateway: Gateway) -> bool:
    """Ask the gateway before applying a signed notification? Always with a real gateway
    outside DEBUG: PAYMENTS_CONFIRM_NOTIFICATIONS=False only counts for the sandbox or DEBUG."""
    if _setting("PAYMENTS_CONFIRM_NOTIFICATIONS", True):
        return True
    return not (settings.DEBUG or gateway.name == "sandbox")


def _confirmed(fields: dict[str, Any], gateway: Gateway, *, confirm: bool) -> tuple[str, str, int, str]:
    """(status, fraud status, refunded total, note): the gateway's own word when we ask it."""
    status = str(fields["transaction_status"])
    fraud = str(fields.get("fraud_status") or "")
    gross = parse_amount(fields["gross_amount"]) or 0
    refunded = refunded_total(fields, gross)
    if not confirm or not must_confirm(gateway):
        return status, fraud, refunded, ""
    answer: GatewayStatus = gateway.check_status(str(fields["order_id"]))
    if answer.transaction_status not in ChargeStatus.values or answer.transaction_status == ChargeStatus.CREATED:
        # No clear answer: apply nothing; 503 makes the gateway notify again later.
        raise GatewayError(_("Gateway tidak memastikan status transaksi."), code="status_unconfirmed")
    if answer.gross_amount != gross:
        raise Conflict(
            _("Jumlah menurut gateway (%(got)s) berbeda dengan notifikasi.") % {"got": answer.gross_amount},
            code="amount_mismatch",
        )
    if answer.transaction_status != status:
        note = f"confirmed by gateway: {answer.transaction_status} (notified {status})"
        return answer.transaction_status, answer.fraud_status, answer.refunded_amount, note
    return status, answer.fraud_status or fraud, max(refunded, answer.refunded_amount), ""


def _apply_notification(
    fields: dict[str, Any], gateway: Gateway, *, confirm: bool = True
) -> tuple[GatewayCharge, NotificationOutcome]:
    order_id = str(fields["order_id"])
    found = GatewayCharge.objects.filter(order_id=order_id).first()
    if found is None:
        raise NotFound(_("Order %(order)s tidak dikenal.") % {"order": order_id[:50]}, code="unknown_order")
    if parse_amount(fields["gross_amount"]) != found.gross_amount:
        raise Conflict(
            _("Jumlah notifikasi (%(got)s) berbeda dengan transaksi (%(want)s).")
            % {"got": str(fields["gross_amount"])[:32], "want": found.gross_amount},
            code="amount_mismatch",
        )
    status, fraud, refunded, note = _confirmed(fields, gateway, confirm=confirm)
    # Lock order: request, then charge (then accounts inside the ledger calls).
    if found.payment_request_id:
        PaymentRequest.objects.select_for_update().filter(pk=found.payment_request_id).first()
    charge = GatewayCharge.objects.select_for_update().get(pk=found.pk)
    current = str(charge.status)

    if status == current and not (status in REFUND_STATUSES and refunded > charge.refunded_amount):
        return charge, NotificationOutcome(GatewayNotification.Outcome.DUPLICATE, status, note)
    if status not in ALLOWED_MOVES.get(current, frozenset()):
        return charge, NotificationOutcome(
            GatewayNotification.Outcome.STALE, current, (note + f" {current} -> {status} is not a forward move").strip()
        )

    reasons = [note] if note else []
    if status in PAID_STATUSES and fraud in ("", "accept") and charge.settlement_entry_id is None:
        reasons += _settle(charge)
    if status in REFUND_STATUSES and refunded > charge.refunded_amount:
        reasons += _reverse_for_gateway(charge, refunded, status)
    charge.status = status
    charge.fraud_status = fraud
    if status == ChargeStatus.SETTLEMENT and charge.settled_at is None:
        charge.settled_at = timezone.now()
    charge.save()
    return charge, NotificationOutcome(GatewayNotification.Outcome.APPLIED, status, " ".join(reasons))


def _settle(charge: GatewayCharge) -> list[str]:
    """Post the money of a settled charge (once: the idempotency key is the order id)."""
    key = f"gateway:{charge.order_id}:paid"
    reference = f"charge:{charge.order_id}"
    if charge.purpose == GatewayCharge.Purpose.TOP_UP and charge.wallet is not None:
        charge.settlement_entry = top_up(charge.wallet, charge.gross_amount, reference=reference, idempotency_key=key)
        return []
    request = charge.payment_request
    if request is None:  # pragma: no cover - the DB check constraint forbids it
        return ["charge without target"]
    entry = _payment(
        gateway_clearing_account(),
        request.merchant,
        charge.gross_amount,
        fee_for(charge.gross_amount),
        reference,
        key,
        description=request.description or str(_("Tagihan %(bill)s") % {"bill": request.bill_number}),
        actor=None,
    )
    charge.settlement_entry = entry
    request = PaymentRequest.objects.get(pk=request.pk)  # locked by the caller
    if request.status == PaymentRequest.Status.PAID:
        # Paid twice (wallet and QRIS raced): the money arrived, so it is booked; flag it.
        charge.needs_attention = str(_("Tagihan sudah lunas dengan cara lain: kembalikan dana ini."))
        return ["double payment"]
    note = ["paid after cancellation"] if request.status == PaymentRequest.Status.CANCELLED else []
    _mark_paid(request, entry, method="qris", payer=None)
    return note


def _reverse_for_gateway(charge: GatewayCharge, refunded: int, status: str) -> list[str]:
    """The gateway refunded/charged back more than we booked: book the difference."""
    delta = min(refunded, charge.gross_amount) - charge.refunded_amount
    entry = charge.settlement_entry
    if delta <= 0 or entry is None:
        return []
    key = f"gateway:{charge.order_id}:{status}:{refunded}"
    try:
        with transaction.atomic():
            if entry.kind == EntryKind.PAYMENT:
                refund(entry, delta, idempotency_key=key, reason=status, at_gateway=False)
            else:
                _reverse(
                    entry,
                    delta,
                    kind=EntryKind.REVERSAL,
                    key=key,
                    operation="gateway_reversal",
                    description=str(_("Dibalik oleh gateway (%(status)s)") % {"status": status}),
                    actor=None,
                )
    except Conflict as exc:
        charge.needs_attention = str(exc.message)[:255]
        return [f"not booked: {exc.message}"]
    charge.refunded_amount = min(refunded, charge.gross_amount)
    if charge.payment_request_id:
        PaymentRequest.objects.filter(pk=charge.payment_request_id).update(refunded_amount=_reversed_so_far(entry))
    return []


@transaction.atomic
def sync_charge_status(charge: GatewayCharge) -> GatewayNotification:
    """Ask the gateway for a charge's status and apply it as if it had been notified
    (reconciliation, an operator's "check status", or after cancelling at the gateway)."""
    gateway = get_gateway(charge.gateway)
    answer = gateway.check_status(charge.order_id)
    body = {
        **answer.raw,
        "order_id": charge.order_id,
        "transaction_status": answer.transaction_status,
        "gross_amount": f"{answer.gross_amount}.00",
    }
    _notification_fields({**body, "status_code": "200", "signature_key": "-"})
    synced, outcome = _apply_notification(body, gateway, confirm=False)
    return GatewayNotification.objects.create(
        order_id=charge.order_id,
        transaction_status=answer.transaction_status[:32],
        status_code=answer.status_code[:8],
        gross_amount=f"{answer.gross_amount}.00",
        signature_valid=True,
        outcome=outcome.outcome,
        reason=("status check " + outcome.reason).strip()[:255],
        charge=synced,
        payload=_loggable(answer.raw),
    )


# --- the sandbox gateway's "bank app" -------------------------------------------------------


def sandbox_gateway() -> SandboxGateway:
    """The sandbox, where it is the active gateway and allowed to be; 404 anywhere else."""
    if not sandbox_enabled():
        raise NotFound(_("Sandbox pembayaran tidak aktif di situs ini."), code="sandbox_disabled")
    gateway = get_gateway("sandbox")
    assert isinstance(gateway, SandboxGateway)
    return gateway


def sandbox_payment_for(payload: str) -> tuple[qris.QrisPayload, SandboxTransaction]:
    """Read a scanned/pasted QRIS and find the sandbox charge it belongs to (its bill number)."""
    sandbox_gateway()
    parsed = read_qris(payload)
    tx = SandboxTransaction.objects.filter(order_id=parsed.bill_number).first() if parsed.bill_number else None
    if tx is None:
        raise NotFound(
            _("QRIS ini bukan tagihan sandbox KotaKita (nomor tagihan %(bill)s tidak dikenal).")
            % {"bill": parsed.bill_number or "-"},
            code="unknown_bill",
        )
    if parsed.amount is not None and parsed.amount != tx.gross_amount:
        raise ValidationFailed(_("Jumlah di QRIS berbeda dengan tagihan."), code="amount_mismatch")
    return parsed, tx


@transaction.atomic
def sandbox_pay(order_id: str, *, actor: User | None = None) -> SandboxTransaction:
    """The payer's bank app pays a QRIS charge; the gateway then notifies us (after commit).
    With an actor (a page or API call), only one `may_use_sandbox` allows: 404 for the rest."""
    if actor is not None and not may_use_sandbox(actor):
        raise NotFound(_("Sandbox pembayaran tidak aktif di situs ini."), code="sandbox_disabled")
    tx = sandbox_gateway().pay(order_id)
    from apps.core.tasks import enqueue_on_commit

    from .tasks import deliver_sandbox_notification

    enqueue_on_commit(deliver_sandbox_notification, order_id)
    return tx
