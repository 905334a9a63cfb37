"""Ledger accounts: wallets, merchant, community and system accounts."""

from __future__ import annotations

import secrets
import zlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.db import connection as tenant_connection
from apps.core.errors import Conflict, ValidationFailed

from .. import qris
from ..models import (
    KIND_RULES,
    Account,
    AccountKind,
)
from ._common import SYSTEM_KINDS, _ascii, _setting, tenant_city


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


@transaction.atomic
def treasury_account(code: str, name: str) -> Account:
    """The kas daerah clearing account of one kota in this ledger (levy bills are paid to it),
    opened on first use with its QRIS identifiers; `code` is stable per kota ("treasury:<kota>")."""
    account = Account.objects.select_for_update().filter(code=code).first()
    if account is not None:
        if account.kind != AccountKind.TREASURY_CLEARING:
            raise Conflict(_("Kode akun sudah dipakai."), code="account_code_taken")
        return account
    account = Account.objects.create(
        code=code,
        kind=AccountKind.TREASURY_CLEARING,
        name=name.strip()[:100] or str(AccountKind.TREASURY_CLEARING.label),
        allow_negative=KIND_RULES[AccountKind.TREASURY_CLEARING],
        mcc="9311",  # tax payments (ISO 18245)
        city=tenant_city(),
    )
    schema_hash = zlib.crc32(str(getattr(tenant_connection, "schema_name", "")).encode()) % 1_000_000
    account.nmid = f"ID{schema_hash:06d}{account.pk:07d}"
    account.qris_payload = qris.generate_static(merchant_profile(account))
    account.save(update_fields=["nmid", "qris_payload"])
    return account
