"""Claiming a bill by its number and claim code: a kota bill addressed to an account nobody in
the kelurahan has is attached by the payer who holds the paper bill (apps.levies.payer.claim)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from apps.core.errors import Conflict, NotFound
from apps.levies import payer, services
from apps.levies.models import LevyBill
from apps.payments.models import PaymentRequest
from apps.tenancy.models import LevyBillRoute
from tests.levies.conftest import World
from tests.levies.test_pages import logged_in

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def _unmatched(world: World, capture: Capture) -> LevyBill:
    with world.kota, capture(execute=True):
        return services.do_issue_bill(
            world.sampah,
            kelurahan=world.kel,
            payer_name="Bu Darmi",
            payer_account="081299990000",  # nobody in the kelurahan has this number
            actor=world.officer,
        )


def test_claim_needs_number_and_code(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    bill = _unmatched(world, django_capture_on_commit_callbacks)
    route = LevyBillRoute.objects.get(number=bill.number)
    code = payer.claim_code(route)
    assert len(code) == payer.CLAIM_CODE_LENGTH and code.isalnum()
    with world.kel:
        copy = PaymentRequest.objects.get(reference=f"levy:{bill.number}")
        assert copy.payer is None
        for number, given in ((bill.number, "WRONG123"), ("X/2026/00001", code), ("", "")):
            with pytest.raises(NotFound):
                payer.claim(world.payer, number, given)
        claimed = payer.claim(world.payer, bill.number.lower(), code.lower())
        assert claimed.pk == copy.pk and claimed.payer == world.payer
        assert payer.claim(world.payer, bill.number, code).payer == world.payer  # again: the same
        with pytest.raises(Conflict):
            payer.claim(world.neighbour, bill.number, code)
    with world.other_kel, pytest.raises(NotFound):  # another kelurahan has no route for it
        payer.claim(world.payer, bill.number, code)


def test_claim_pages(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    bill = _unmatched(world, django_capture_on_commit_callbacks)
    code = payer.claim_code(LevyBillRoute.objects.get(number=bill.number))
    register = logged_in(world.kota, world.officer).get("/retribusi/")
    assert register.status_code == 200 and code in register.content.decode()
    client = logged_in(world.kel, world.payer)
    assert 'data-testid="claim-bill"' in client.get("/tagihan/").content.decode()
    wrong = client.post("/tagihan/klaim/", {"number": bill.number, "code": "nope"})
    assert wrong.status_code == 302 and wrong["Location"] == "/tagihan/"
    right = client.post("/tagihan/klaim/", {"number": bill.number, "code": code})
    assert right.status_code == 302 and right["Location"].startswith("/tagihan/") and right["Location"] != "/tagihan/"
    assert client.get(right["Location"]).status_code == 200
    assert logged_in(world.kel, world.neighbour).get(right["Location"]).status_code == 404


def test_menu_links_to_the_levy_pages(world: World) -> None:
    kota_page = logged_in(world.kota, world.officer).get("/retribusi/").content.decode()
    assert 'href="/retribusi/"' in kota_page
    payer_page = logged_in(world.kel, world.payer).get("/tagihan/").content.decode()
    assert 'href="/tagihan/"' in payer_page and 'href="/retribusi/"' not in payer_page
    assert 'href="/retribusi/"' not in logged_in(world.kota, world.kota_warga).get("/retribusi/").content.decode()
