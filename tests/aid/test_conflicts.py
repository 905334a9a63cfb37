"""Program rules at enrolment (mutual exclusion, quota, duplicates, eligibility) and the
conflict list when rules tighten afterwards."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from apps.aid import selectors, services
from apps.aid.identity import build_person
from apps.aid.models import Enrolment, Program, TargetType
from apps.core.errors import Conflict, ValidationFailed
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import ProgramFactory, make_kk, make_nik

pytestmark = pytest.mark.django_db

Units = dict[tuple[int, int], RukunTetangga]


def _person(serial: int, kk: int | None = None, **extra: object) -> object:
    return build_person(
        nik=make_nik(serial, **extra),  # type: ignore[arg-type]
        kk=make_kk(kk) if kk is not None else "",
        name=f"Warga {serial}",
        rw=1,
        rt=1,
        household_income=1_000_000,
    )


def _enrol(program: Program, serial: int, kk: int | None = None, **extra: object) -> Enrolment:
    return services.enrol_person(program, _person(serial, kk, **extra), by=None)  # type: ignore[arg-type]


def test_mutually_exclusive_programs_refuse_the_same_person(
    tenant_a: Tenant, units_a: Units, make_program: ProgramFactory
) -> None:
    with tenant_a:
        blt = make_program("BLT")
        pkh = make_program("PKH", exclude_program_ids=[blt.pk])
        assert list(blt.excludes.all()) == [pkh]  # symmetric
        _enrol(blt, 1)
        with pytest.raises(Conflict) as info:
            _enrol(pkh, 1)
        assert info.value.code == "excluded" and "BLT" in str(info.value.message)
        assert Enrolment.objects.filter(program=pkh).count() == 0
        # and the other way round
        _enrol(pkh, 2)
        with pytest.raises(Conflict):
            _enrol(blt, 2)


def test_family_programs_exclude_by_kk(tenant_a: Tenant, units_a: Units, make_program: ProgramFactory) -> None:
    with tenant_a:
        blt = make_program("BLT", target_type=TargetType.KK)
        pkh = make_program("PKH", target_type=TargetType.KK, exclude_program_ids=[blt.pk])
        _enrol(blt, 1, kk=7)
        with pytest.raises(Conflict) as info:
            _enrol(pkh, 2, kk=7, female=True)  # the spouse, same No. KK
        assert info.value.code == "excluded"
        _enrol(pkh, 3, kk=8)


def test_same_person_twice_and_same_family_twice(
    tenant_a: Tenant, units_a: Units, make_program: ProgramFactory
) -> None:
    with tenant_a:
        sembako = make_program("Sembako")
        _enrol(sembako, 1)
        with pytest.raises(Conflict) as info:
            _enrol(sembako, 1)
        assert info.value.code == "duplicate"
        family = make_program("BLT KK", target_type=TargetType.KK)
        _enrol(family, 2, kk=5)
        with pytest.raises(Conflict) as info:
            _enrol(family, 3, kk=5)
        assert info.value.code == "duplicate" and "3577********0005" in str(info.value.message)
        assert Enrolment.objects.count() == 2


def test_quota_is_enforced(tenant_a: Tenant, units_a: Units, make_program: ProgramFactory) -> None:
    with tenant_a:
        program = make_program(quota=2)
        _enrol(program, 1)
        _enrol(program, 2)
        with pytest.raises(Conflict) as info:
            _enrol(program, 3)
        assert info.value.code == "over_quota"
        # a withdrawn place can be taken again
        services.withdraw(Enrolment.objects.get(beneficiary__name="Warga 1"), by=None)
        _enrol(program, 3)
        assert program.enrolments.filter(status="aktif").count() == 2


def test_eligibility_rules(tenant_a: Tenant, units_a: Units, make_program: ProgramFactory) -> None:
    with tenant_a:
        program = make_program(min_age=60, max_household_income=1_500_000, allowed_rt_ids=[units_a[(1, 1)].pk])
        with pytest.raises(ValidationFailed) as info:
            _enrol(program, 1, born=date(1990, 1, 1))
        assert info.value.code == "not_eligible" and "usia minimum" in str(info.value.message)
        rich = build_person(nik=make_nik(2, born=date(1950, 1, 1)), name="Kaya", rw=1, rt=1, household_income=9_000_000)
        with pytest.raises(ValidationFailed, match="melebihi batas"):
            services.enrol_person(program, rich, by=None)
        elsewhere = build_person(nik=make_nik(3, born=date(1950, 1, 1)), name="Jauh", rw=2, rt=3, household_income=0)
        with pytest.raises(ValidationFailed, match="bukan RT sasaran"):
            services.enrol_person(program, elsewhere, by=None)
        _enrol(program, 4, born=date(1950, 1, 1))
        assert program.enrolments.count() == 1


def test_program_rules_are_validated(tenant_a: Tenant, units_a: Units, make_program: ProgramFactory) -> None:
    with tenant_a:
        with pytest.raises(ValidationFailed) as info:
            make_program(start_date=date(2026, 5, 1), end_date=date(2026, 4, 1))
        assert info.value.code == "end_before_start"
        with pytest.raises(ValidationFailed):
            make_program(quota=0)
        with pytest.raises(ValidationFailed):
            make_program(min_age=70, max_age=60)
        make_program("Ada")
        with pytest.raises(Conflict):
            make_program("ada")


def test_tightened_rules_show_up_as_conflicts(
    staff_a: Client, tenant_a: Tenant, units_a: Units, make_program: ProgramFactory
) -> None:
    with tenant_a:
        blt = make_program("BLT", quota=3, target_type=TargetType.KK)
        pkh = make_program("PKH", target_type=TargetType.KK)
        _enrol(blt, 1, kk=1)
        _enrol(blt, 2, kk=2)
        _enrol(blt, 3, kk=3)
        _enrol(pkh, 4, kk=1)  # same family as Warga 1, allowed: no exclusion yet
        assert selectors.conflicts() == []
        # the kelurahan decides PKH families may not receive BLT, and cuts BLT to 2 places
        services.update_program(
            pkh,
            services.ProgramInput(
                name="PKH",
                target_type=TargetType.KK,
                funding_source=pkh.funding_source,
                start_date=pkh.start_date,
                end_date=pkh.end_date,
                quota=pkh.quota,
                exclude_program_ids=[blt.pk],
            ),
        )
        blt.quota = 2
        blt.save()
    kinds = sorted(item.kind for item in _conflicts(tenant_a))
    assert kinds == ["exclusion", "over_quota"]

    page = staff_a.get("/bansos/konflik/").content.decode()
    assert page.count('data-testid="conflict"') == 2
    assert "Satu keluarga (No. KK 3577********0001) menerima BLT dan PKH" in page
    assert "melebihi kuota 2" in page

    api = staff_a.get("/api/v1/aid/conflicts/").json()
    exclusion = next(item for item in api if item["kind"] == "exclusion")
    assert {p["name"] for p in exclusion["programs"]} == {"BLT", "PKH"}
    assert {e["nik_masked"] for e in exclusion["enrolments"]} == {"3577********0001", "3577********0004"}

    # resolving: withdraw the PKH enrolment from the conflict page
    with tenant_a:
        pkh_enrolment = Enrolment.objects.get(program=pkh)
    staff_a.post(f"/bansos/kepesertaan/{pkh_enrolment.pk}/cabut/", {"next": "/bansos/konflik/"})
    assert sorted(item.kind for item in _conflicts(tenant_a)) == ["over_quota"]


def _conflicts(tenant: Tenant) -> list[selectors.ConflictItem]:
    with tenant:
        return selectors.conflicts()


def test_enrolment_api_reports_rule_breaches(
    staff_a: Client, tenant_a: Tenant, units_a: Units, make_program: ProgramFactory
) -> None:
    with tenant_a:
        blt = make_program("BLT", quota=1)
        pkh = make_program("PKH", exclude_program_ids=[blt.pk])
    created = staff_a.post(
        "/api/v1/aid/beneficiaries/",
        {"nik": make_nik(1), "name": "Sumarni", "rw": 1, "rt": 1},
        content_type="application/json",
    )
    assert created.status_code == 201
    beneficiary = created.json()["id"]
    first = staff_a.post("/api/v1/aid/enrolments/", {"program": blt.pk, "beneficiary": beneficiary})
    assert first.status_code == 201
    again = staff_a.post("/api/v1/aid/enrolments/", {"program": blt.pk, "beneficiary": beneficiary})
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate"
    excluded = staff_a.post("/api/v1/aid/enrolments/", {"program": pkh.pk, "beneficiary": beneficiary})
    assert excluded.status_code == 409 and excluded.json()["error"]["code"] == "excluded"
    other = staff_a.post("/api/v1/aid/beneficiaries/", {"nik": make_nik(2), "name": "Paijo", "rw": 1, "rt": 2}).json()[
        "id"
    ]
    full = staff_a.post("/api/v1/aid/enrolments/", {"program": blt.pk, "beneficiary": other})
    assert full.status_code == 409 and full.json()["error"]["code"] == "over_quota"
    with tenant_a:
        assert Enrolment.objects.count() == 1


def test_program_api_create_and_validation(staff_a: Client, tenant_a: Tenant, units_a: Units) -> None:
    body = {
        "name": "PKH",
        "target_type": "kk",
        "funding_source": "apbn",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "quota": 10,
        "allowed_rts": [units_a[(1, 1)].pk],
    }
    created = staff_a.post("/api/v1/aid/programs/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pkh = created.json()["id"]
    blt = staff_a.post(
        "/api/v1/aid/programs/", {**body, "name": "BLT", "excludes": [pkh]}, content_type="application/json"
    )
    assert blt.status_code == 201 and blt.json()["excludes"] == [pkh]
    assert staff_a.get(f"/api/v1/aid/programs/{pkh}/").json()["excludes"] == [blt.json()["id"]]
    bad = staff_a.post(
        "/api/v1/aid/programs/", {**body, "name": "X", "end_date": "2025-01-01"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "end_before_start"
    unknown = staff_a.post(
        "/api/v1/aid/programs/", {**body, "name": "Y", "excludes": [99999]}, content_type="application/json"
    )
    assert unknown.status_code == 422
    patched = staff_a.patch(f"/api/v1/aid/programs/{pkh}/", {"quota": 5}, content_type="application/json")
    assert (
        patched.status_code == 200 and patched.json()["quota"] == 5 and patched.json()["excludes"] == [blt.json()["id"]]
    )


def test_warga_cannot_use_bansos(client_a: Client, tenant_a: Tenant) -> None:
    from .conftest import login

    login(client_a, "warga-mojorejo")
    assert client_a.get("/bansos/").status_code == 403
    assert client_a.get("/api/v1/aid/programs/").status_code == 403
    anonymous = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    assert anonymous.get("/bansos/").status_code == 302
    assert anonymous.get("/api/v1/aid/beneficiaries/").status_code == 401
