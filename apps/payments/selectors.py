"""Reusable reads of KotaKitaPay: whose accounts, statements, requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import ValidationFailed

from .gateways import may_use_sandbox as may_use_sandbox  # part of the read face: may `user` see the sandbox?
from .models import Account, AccountKind, GatewayCharge, PaymentRequest, Posting


def parse_public_id(value: Any, *, what: Any = None) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(
            _("%(what)s tidak dikenal.") % {"what": what or _("Akun")}, code="unknown_account", id=str(value)[:64]
        ) from None


def accounts_of(user: User) -> QuerySet[Account]:
    """What a user may see and move money from: their own accounts; staff see every account."""
    qs = Account.objects.all()
    return qs if user.is_staff else qs.filter(owner=user)


def own_account(user: User, public_id: Any, *, kinds: tuple[str, ...] = ()) -> Account:
    """One of the user's accounts by public id, or 422 (unknown here: another tenant's id too)."""
    pid = parse_public_id(public_id)
    qs = Account.objects.filter(owner=user, public_id=pid)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    account = qs.first()
    if account is None:
        raise ValidationFailed(_("Akun tidak dikenal."), code="unknown_account", id=str(pid))
    return account


def any_account(public_id: Any, *, kinds: tuple[str, ...] = ()) -> Account:
    """Any account of this tenant by public id (a transfer's recipient, a shop), or 422."""
    pid = parse_public_id(public_id)
    qs = Account.objects.filter(public_id=pid, is_active=True)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    account = qs.first()
    if account is None:
        raise ValidationFailed(_("Akun tidak dikenal."), code="unknown_account", id=str(pid))
    return account


def wallet_of_username(username: str) -> Account:
    from . import services

    user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        raise ValidationFailed(
            _("Pengguna “%(name)s” tidak ada di kelurahan ini.") % {"name": username.strip()[:50]},
            code="unknown_user",
        )
    return services.ensure_wallet(user)


def merchant_accounts_of(user: User) -> QuerySet[Account]:
    return Account.objects.filter(owner=user, kind=AccountKind.MERCHANT).order_by("id")


def statement(account: Account, *, start: date | None = None, end: date | None = None) -> QuerySet[Posting]:
    """The account's postings, newest first, with their entries."""
    qs = Posting.objects.filter(account=account).select_related("entry").order_by("-id")
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(created_at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        qs = qs.filter(created_at__lte=datetime.combine(end, time.max, tzinfo=tz))
    return qs


def requests_of_merchant(user: User) -> QuerySet[PaymentRequest]:
    return PaymentRequest.objects.filter(merchant__owner=user).select_related("merchant").order_by("-id")


def request_by_public_id(public_id: Any) -> PaymentRequest:
    pid = parse_public_id(public_id, what=_("Tagihan"))
    request = PaymentRequest.objects.select_related("merchant", "merchant__owner").filter(public_id=pid).first()
    if request is None:
        raise ValidationFailed(_("Tagihan tidak dikenal."), code="unknown_request", id=str(pid))
    return request


def top_ups_of(user: User) -> QuerySet[GatewayCharge]:
    return GatewayCharge.objects.filter(purpose=GatewayCharge.Purpose.TOP_UP, wallet__owner=user).order_by("-id")


def bills_of_payer(user: User, *, reference_kind: str) -> QuerySet[PaymentRequest]:
    """The bills addressed to `user` (`PaymentRequest.payer`) whose reference is of one kind
    ("levy" for kota levies: /tagihan/), newest first; cancelled copies left out."""
    return (
        PaymentRequest.objects.filter(payer=user, reference__startswith=f"{reference_kind}:")
        .exclude(status=PaymentRequest.Status.CANCELLED)
        .order_by("status", "due_on", "-id")
    )


def withdrawn_bills_of_payer(user: User, *, reference_kind: str, limit: int = 20) -> QuerySet[PaymentRequest]:
    """The bills addressed to `user` that were withdrawn with a reason (e.g. the issuing kota
    left KotaKita), newest first: /tagihan/ says why they are gone."""
    return (
        PaymentRequest.objects.filter(
            payer=user, reference__startswith=f"{reference_kind}:", status=PaymentRequest.Status.CANCELLED
        )
        .exclude(cancel_reason="")
        .order_by("-id")[:limit]
    )


def requests_with_reference(reference: str) -> QuerySet[PaymentRequest]:
    return PaymentRequest.objects.filter(reference=reference).order_by("-id")
