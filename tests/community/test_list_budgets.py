"""Query budgets of the community lists (API and pages): the same count at n and 10n items, ≤ 12.

The kas book (entries API, /kas/rt/<id>/) and /kas/ once cost 17, 22 and 28 queries whatever the
number of rows: role checks repeated by apps.community.policy. The policy now reads a user's
roles once per request (see apps.community.policy.roles_of)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import count

import pytest

from apps.community import services
from apps.rtrw.models import Residency
from tests.budgets import assert_list_budget

from .conftest import World, client_as, key, user

pytestmark = pytest.mark.django_db


API = "/api/v1/community"


def _groups(world: World) -> Callable[[int], None]:
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            group = services.create_group(
                organiser=world.sri,
                name=f"Arisan {made[0]}",
                contribution="20000",
                period="monthly",
                draw_method="random",
                start_date=date(2026, 1, 5),
            )
            services.add_member(group, world.joko, actor=world.sri)
            if made[0] % 2:  # running, with rounds and winners
                services.commit_draw(group, actor=world.sri)
                services.reveal_draw(group, actor=world.sri)

    return grow


@pytest.mark.parametrize("path", [f"{API}/arisan/?page_size=100", "/kas/arisan/"])
def test_arisan_lists(world: World, path: str) -> None:
    client = client_as(world.joko)
    assert_list_budget(lambda: client.get(path), _groups(world))


def _entries(world: World) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for i in range(count):
            services.record_income(
                world.rt1.book,
                actor=world.rt1.treasurer,
                amount=5000 + i,
                category="donasi",
                description=f"Sumbangan {i}",
                client_key=key(),
            )

    return grow


# The two pages compose many panels (balances, totals, arrears, members, schedules, treasurer,
# iuran, arisan), each read once: a fixed cost above the list budget, none of it per row. With
# a schedule the book page also reads payments and exemptions (21); the arrears and the monthly
# report read schedules, households, payments and exemptions once each (13).
PAGE_BUDGETS = {"/kas/rt/{rt}/": 19, "/kas/": 19}
HOUSEHOLD_BUDGETS = {
    "{api}/cash-books/{book}/arrears/": 13,
    "{api}/cash-books/{book}/report/?month=2026-01": 13,
    "/kas/rt/{rt}/": 21,
}


@pytest.mark.parametrize(
    "path",
    ["{api}/cash-books/{book}/entries/?page_size=100", "/kas/rt/{rt}/", "/kas/"],
)
def test_kas_book_lists(world: World, path: str) -> None:
    url = path.format(api=API, book=world.rt1.book.pk, rt=world.rt1.rt.pk)
    client = client_as(world.rt1.treasurer)
    assert_list_budget(lambda: client.get(url), _entries(world), budget=PAGE_BUDGETS.get(path, 12))


_numbers = count(1)


def _residents(world: World) -> Callable[[int], None]:
    """Households of RT 01 (each owes the scheduled iuran: arrears rows, member lists)."""

    def grow(count: int) -> None:
        for _ in range(count):
            person = user(f"warga-{next(_numbers)}")
            Residency.objects.create(user=person, rt=world.rt1.rt)

    return grow


@pytest.mark.parametrize(
    "path",
    ["{api}/cash-books/{book}/arrears/", "{api}/cash-books/{book}/report/?month=2026-01", "/kas/rt/{rt}/"],
)
def test_kas_household_lists(scheduled: World, path: str) -> None:
    url = path.format(api=API, book=scheduled.rt1.book.pk, rt=scheduled.rt1.rt.pk)
    client = client_as(scheduled.rt1.treasurer)
    assert_list_budget(lambda: client.get(url), _residents(scheduled), budget=HOUSEHOLD_BUDGETS[path])


def test_cash_books_list(world: World) -> None:
    """Staff read every RT's book: one more RT per grown item."""
    rw = world.rt1.rt.rw

    def grow(count: int) -> None:
        for _ in range(count):
            services.open_cash_book(rw.rts.create(number=100 + next(_numbers)))

    client = client_as(world.staff)
    assert_list_budget(lambda: client.get(f"{API}/cash-books/?page_size=100"), grow)


def test_schedules_list(world: World) -> None:
    book = world.rt1.book
    months = count(0)

    def grow(count: int) -> None:
        for _ in range(count):
            month = next(months)
            start = date(2020 + month // 12, month % 12 + 1, 1)
            services.set_schedule(book, actor=world.rt1.treasurer, amount=1000 + month, start_month=start)

    client = client_as(world.rt1.treasurer)
    assert_list_budget(lambda: client.get(f"{API}/cash-books/{book.pk}/schedules/"), grow)


def test_iuran_list(scheduled: World) -> None:
    """The member's own payments: one a month (n=1: 1 and 10 months of 2026)."""
    months = count(1)

    def grow(count: int) -> None:
        for _ in range(count):
            services.record_iuran_cash(
                scheduled.rt1.book,
                scheduled.joko,
                date(2026, next(months), 1),
                actor=scheduled.rt1.treasurer,
                client_key=key(),
            )

    client = client_as(scheduled.joko)
    assert_list_budget(lambda: client.get(f"{API}/iuran/?page_size=100"), grow, n=1)
