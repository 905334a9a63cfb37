"""The demo seed: RT 01/RW 01 kas with a treasurer, iuran, entries and a drawn arisan; idempotent."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.community import demo, selectors
from apps.community.models import ArisanGroup, CashBookEntry, IuranPayment
from apps.payments import demo as payments_demo
from apps.payments.models import JournalEntry
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.community.conftest import entries_balanced, ledger_sum

pytestmark = pytest.mark.django_db


def _demo_people() -> None:
    rw, _ = RukunWarga.objects.get_or_create(number=1)
    rt, _ = RukunTetangga.objects.get_or_create(rw=rw, number=1)
    people = {
        "ketua-rt01": (Role.KETUA_RT, "Bu Wartini"),
        "bu-sri": (Role.PEMILIK_UMKM, "Sri Rahayu"),
        "pak-joko": (Role.WARGA, "Joko Santoso"),
    }
    for username, (role, name) in people.items():
        if not User.objects.filter(username=username).exists():
            create_user(username=username, full_name=name, roles=[role], password="x")
    rt.ketua = User.objects.get(username="ketua-rt01")
    rt.save(update_fields=["ketua"])
    for username in ("bu-sri", "pak-joko"):
        Residency.objects.get_or_create(user=User.objects.get(username=username), defaults={"rt": rt})


def test_demo_seed_is_complete_and_idempotent(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        _demo_people()
        payments_demo.seed(tenant_a)
        demo.seed(tenant_a)
        rt = RukunTetangga.objects.get(rw__number=1, number=1)
        book = selectors.book_for_rt(rt)
        assert book is not None
        assert selectors.current_treasurer(rt).user.username == "ketua-rt01"  # type: ignore[union-attr]
        assert book.schedules.get().amount == 10_000
        assert IuranPayment.objects.filter(status="paid").count() == 5
        assert CashBookEntry.objects.filter(receipt__gt="").exists()
        group = ArisanGroup.objects.get(name="Arisan PKK RT 01")
        assert group.seed_commitment and group.public_seed and group.status == "running"
        assert group.rounds.get(number=1).status == "paid_out"
        assert selectors.verification(group).ok  # type: ignore[union-attr]
        income, expense = selectors.book_totals(book)
        assert selectors.balances(book).total == income - expense
        counts = (JournalEntry.objects.count(), CashBookEntry.objects.count(), IuranPayment.objects.count())
        demo.seed(tenant_a)
        payments_demo.seed(tenant_a)
        demo.seed(tenant_a)
        assert (JournalEntry.objects.count(), CashBookEntry.objects.count(), IuranPayment.objects.count()) == counts
        assert ledger_sum() == 0 and entries_balanced()
    with tenant_b:  # without its demo people the seed does nothing
        if not User.objects.filter(username="ketua-rt01").exists():
            demo.seed(tenant_b)
            assert not ArisanGroup.objects.exists()


def test_demo_does_nothing_in_a_kota(tenants: object) -> None:
    kota = tenants.kota  # type: ignore[attr-defined]
    with kota:
        demo.seed(kota)
        assert not ArisanGroup.objects.exists()
