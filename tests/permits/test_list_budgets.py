"""Query budgets of the permit lists (API and pages): the same count at n and 10n permits, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.accounts.models import User
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.permits.conftest import People, advance, logged_in, submitted_permit

pytestmark = pytest.mark.django_db


def _grower(tenant: Tenant, people: People) -> Callable[[int], None]:
    """Permits at different steps, so each row has events, an RT and actors to show."""
    steps = ["issued", "submitted", "recommended", "verified"]
    made = [0]

    def grow(count: int) -> None:
        with tenant:
            for _ in range(count):
                permit = submitted_permit(people, business_name=f"Usaha {made[0]}")
                advance(permit, people, steps[made[0] % len(steps)])
                made[0] += 1

    return grow


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("staf", "/api/v1/permits/?page_size=100"),
        ("owner", "/api/v1/permits/?page_size=100"),
        ("ketua_rt", "/api/v1/permits/?page_size=100"),
        ("staf", "/api/v1/permits/events/?page_size=100"),
        ("staf", "/api/v1/permits/queue/?all=1"),
        ("staf", "/izin/antrian/?semua=1"),
        ("ketua_rt", "/izin/antrian/"),
        ("owner", "/izin/"),
    ],
)
def test_permit_lists(tenant_a: Tenant, people: People, who: str, path: str) -> None:
    user: User = getattr(people, who)
    client = logged_in(tenant_a, user)
    assert_list_budget(lambda: client.get(path), _grower(tenant_a, people))


@pytest.mark.parametrize(("path", "shown"), [("/api/v1/permits/kbli/", 46), ("/izin/kbli/", 8)])
def test_kbli_search(tenant_a: Tenant, people: People, path: str, shown: int) -> None:
    """The KBLI list is a file read once, not rows: a search with 5 hits costs what one with
    many does. `grow` widens the search (code prefix 1079, then 10)."""
    queries = iter(["1079", "10"])
    query = [""]

    def grow(count: int) -> None:
        query[0] = next(queries)

    client = logged_in(tenant_a, people.owner)
    assert_list_budget(lambda: client.get(path, {"q": query[0]}), grow)
    response = client.get(path, {"q": "10"})
    assert (len(response.json()) if path.startswith("/api/") else len(response.context["results"])) == shown
