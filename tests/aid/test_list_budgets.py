"""Query budgets of the bansos lists (API and staff pages): same count at n and 10n, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.aid import services
from apps.aid.identity import build_person
from apps.aid.models import Program
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget

from .conftest import ProgramFactory, make_nik

pytestmark = pytest.mark.django_db


Units = dict[tuple[int, int], RukunTetangga]


def _period() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _grower(tenant: Tenant, program: Program) -> Callable[[int], None]:
    """Beneficiaries in different RTs, enrolled, with this month's distribution planned."""
    made = [0]

    def grow(count: int) -> None:
        with tenant:
            for _ in range(count):
                made[0] += 1
                person = build_person(
                    nik=make_nik(made[0]), name=f"Warga {made[0]}", rw=1 + made[0] % 2, rt=1 + made[0] % 3
                )
                services.enrol(program, services.save_beneficiary(person), by=None)
            services.plan_period(program, period=_period())

    return grow


@pytest.fixture
def program(tenant_a: Tenant, units_a: Units, make_program: ProgramFactory) -> Program:
    with tenant_a:
        today = timezone.localdate()
        return make_program(
            "BLT", start_date=today - timedelta(days=200), end_date=today + timedelta(days=200), quota=500
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/aid/beneficiaries/?page_size=100",
        "/api/v1/aid/enrolments/?page_size=100",
        "/api/v1/aid/distributions/?page_size=100",
        "/api/v1/aid/programs/?page_size=100",
        "/api/v1/aid/conflicts/",
        "/bansos/",
        "/bansos/penyaluran/",
        "/bansos/konflik/",
        "PROGRAM",
    ],
)
def test_aid_lists(staff_a: Client, tenant_a: Tenant, program: Program, path: str) -> None:
    url = f"/bansos/program/{program.pk}/" if path == "PROGRAM" else path
    assert_list_budget(lambda: staff_a.get(url), _grower(tenant_a, program))


def test_programs_lists_grow_with_programs(staff_a: Client, tenant_a: Tenant, make_program: ProgramFactory) -> None:
    made = [0]

    def grow(count: int) -> None:
        with tenant_a:
            for _ in range(count):
                made[0] += 1
                make_program(f"Program {made[0]}")

    assert_list_budget(lambda: staff_a.get("/api/v1/aid/programs/?page_size=100"), grow)
    assert_list_budget(lambda: staff_a.get("/bansos/"), grow)
