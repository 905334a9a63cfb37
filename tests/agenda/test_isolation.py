"""Events written in kelurahan A are invisible and unreachable from B, pages, API and feeds."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.agenda.models import Audience, Event
from apps.tenancy.models import Tenant

from .conftest import EventFactory, login

pytestmark = pytest.mark.django_db


def test_events_of_a_are_invisible_from_b(
    client_b: Client, tenant_a: Tenant, tenant_b: Tenant, make_event: EventFactory
) -> None:
    event = make_event("Rahasia Mojorejo", Audience.PUBLIC)
    make_event("Kerja bakti Mojorejo", Audience.RW, rw=1)
    with tenant_b:
        assert not Event.objects.exists()
    login(client_b)
    assert client_b.get(f"/api/v1/agenda/events/{event.pk}/").status_code == 404
    assert client_b.get("/api/v1/agenda/events/").json()["results"] == []
    assert client_b.get(f"/agenda/{event.pk}/").status_code == 404
    assert (
        client_b.patch(
            f"/api/v1/agenda/events/{event.pk}/", {"title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client_b.delete(f"/api/v1/agenda/events/{event.pk}/").status_code == 404
    for url in ("/agenda/ical/", "/agenda/"):
        assert "Mojorejo" not in client_b.get(url).content.decode().replace("Kelurahan Mojorejo", ""), url
    assert client_b.get("/agenda/ical/rw/1/").status_code == 404  # B has no RW 01 here
    with tenant_a:
        assert Event.objects.count() == 2
