"""A beneficiary's name and address are refused when too long, never cut: a row error in the
import preview, a refusal when a beneficiary is edited, and nothing written."""

from __future__ import annotations

import pytest

from apps.aid import services
from apps.aid.identity import build_person
from apps.aid.models import Beneficiary, Enrolment
from apps.core.errors import ValidationFailed
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import ProgramFactory, csv_file, make_kk, make_nik

pytestmark = pytest.mark.django_db


def test_import_preview_reports_a_too_long_name_or_address_as_a_row_error(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga], make_program: ProgramFactory
) -> None:
    rows: list[list[object]] = [
        [make_nik(1), make_kk(1), "Sumarni", "Jl. Mawar 1", 1, 1, ""],  # line 2: fine
        [make_nik(2), make_kk(2), "N" * 151, "", 1, 1, ""],  # line 3: name too long
        [make_nik(3), make_kk(3), "Paijo", "Jl. " + "x" * 252, 1, 1, ""],  # line 4: address too long
    ]
    with tenant_a:
        program = make_program()
        batch = services.preview_import(program, file_name="daftar.csv", content=csv_file(rows), by=None)
        errors = {e["line"]: e for e in batch.errors}
        assert sorted(errors) == [3, 4]
        assert "150" in errors[3]["message"]
        assert errors[4]["code"] == "too_long" and "Paling banyak 255 huruf." in errors[4]["message"]
        with pytest.raises(ValidationFailed):
            services.confirm_import(batch, by=None)
        assert not Beneficiary.objects.exists() and not Enrolment.objects.exists()


def test_update_beneficiary_refuses_a_too_long_name_or_address(
    tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga]
) -> None:
    with tenant_a:
        person = build_person(nik=make_nik(9), name="Sumarni", address="Jl. Mawar 1", rw=1, rt=1)
        beneficiary = services.save_beneficiary(person)
        rt = units_a[(1, 1)]
        for field, name, address in (("name", "N" * 151, "Jl. Mawar 2"), ("address", "Sumarni", "A" * 256)):
            with pytest.raises(ValidationFailed) as refused:
                services.update_beneficiary(
                    beneficiary, name=name, address=address, rt=rt, household_income=None, user=None
                )
            assert refused.value.code == "too_long" and refused.value.details["field"] == field
        beneficiary.refresh_from_db()
        assert (beneficiary.name, beneficiary.address) == ("Sumarni", "Jl. Mawar 1")
        # Runs of spaces still collapse: the bound counts what is kept.
        kept = services.update_beneficiary(
            beneficiary, name="Sumarni  Rahayu", address="A  " + "b" * 252, rt=rt, household_income=None, user=None
        )
        assert kept.name == "Sumarni Rahayu" and kept.address == "A " + "b" * 252
