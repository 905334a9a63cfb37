"""KotaKitaPay: wallets and merchant accounts, opened and funded through the payments services
(the ledger stays balanced: a top-up is a journal entry, never a balance written by hand)."""

from __future__ import annotations

from typing import Any

import factory

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.payments import services
from apps.payments.models import Account

from .accounts import UserFactory
from .base import ServiceFactory, unique_key


class WalletFactory(ServiceFactory):
    """A user's wallet, topped up with `balance` rupiah (0: just opened)."""

    class Meta:
        model = Account

    owner = factory.SubFactory(UserFactory)
    balance = 0

    @classmethod
    def _service(cls, *, owner: User, balance: int) -> Account:
        wallet = services.ensure_wallet(owner)
        if balance:
            services.top_up(wallet, balance, reference="factory", idempotency_key=unique_key("topup"))
            wallet.refresh_from_db()
        return wallet


class MerchantAccountFactory(ServiceFactory):
    """A shop's settlement account (with its static QRIS)."""

    class Meta:
        model = Account

    owner = factory.SubFactory(UserFactory, roles=[Role.PEMILIK_UMKM])
    name = factory.Sequence(lambda n: f"Warung Uji {n}")

    @classmethod
    def _service(cls, *, owner: User, name: str, **extra: Any) -> Account:
        return services.open_merchant_account(owner, name, **extra)


def fund(account: Account, amount: int) -> Account:
    """Top `account` up by `amount` (a real journal entry) and return it refreshed."""
    services.top_up(account, amount, reference="factory", idempotency_key=unique_key("topup"))
    account.refresh_from_db()
    return account
