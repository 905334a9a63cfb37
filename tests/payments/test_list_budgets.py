"""Query budgets of the wallet lists (accounts, statements, top-ups, bills; API and pages):
the same count at n and 10n, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from apps.payments import services
from tests.budgets import assert_list_budget
from tests.conftest import client_for

from .conftest import People, fund, key

pytestmark = pytest.mark.django_db


API = "/api/v1/payments"


def _signed_in(people: People, who: str) -> Client:
    client = client_for(connection.tenant)  # type: ignore[attr-defined]
    client.force_login(getattr(people, who))
    return client


def _movements(people: People) -> Callable[[int], None]:
    """Top-ups and transfers in and out of Joko's wallet: statement lines with their entries."""
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            if made[0] % 2:
                fund(people.joko_wallet, 10_000)
            else:
                fund(people.andi_wallet, 5_000)
                services.transfer(people.andi_wallet, people.joko_wallet, 1_000, idempotency_key=key())
            services.start_top_up(people.joko_wallet, 20_000, actor=people.joko)

    return grow


def _bills(people: People) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for i in range(count):
            services.create_payment_request(people.shop, 12_000 + i, description="Nasi pecel", actor=people.sri)

    return grow


@pytest.mark.parametrize("path", ["STATEMENT_API", "STATEMENT_PAGE", "/dompet/"])
def test_wallet_lists(people: People, path: str) -> None:
    client = _signed_in(people, "joko")
    wallet = people.joko_wallet.public_id
    url = {
        "STATEMENT_API": f"{API}/accounts/{wallet}/statement/?page_size=100",
        "STATEMENT_PAGE": f"/dompet/akun/{wallet}/",
    }.get(path, path)
    assert_list_budget(lambda: client.get(url), _movements(people))


@pytest.mark.parametrize("path", ["SHOP_PAGE", f"{API}/payment-requests/?page_size=100"])
def test_bill_lists(people: People, path: str) -> None:
    client = _signed_in(people, "sri")
    url = f"/dompet/toko/{people.shop.public_id}/" if path == "SHOP_PAGE" else path
    assert_list_budget(lambda: client.get(url), _bills(people))


def test_accounts_lists(people: People) -> None:
    client = _signed_in(people, "sri")
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            services.open_merchant_account(people.sri, f"Toko {made[0]}")

    assert_list_budget(lambda: client.get(f"{API}/accounts/?page_size=100"), grow)
    assert_list_budget(lambda: client.get("/dompet/toko/"), grow)
