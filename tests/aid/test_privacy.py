"""A full NIK or No. KK never leaves the server: not in API answers, pages, exports, errors,
logs, nor in the database."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from apps.aid.models import Beneficiary
from apps.core import nik as nikmod
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import ProgramFactory, make_kk, make_nik

pytestmark = pytest.mark.django_db

Units = dict[tuple[int, int], RukunTetangga]


def parse_nik(raw: object, *, today: date) -> nikmod.NikInfo:
    """A NIK read the way apps.aid.identity reads it (spreadsheet cells; 19YY for a 20YY date
    later this year)."""
    return nikmod.parse_nik(raw, today=today, spreadsheet=True, past_century_if_future=True)


def test_nik_is_never_returned_unmasked(
    staff_a: Client, tenant_a: Tenant, units_a: Units, make_program: ProgramFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    nik, kk = make_nik(42, female=True), make_kk(42)
    with tenant_a:
        program = make_program()
    responses = []
    created = staff_a.post(
        "/api/v1/aid/beneficiaries/",
        {"nik": nik, "kk": kk, "name": "Siti", "address": "Jl. Melati", "rw": 1, "rt": 2, "household_income": 100},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["nik_masked"] == "3577********0042" and body["kk_masked"] == "3577********0042"
    assert "nik" not in body and "kk" not in body and body["sex"] == "P"
    responses.append(created)
    again = staff_a.post(
        "/api/v1/aid/beneficiaries/",
        {"nik": nik, "name": "Siti Aminah", "rw": 1, "rt": 2},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]  # matched by the keyed hash
    responses.append(again)
    responses.append(staff_a.get("/api/v1/aid/beneficiaries/"))
    responses.append(staff_a.get(f"/api/v1/aid/beneficiaries/{body['id']}/"))
    found = staff_a.post("/api/v1/aid/beneficiaries/lookup/", {"nik": nik}, content_type="application/json")
    assert found.status_code == 200 and found.json()["id"] == body["id"]
    responses.append(found)
    missing = staff_a.post("/api/v1/aid/beneficiaries/lookup/", {"nik": make_nik(43)}, content_type="application/json")
    assert missing.status_code == 404
    responses.append(missing)
    bad = staff_a.post(
        "/api/v1/aid/beneficiaries/",
        {"nik": nik[:-1] + "x", "name": "A", "rw": 1, "rt": 1},
        content_type="application/json",
    )
    assert bad.status_code == 422
    responses.append(bad)
    enrolled = staff_a.post("/api/v1/aid/enrolments/", {"program": program.pk, "beneficiary": body["id"]})
    responses.append(enrolled)
    responses.append(staff_a.post("/api/v1/aid/enrolments/", {"program": program.pk, "beneficiary": body["id"]}))
    responses.append(staff_a.get("/api/v1/aid/enrolments/"))
    responses.append(staff_a.get(f"/bansos/program/{program.pk}/"))
    responses.append(staff_a.get(f"/admin/aid/beneficiary/{body['id']}/change/"))
    responses.append(staff_a.get("/admin/aid/beneficiary/"))
    responses.append(staff_a.get("/api/v1/aid/conflicts/"))
    # enrolling by hand on the page: an error answer does not echo the NIK back
    page_error = staff_a.post(
        f"/bansos/program/{program.pk}/daftarkan/", {"nik": nik, "name": "Siti", "rw": 1, "rt": 2}
    )
    assert page_error.status_code == 409
    responses.append(page_error)
    for response in responses:
        text = response.content.decode()
        assert nik not in text and kk not in text, response.request["PATH_INFO"]
    assert nik not in caplog.text and kk not in caplog.text
    # nor is it stored: only the keyed hash and the mask
    with tenant_a, connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(b)::text FROM aid_beneficiary b")
        stored = " ".join(row[0] for row in cursor.fetchall())
        assert nik not in stored and kk not in stored and "3577********0042" in stored
        assert Beneficiary.objects.get().nik_hash != nik


def test_hash_is_keyed_and_per_kind() -> None:
    from apps.aid.identity import hash_number

    nik = make_nik(1)
    assert hash_number("nik", nik) != hash_number("kk", nik)
    import hashlib

    assert hash_number("nik", nik) != hashlib.sha256(nik.encode()).hexdigest()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", nikmod.EMPTY),
        ("357703170580001", nikmod.FORMAT),
        ("35770317058000012", nikmod.FORMAT),
        ("3577031705800a01", nikmod.FORMAT),
        ("９９７７０３１７０５８０００１", nikmod.FORMAT),  # full-width digits
        ("9977031705800001", nikmod.REGION),
        ("3500031705800001", nikmod.REGION),
        ("3577033205800001", nikmod.BIRTH_DATE),
        ("3577031713800001", nikmod.BIRTH_DATE),
        ("3577037205800001", nikmod.BIRTH_DATE),
        ("3577031705800000", nikmod.SERIAL),
    ],
)
def test_nik_structure_is_checked(raw: str, reason: str) -> None:
    with pytest.raises(nikmod.InvalidNumber) as info:
        parse_nik(raw, today=date(2026, 11, 28))
    assert info.value.code == reason


def test_nik_reading() -> None:
    today = date(2026, 11, 28)
    woman = parse_nik("3577 0357 0890 0001", today=today)
    assert woman.female and woman.birth_date == date(1990, 8, 17)
    child = parse_nik(3577030101200002, today=today)  # a spreadsheet number
    assert not child.female and child.birth_date == date(2020, 1, 1)
    assert parse_nik(3.577030101200002e15, today=today).nik == "3577030101200002"
    assert parse_nik("'3577030101200002", today=today).nik == "3577030101200002"
    assert nikmod.mask("3577030101200002") == "3577********0002"
    assert nikmod.age_on(date(1990, 8, 17), date(2026, 8, 16)) == 35
