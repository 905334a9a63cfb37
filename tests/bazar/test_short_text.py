"""A bazar's name and place, as the organiser types them, are refused when too long (never cut),
on making and on changing a bazar, and nothing is written (no bazar, no agenda entry)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.agenda.models import Event as AgendaEvent
from apps.bazar import services
from apps.bazar.models import BazarEvent
from apps.core.errors import ValidationFailed
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World, make_bazar
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db
TOO_LONG = [("name", "B" * 121, 120), ("place_name", "L" * 201, 200)]


def _times() -> dict[str, Any]:
    starts_at = timezone.now() + timedelta(days=2)
    return {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=8)}


@pytest.mark.parametrize(("field", "value", "bound"), TOO_LONG)
def test_create_bazar_refuses_too_long_text(world: World, field: str, value: str, bound: int) -> None:
    typed: dict[str, Any] = {"name": "Bazar Kemerdekaan", "place_name": "Lapangan RW 03", field: value}
    with pytest.raises(ValidationFailed) as caught:
        services.create_bazar(actor=world.lurah, **typed, **_times())
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(bound) in str(caught.value.message)
    assert not BazarEvent.objects.exists() and not AgendaEvent.objects.exists()


@pytest.mark.parametrize(("field", "value", "bound"), TOO_LONG)
def test_update_bazar_refuses_too_long_text(world: World, field: str, value: str, bound: int) -> None:
    event = make_bazar(world.lurah, starts_at=timezone.now() + timedelta(days=1))
    typed: dict[str, Any] = {"name": "Bazar Baru", "place_name": "Lapangan", field: value}
    with pytest.raises(ValidationFailed) as caught:
        services.update_bazar(event, actor=world.lurah, grid_columns=4, grid_rows=3, **typed, **_times())
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(bound) in str(caught.value.message)
    event.refresh_from_db()
    assert (event.name, event.place_name) == ("Bazar UMKM", "Balai Kelurahan Mojorejo")


def test_text_at_the_bound_is_kept_whole(world: World) -> None:
    event = services.create_bazar(actor=world.lurah, name=" " + "B" * 120, place_name="L" * 200, **_times())
    event.refresh_from_db()
    assert (event.name, event.place_name) == ("B" * 120, "L" * 200)


def test_the_make_page_refuses_a_too_long_place(world: World, tenant_a: Tenant) -> None:
    when = timezone.localtime(timezone.now() + timedelta(days=2))
    form = {
        "name": "Bazar Kemerdekaan",
        "place_name": "Lapangan " + "x" * 192,
        "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (when + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "grid_columns": "5",
        "grid_rows": "2",
        "publish": "on",
        "idempotency_key": "form-long",
    }
    response = signed_in(tenant_a, world.lurah).post("/bazar/kelola/baru/", form)
    assert response.status_code == 422 and 'data-testid="error-place_name"' in response.content.decode()
    assert not BazarEvent.objects.exists() and not AgendaEvent.objects.exists()
