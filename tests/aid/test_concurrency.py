"""Two operators at once cannot overfill a program or put one family in two exclusive programs
(row and advisory locks, real concurrent connections on committed data)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.db import connection, connections
from django.utils import timezone

from apps.aid import services
from apps.aid.identity import build_person
from apps.aid.models import Beneficiary, Enrolment, FundingSource, Program, TargetType
from apps.core.errors import DomainError
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant

from .conftest import make_kk, make_nik

RW_NUMBER = 88  # a unit no other test uses


@pytest.fixture
def shared(tenant_a: Tenant, committed: None) -> Iterator[None]:
    with tenant_a:
        rw = RukunWarga.objects.create(number=RW_NUMBER)
        RukunTetangga.objects.create(rw=rw, number=1)
    yield
    with tenant_a:
        Enrolment.objects.filter(program__name__startswith="Serentak").delete()
        Program.objects.filter(name__startswith="Serentak").delete()
        Beneficiary.objects.filter(rt__rw__number=RW_NUMBER).delete()
        RukunTetangga.objects.filter(rw__number=RW_NUMBER).delete()
        RukunWarga.objects.filter(number=RW_NUMBER).delete()
    connection.set_schema_to_public()


def _program(name: str, **values: object) -> Program:
    year = timezone.localdate().year
    return services.create_program(
        services.ProgramInput(
            name=name,
            funding_source=FundingSource.APBD,
            start_date=date(year, 1, 1),
            end_date=date(year, 12, 31),
            **values,  # type: ignore[arg-type]
        )
    )


def _race(tenant: Tenant, jobs: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def run(job: Callable[[], object]) -> None:
        try:
            with tenant:
                barrier.wait()
                job()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


def test_last_quota_place_goes_to_one_operator(tenant_a: Tenant, shared: None) -> None:
    with tenant_a:
        program = _program("Serentak kuota", target_type=TargetType.INDIVIDUAL, quota=1)
    people = [build_person(nik=make_nik(800 + i), name=f"Serentak {i}", rw=RW_NUMBER, rt=1) for i in range(4)]
    jobs = [lambda p=p: services.enrol_person(program, p, by=None) for p in people]
    assert _race(tenant_a, jobs) == ["ok", "over_quota", "over_quota", "over_quota"]
    with tenant_a:
        assert Enrolment.objects.filter(program=program).count() == 1


def test_one_family_cannot_enter_two_exclusive_programs_at_once(tenant_a: Tenant, shared: None) -> None:
    with tenant_a:
        blt = _program("Serentak BLT", target_type=TargetType.KK, quota=10)
        pkh = _program("Serentak PKH", target_type=TargetType.KK, quota=10, exclude_program_ids=[blt.pk])
        father = services.save_beneficiary(
            build_person(nik=make_nik(901), kk=make_kk(900), name="Ayah", rw=RW_NUMBER, rt=1)
        )
        mother = services.save_beneficiary(
            build_person(nik=make_nik(902, female=True), kk=make_kk(900), name="Ibu", rw=RW_NUMBER, rt=1)
        )
    outcomes = _race(
        tenant_a,
        [lambda: services.enrol(blt, father, by=None), lambda: services.enrol(pkh, mother, by=None)],
    )
    assert outcomes == ["excluded", "ok"]
    with tenant_a:
        assert Enrolment.objects.filter(program__in=[blt, pkh]).count() == 1
