"""Calendar pages: month grid and list, HTMX navigation, detail with map, creating an event."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from apps.agenda.models import Audience, Event
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from .conftest import EventFactory, wib

pytestmark = pytest.mark.django_db


def test_month_view_and_list_show_what_the_visitor_may_see(
    client_a: Client, staff_a: Client, make_event: EventFactory
) -> None:
    make_event("Senam pagi", Audience.PUBLIC, day=0)
    make_event("Rapat staf", Audience.STAFF, day=0)
    month = timezone.localdate().strftime("%Y-%m")
    anonymous = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    page = anonymous.get("/agenda/", {"bulan": month}).content.decode()
    assert "Senam pagi" in page and "Rapat staf" not in page and 'class="cal-grid"' in page
    listing = anonymous.get("/agenda/", {"bulan": month, "tampilan": "daftar"}).content.decode()
    assert "Senam pagi" in listing and 'class="cal-grid"' not in listing
    assert "Rapat staf" in staff_a.get("/agenda/", {"bulan": month}).content.decode()


def test_htmx_navigation_returns_the_calendar_fragment(client_a: Client, make_event: EventFactory) -> None:
    response = client_a.get("/agenda/", {"bulan": "2027-02"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'data-testid="month"' in body
    assert "bulan=2027-01" in body and "bulan=2027-03" in body
    assert client_a.get("/agenda/", {"bulan": "rusak"}).status_code == 200


def test_detail_page_with_map_and_hidden_events(client_a: Client, make_event: EventFactory) -> None:
    from decimal import Decimal

    public = make_event("Pasar murah", place_name="Lapangan", lat=Decimal("-7.637458"), lng=Decimal("111.534707"))
    staff = make_event("Rapat staf", Audience.STAFF)
    page = client_a.get(f"/agenda/{public.pk}/").content.decode()
    assert "Pasar murah" in page and 'data-lat="-7.637458"' in page and "/static/vendor/leaflet/leaflet.js" in page
    assert client_a.get(f"/agenda/{staff.pk}/").status_code == 404


def test_create_event_page(staff_a: Client, tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga]) -> None:
    assert staff_a.get("/agenda/baru/").status_code == 200
    data = {
        "title": "Rapat RT 02/RW 01",
        "starts_at": wib(2, 19, 30).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": wib(2, 19).strftime("%Y-%m-%dT%H:%M"),
        "place_name": "Rumah Pak RT",
        "organiser": "Ketua RT 02",
        "audience": "rt",
        "rw": 1,
        "rt": 2,
    }
    bad = staff_a.post("/agenda/baru/", data)
    assert bad.status_code == 422 and "Waktu selesai harus setelah waktu mulai." in bad.content.decode()
    unknown = staff_a.post("/agenda/baru/", {**data, "ends_at": wib(2, 21).strftime("%Y-%m-%dT%H:%M"), "rt": 8})
    assert unknown.status_code == 422 and "RT 08/RW 01 tidak ada" in unknown.content.decode()
    ok = staff_a.post("/agenda/baru/", {**data, "ends_at": wib(2, 21).strftime("%Y-%m-%dT%H:%M")})
    assert ok.status_code == 302
    with tenant_a:
        event = Event.objects.get()
        assert timezone.localtime(event.starts_at).hour == 19 and event.rt is not None and event.rt.number == 2


def test_admin_pages(staff_a: Client, make_event: EventFactory) -> None:
    event = make_event("Senam pagi")
    for url in ("/admin/agenda/event/", "/admin/agenda/event/add/", f"/admin/agenda/event/{event.pk}/change/"):
        assert staff_a.get(url).status_code == 200, url


def test_list_view_label_is_not_the_register_link(client_a: Client) -> None:
    english = client_a.get("/agenda/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "tampilan=daftar" in english  # the view switch exists
    assert english.count(">Register<") <= 1  # only the header's sign-up link, never the view switch
