"""Query budget of the RT list (/api/v1/rt/): the same count at n and 10n units, ≤ 12."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_rt_list(client_a: Client, tenant_a: Tenant) -> None:
    made = [0]

    def grow(count: int) -> None:
        with tenant_a:
            rw, _ = RukunWarga.objects.get_or_create(number=7)
            for _ in range(count):
                made[0] += 1
                ketua = User.objects.create(username=f"ketua-{made[0]}", full_name=f"Ketua {made[0]}")
                rt = RukunTetangga.objects.create(rw=rw, number=made[0], ketua=ketua)
                Residency.objects.create(user=ketua, rt=rt)

    client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    assert_list_budget(lambda: client_a.get("/api/v1/rt/?page_size=100"), grow)
    rows = client_a.get("/api/v1/rt/?page_size=100").json()["results"]
    assert {row["residents"] for row in rows if row["rw"] == 7} == {1}
