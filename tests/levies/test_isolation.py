"""Levies across tenants: the register exists only in kota schemas; a kelurahan sees only the
routes addressed to it; the public route holds no personal data."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from apps.core.db import connection
from apps.levies import payer, services
from apps.payments.models import PaymentRequest
from apps.tenancy.models import LevyBillRoute
from tests.levies.conftest import World

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def test_levy_tables_exist_only_in_kota_schemas(world: World) -> None:
    with world.kota:
        assert {"levies_levy", "levies_levybill"} <= set(connection.introspection.table_names())
    with world.kel:
        assert not {"levies_levy", "levies_levybill"} & set(connection.introspection.table_names())
    connection.set_schema_to_public()
    assert "levies_levy" not in connection.introspection.table_names()


def test_the_route_holds_no_personal_data() -> None:
    columns = {field.column for field in LevyBillRoute._meta.concrete_fields}
    assert columns == {
        "id",
        "number",
        "title",
        "kota_id",
        "kelurahan_id",
        "amount_due",
        "due_on",
        "status",
        "paid_at",
        "channel",
        "verification_token",
        "created_at",
        "updated_at",
    }
    for word in ("name", "nik", "phone", "address", "payer", "user", "email"):
        assert not any(word in column for column in columns), word


def test_a_kelurahan_sees_only_its_own_routes(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    with world.kota, django_capture_on_commit_callbacks(execute=True):
        bill = services.do_issue_bill(
            world.sampah,
            kelurahan=world.kel,
            payer_name="Joko",
            payer_account=world.payer.username,
            actor=world.officer,
        )
    with world.kel:
        assert payer.route_here(bill.number) is not None
    with world.other_kel:
        assert payer.route_here(bill.number) is None
        assert payer.sync_payer_copy(bill.number, world.payer.username) is None  # nothing opened there
        assert not PaymentRequest.objects.filter(reference=f"levy:{bill.number}").exists()
        # a settlement event naming another kelurahan's bill changes nothing
        assert payer.mark_route_paid(bill.number, amount=1, method="wallet", paid_at=bill.created_at) is None
    assert LevyBillRoute.objects.get(number=bill.number).status == "open"
    with world.kota:  # the kota itself is not a kelurahan: no payer copy there either
        assert payer.route_here(bill.number) is None


def test_a_kelurahan_user_can_still_be_deleted(world: World) -> None:
    # No kota-only table may point at the user model: the deletion collector would look for it
    # in the kelurahan schema, where it does not exist.
    with world.kel:
        world.neighbour.delete()
    with world.kota:
        world.kota_warga.delete()
