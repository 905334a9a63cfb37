"""/api/v1/levies/: the kota register for its finance office (bills/), a payer's own bills in
their kelurahan (my-bills/); role matrix, validation, query budgets of the lists (API and HTML)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection

from apps.levies import services
from apps.payments.models import PaymentRequest
from tests.budgets import assert_list_budget
from tests.levies.conftest import World
from tests.levies.test_pages import logged_in

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]
_periods = itertools.count(1)


def _grow(world: World, capture: Capture, back_to: Any = None) -> Callable[[int], None]:
    def grow(count: int) -> None:
        _issue(count)
        if back_to is not None:  # the payer copies' tasks ran in the kelurahan: the client's schema again
            connection.set_tenant(back_to)
            with connection.cursor() as cursor:  # the schema switch's SET is the test's, not the list's
                cursor.execute("SELECT 1")

    def _issue(count: int) -> None:
        with world.kota, capture(execute=True):
            for _n in range(count):
                services.do_issue_bill(
                    world.sampah,
                    kelurahan=world.kel,
                    payer_name="Pak Joko",
                    payer_account=world.payer.username,
                    period_label=f"P{next(_periods):05d}",
                    actor=world.officer,
                )

    return grow


def test_register_api_is_the_finance_offices(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    _grow(world, django_capture_on_commit_callbacks)(2)
    officer = logged_in(world.kota, world.officer)
    listed = officer.get("/api/v1/levies/bills/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert len(rows) == 2 and rows[0]["amount_due"] == 15_000 and rows[0]["payer_name"] == "Pak Joko"
    detail = officer.get(f"/api/v1/levies/bills/{rows[0]['id']}/")
    assert detail.status_code == 200 and detail.json()["number"] == rows[0]["number"]
    assert officer.get("/api/v1/levies/bills/?status=open").status_code == 200
    assert officer.get("/api/v1/levies/bills/?status=nope").status_code == 422
    assert officer.get("/api/v1/levies/bills/999999/").status_code == 404
    assert officer.get("/api/v1/levies/bills/abc/").status_code == 404
    # Role matrix: a kota warga, the payer and the lurah in the kelurahan, an anonymous caller.
    assert logged_in(world.kota, world.kota_warga).get("/api/v1/levies/bills/").status_code == 403
    assert logged_in(world.kel, world.payer).get("/api/v1/levies/bills/").status_code == 403
    assert logged_in(world.kel, world.lurah).get("/api/v1/levies/bills/").status_code == 403
    from tests.conftest import client_for

    assert client_for(world.kota).get("/api/v1/levies/bills/").status_code in (401, 403)


def test_my_bills_are_the_payers_only(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    _grow(world, django_capture_on_commit_callbacks)(2)
    payer = logged_in(world.kel, world.payer)
    rows = payer.get("/api/v1/levies/my-bills/").json()["results"]
    assert len(rows) == 2 and {row["amount"] for row in rows} == {15_000}
    assert rows[0]["url"] == f"/tagihan/{rows[0]['id']}/"
    with world.kel:
        assert PaymentRequest.objects.filter(public_id=rows[0]["id"], payer=world.payer).exists()
    assert payer.get(f"/api/v1/levies/my-bills/{rows[0]['id']}/").status_code == 200
    neighbour = logged_in(world.kel, world.neighbour)
    assert neighbour.get("/api/v1/levies/my-bills/").json()["results"] == []
    assert neighbour.get(f"/api/v1/levies/my-bills/{rows[0]['id']}/").status_code == 404
    assert payer.get("/api/v1/levies/my-bills/not-a-uuid/").status_code == 404


def test_list_query_budgets(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    grow = _grow(world, django_capture_on_commit_callbacks, back_to=world.kota)
    officer = logged_in(world.kota, world.officer)
    assert_list_budget(fetch=lambda: officer.get("/api/v1/levies/bills/"), grow=grow)
    assert_list_budget(fetch=lambda: officer.get("/retribusi/"), grow=grow)
    grow = _grow(world, django_capture_on_commit_callbacks, back_to=world.kel)
    payer = logged_in(world.kel, world.payer)
    assert_list_budget(fetch=lambda: payer.get("/api/v1/levies/my-bills/"), grow=grow)
    assert_list_budget(fetch=lambda: payer.get("/tagihan/"), grow=grow)
