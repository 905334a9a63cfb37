"""Query budgets of the lending lists (partner API and pages): same count at n and 10n, ≤ 12.

The officer page (/pinjaman/petugas/: queue, portfolio, loans, model versions) once cost 15
queries: the lenders were checked and then listed (two reads), the portfolio took three
aggregates and the active model one read per lender. Now one read each."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.lending import services
from apps.lending.models import LoanProduct
from tests.budgets import assert_list_budget

from .conftest import World, disbursed
from .test_pages_api import client_as

pytestmark = pytest.mark.django_db


def _grower(world: World) -> Callable[[int], None]:
    """Disbursed loans (an application, an assessment, a loan, a schedule) and open applications."""
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            # One application at a time is open per applicant: each is decided (and disbursed).
            disbursed(world, product=world.product if made[0] % 2 else world.flat, tenor=3 + made[0] % 3)
            made[0] += 1

    return grow


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("officer", "/api/v1/lending/applications/?page_size=100"),
        ("officer", "/api/v1/lending/loans/?page_size=100"),
        ("sri", "/pinjaman/"),
    ],
)
def test_lending_lists(world: World, who: str, path: str) -> None:
    client = client_as(getattr(world, who))
    assert_list_budget(lambda: client.get(path), _grower(world))


def test_products_list(world: World) -> None:
    client = client_as(world.officer)

    def grow(count: int) -> None:
        for _ in range(count):
            services.create_product(
                world.lender,
                services.ProductTerms(
                    name=f"Produk {LoanProduct.objects.count()}",
                    min_amount=500_000,
                    max_amount=5_000_000,
                    min_tenor_months=1,
                    max_tenor_months=12,
                    annual_rate="15",
                ),
            )

    assert_list_budget(lambda: client.get("/api/v1/lending/products/?page_size=100"), grow)
    sri = client_as(world.sri)
    assert_list_budget(lambda: sri.get("/pinjaman/"), grow)


def test_officer_page(world: World) -> None:
    """Fixed panels (queue, portfolio, loans, active models), each read once."""
    client = client_as(world.officer)
    assert_list_budget(lambda: client.get("/pinjaman/petugas/"), _grower(world))
