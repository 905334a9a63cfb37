"""What the officer typed on a bill (a legal document) is refused when too long, never cut, and
nothing is written: the service, the issue page, the spreadsheet upload and the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import ValidationFailed
from apps.levies import services
from apps.levies.models import Levy, LevyBill
from apps.tenancy.models import LevyBillRoute
from tests.conftest import client_for
from tests.levies.conftest import World

pytestmark = pytest.mark.django_db


def _nothing_issued(world: World) -> None:
    with world.kota:
        assert not LevyBill.objects.exists()
        assert not LevyBillRoute.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "bound"),
    [
        ("payer_name", "J" * 151, 150),
        ("payer_account", "a" * 151, 150),
        ("object_address", "Jl. " + "x" * 252, 255),
        ("period_label", "2026-12-01", 7),
    ],
)
def test_issue_bill_refuses_too_long_text_and_writes_nothing(world: World, field: str, value: str, bound: int) -> None:
    typed: dict[str, Any] = {"payer_name": "Joko", "payer_account": world.payer.username, field: value}
    with world.kota, pytest.raises(ValidationFailed) as refused:
        services.do_issue_bill(world.sampah, kelurahan=world.kel, actor=world.officer, **typed)
    assert refused.value.code == "too_long" and refused.value.details["field"] == field
    assert str(bound) in str(refused.value.message)
    _nothing_issued(world)


def test_issue_bill_keeps_text_at_the_bound_whole(world: World) -> None:
    name, address = "J" * 150, "A" * 255
    with world.kota:
        bill = services.do_issue_bill(
            world.sampah,
            kelurahan=world.kel,
            payer_name=f"  {name} ",
            payer_account=world.payer.username,
            object_address=address,
            actor=world.officer,
        )
        bill.refresh_from_db()
    assert (bill.payer_name, bill.object_address) == (name, address)


def test_issue_page_refuses_a_151_character_payer_name(world: World) -> None:
    client = client_for(world.kota)
    with world.kota:
        client.force_login(world.officer)
    form = {
        "levy": world.sampah.pk,
        "kelurahan": world.kel.pk,
        "payer_name": "J" * 151,
        "payer_account": world.payer.username,
        "issue_key": "long-name",
    }
    response = client.post("/retribusi/terbit/", form)
    assert response.status_code == 422 and "Paling banyak 150 huruf." in response.content.decode()
    _nothing_issued(world)


def test_upload_reports_a_too_long_cell_as_a_row_error(world: World) -> None:
    client = client_for(world.kota)
    with world.kota:
        client.force_login(world.officer)
    csv = (
        "kode,kelurahan,nama,akun,alamat,masa\n"
        f"{world.sampah.code},{world.kel.slug},Joko,{world.payer.username},Jl. Pahlawan 1,2026-12\n"
        f"{world.sampah.code},{world.kel.slug},{'J' * 151},{world.neighbour.username},,2026-12\n"
        f"{world.pasar.code},{world.kel.slug},Tetangga,{world.neighbour.username},{'x' * 256},2026-12\n"
    ).encode()
    response = client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("tagihan.csv", csv, "text/csv")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Baris 3, kolom nama: Paling banyak 150 huruf." in page
    assert "Baris 4, kolom alamat: Paling banyak 255 huruf." in page
    with world.kota:
        assert list(LevyBill.objects.values_list("payer_name", flat=True)) == ["Joko"]


def test_levy_catalogue_refuses_a_too_long_name_or_perda(world: World) -> None:
    base: dict[str, Any] = {
        "code": "LONG",
        "name": "Retribusi parkir",
        "kind": Levy.Kind.RETRIBUSI,
        "tariff": 2_000,
        "period": world.sampah.period,
        "perda": "Perda No. 1",
    }
    for field, value in (("name", "x" * 121), ("perda", "x" * 151)):
        with world.kota, pytest.raises(ValidationFailed) as refused:
            services.do_save_levy(**{**base, field: value})
        assert refused.value.code == "too_long" and refused.value.details["field"] == field
    with world.kota:
        assert not Levy.objects.filter(code="LONG").exists()


def test_the_default_issue_key_of_a_long_account_keeps_the_period() -> None:
    """A key cut at 120 characters lost the period: next month's bill of a payer with a long
    account had this month's key, so the monthly run took it as already issued."""
    levy = Levy(code="SAMPAH")
    account = "warga." + "x" * 144  # 150, the longest account a kelurahan allows
    november = services.default_issue_key(levy, 7, account, "", "2026-11")
    december = services.default_issue_key(levy, 7, account, "", "2026-12")
    assert november != december
    assert november.endswith(":2026-11") and len(november) <= services.ISSUE_KEY_LENGTH
    assert services.default_issue_key(levy, 7, account, "", "2026-11") == november  # still idempotent
    # Keys short enough stay as they were: the bills already issued keep matching them.
    assert services.default_issue_key(levy, 7, "Joko", "", "2026-11") == "SAMPAH:7:joko:2026-11"
