"""Agenda API and services: validation (422), who may write, who sees what, notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.agenda.models import Audience, Event
from apps.notifications.models import Message
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.filters import assert_refused

from .conftest import EventFactory, login, wib

pytestmark = pytest.mark.django_db


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Kerja bakti",
        "starts_at": wib(3, 6, 30).isoformat(),
        "ends_at": wib(3, 9).isoformat(),
        "place_name": "Pos kamling RW 01",
        "organiser": "Ketua RW 01",
        "audience": "rw",
        "rw": 1,
    }
    body.update(overrides)
    return body


def test_create_event_and_read_it_back_in_wib(staff_a: Client, residents: dict[str, User]) -> None:
    response = staff_a.post("/api/v1/agenda/events/", _body(), content_type="application/json")
    assert response.status_code == 201, response.content
    event = response.json()
    assert event["rw"] == 1 and event["rt"] is None and event["unit_label"] == "RW 01"
    assert event["starts_at"].endswith("+07:00") and event["ical_uid"].endswith("@kotakita.id")
    naive = staff_a.post(
        "/api/v1/agenda/events/",
        _body(starts_at="2026-12-06T06:30:00", ends_at="2026-12-06T09:00:00", audience="umum", rw=None),
        content_type="application/json",
    )
    assert naive.status_code == 201 and naive.json()["starts_at"] == "2026-12-06T06:30:00+07:00"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"ends_at": wib(3, 6).isoformat()}, "end_before_start"),
        ({"ends_at": wib(3, 6, 30).isoformat()}, "end_before_start"),
        ({"starts_at": "0014-06-14T08:53:26+18:59"}, "out_of_range"),
        ({"ends_at": "2219-11-19T00:09:24Z"}, "out_of_range"),
        ({"audience": "rt", "rw": 1, "rt": 9}, "unknown_rt"),
        ({"audience": "rt", "rw": 9, "rt": 1}, "unknown_rt"),
        ({"audience": "rw", "rw": 9}, "unknown_rw"),
        ({"audience": "rt", "rw": 1, "rt": None}, "rt_required"),
        ({"audience": "rw", "rw": None}, "rw_required"),
        ({"lat": "-7.6", "lng": None}, "incomplete_point"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(
    staff_a: Client,
    tenant_a: Tenant,
    units_a: dict[tuple[int, int], RukunTetangga],
    overrides: dict[str, Any],
    code: str,
) -> None:
    response = staff_a.post("/api/v1/agenda/events/", _body(**overrides), content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == code
    with tenant_a:
        assert not Event.objects.exists()


def test_malformed_input_is_400(staff_a: Client, units_a: dict[tuple[int, int], RukunTetangga]) -> None:
    response = staff_a.post("/api/v1/agenda/events/", _body(starts_at="besok pagi"), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_failed"
    for overrides in ({"audience": "semua"}, {"title": "  "}, {"place_name": "x" * 201}, {"rw": "satu"}):
        response = staff_a.post("/api/v1/agenda/events/", _body(**overrides), content_type="application/json")
        assert response.status_code == 400, overrides


def test_new_unit_events_notify_residents_of_that_unit(
    tenant_a: Tenant, residents: dict[str, User], make_event: EventFactory
) -> None:
    rt_event = make_event("Rapat RT 02/RW 01", Audience.RT, rw=1, rt=2)
    rw_event = make_event("Kerja bakti RW 01", Audience.RW, rw=1)
    public = make_event("Senam pagi", Audience.PUBLIC)
    with tenant_a:

        def told(event: Event) -> set[str]:
            return set(
                Message.objects.filter(key=f"agenda-event-{event.uuid}-created", channel="in_app").values_list(
                    "recipient__username", flat=True
                )
            )

        assert told(rt_event) == {"rt2rw1"}
        assert told(rw_event) == {"rt2rw1", "rt1rw1"}
        assert told(public) == set()
        message = Message.objects.get(key=f"agenda-event-{rt_event.uuid}-created", channel="in_app")
        assert message.title == "Kegiatan baru: Rapat RT 02/RW 01" and message.url == f"/agenda/{rt_event.pk}/"


def test_who_may_write(client_a: Client, tenant_a: Tenant, residents: dict[str, User]) -> None:
    login(client_a, "rt2rw1")
    refused = client_a.post("/api/v1/agenda/events/", _body(), content_type="application/json")
    assert refused.status_code == 403
    with tenant_a:
        rw1 = RukunWarga.objects.get(number=1)
        rw1.ketua = residents["rt1rw1"]
        rw1.save()
    ketua = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    login(ketua, "rt1rw1")
    assert ketua.post("/api/v1/agenda/events/", _body(), content_type="application/json").status_code == 201
    rt_in_rw = ketua.post("/api/v1/agenda/events/", _body(audience="rt", rw=1, rt=3), content_type="application/json")
    assert rt_in_rw.status_code == 201
    assert ketua.post("/api/v1/agenda/events/", _body(rw=2), content_type="application/json").status_code == 403
    assert (
        ketua.post(
            "/api/v1/agenda/events/", _body(audience="umum", rw=None), content_type="application/json"
        ).status_code
        == 403
    )


def test_visibility_per_user(
    client_a: Client, staff_a: Client, tenant_a: Tenant, residents: dict[str, User], make_event: EventFactory
) -> None:
    for title, audience, extra in (
        ("Senam pagi", Audience.PUBLIC, {}),
        ("Kerja bakti RW 01", Audience.RW, {"rw": 1}),
        ("Posyandu RW 02", Audience.RW, {"rw": 2}),
        ("Rapat RT 02/RW 01", Audience.RT, {"rw": 1, "rt": 2}),
        ("Rapat staf", Audience.STAFF, {}),
    ):
        make_event(title, audience, **extra)
    warga = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    login(warga, "rt1rw1")
    seen = {e["title"] for e in warga.get("/api/v1/agenda/events/").json()["results"]}
    assert seen == {"Senam pagi", "Kerja bakti RW 01"}
    seen = {e["title"] for e in staff_a.get("/api/v1/agenda/events/").json()["results"]}
    assert seen == {"Senam pagi", "Kerja bakti RW 01", "Posyandu RW 02", "Rapat RT 02/RW 01", "Rapat staf"}
    with tenant_a:
        staff_only = Event.objects.get(title="Rapat staf").pk
    assert warga.get(f"/api/v1/agenda/events/{staff_only}/").status_code == 404
    anonymous = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    assert anonymous.get("/api/v1/agenda/events/").status_code == 401


def test_update_and_delete(staff_a: Client, tenant_a: Tenant, make_event: EventFactory) -> None:
    event = make_event("Senam pagi")
    moved = staff_a.patch(
        f"/api/v1/agenda/events/{event.pk}/",
        {"starts_at": wib(6, 6).isoformat(), "ends_at": wib(6, 7).isoformat()},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["sequence"] == 1 and moved.json()["title"] == "Senam pagi"
    backwards = staff_a.patch(
        f"/api/v1/agenda/events/{event.pk}/", {"ends_at": wib(6, 5).isoformat()}, content_type="application/json"
    )
    assert backwards.status_code == 422
    assert staff_a.delete(f"/api/v1/agenda/events/{event.pk}/").status_code == 204
    with tenant_a:
        assert not Event.objects.exists()


def test_openapi_documents_both_apps(staff_a: Client) -> None:
    schema = staff_a.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/agenda/events/",
        "/api/v1/aid/programs/",
        "/api/v1/aid/beneficiaries/",
        "/api/v1/aid/beneficiaries/lookup/",
        "/api/v1/aid/distributions/{id}/distribute/",
        "/api/v1/aid/distributions/export/",
        "/api/v1/aid/conflicts/",
        "/api/v1/aid/imports/{id}/confirm/",
    ):
        assert path in paths, path
    beneficiary = schema["components"]["schemas"]["Beneficiary"]["properties"]
    assert "nik" not in beneficiary and "nik_masked" in beneficiary


def test_event_list_filters_by_day_and_audience(staff_a: Client, make_event: EventFactory) -> None:
    make_event("Hari ini", day=0)
    make_event("Rapat staf", audience=Audience.STAFF, day=2)
    today = wib(0, 12).date()

    def titles(**params: str) -> list[str]:
        response = staff_a.get("/api/v1/agenda/events/", params)
        assert response.status_code == 200, response.content
        return sorted(e["title"] for e in response.json()["results"])

    assert titles() == ["Hari ini", "Rapat staf"]
    assert titles(**{"from": str(today + timedelta(days=1))}) == ["Rapat staf"]
    assert titles(to=str(today)) == ["Hari ini"]
    assert titles(**{"from": str(today + timedelta(days=2)), "to": str(today + timedelta(days=2))}) == ["Rapat staf"]
    assert titles(audience="umum") == ["Hari ini"]
    # A well-formed date that does not exist used to raise out of parse_date (a 500).
    for bad in ({"from": "2026-13-01"}, {"to": "besok"}, {"audience": "semua"}):
        assert_refused(staff_a.get("/api/v1/agenda/events/", bad), *bad)
