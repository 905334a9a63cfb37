"""Query budgets of the procurement lists (API and pages): same count at n and 10n, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget

from .conftest import People, advance, awarded, logged_in, new_request, quote

pytestmark = pytest.mark.django_db


def _grower(tenant: Tenant, people: People) -> Callable[[int], None]:
    """Requests at every stage: open with a quote, awarded (quotes, evaluation, award), ordered."""
    made = [0]

    def grow(count: int) -> None:
        with tenant:
            for _ in range(count):
                kind = made[0] % 3
                if kind == 0:
                    quote(new_request(people), people.umkm_b)
                elif kind == 1:
                    awarded(people)
                else:
                    advance(people, "ordered")
                made[0] += 1

    return grow


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("petugas", "/api/v1/procurement/requests/?page_size=100"),
        ("umkm_b", "/api/v1/procurement/requests/?page_size=100"),
        ("petugas", "/api/v1/procurement/quotes/?page_size=100"),
        ("umkm_b", "/api/v1/procurement/quotes/?page_size=100"),
        ("warga", "/api/v1/procurement/awards/?page_size=100"),
        ("petugas", "/pengadaan/"),
        ("umkm_b", "/pengadaan/"),
        ("umkm_b", "/pengadaan/penawaran-saya/"),
        ("warga", "/pengadaan/transparansi/"),
    ],
)
def test_procurement_lists(tenant_a: Tenant, people: People, who: str, path: str) -> None:
    client = logged_in(tenant_a, getattr(people, who))
    assert_list_budget(lambda: client.get(path), _grower(tenant_a, people))
