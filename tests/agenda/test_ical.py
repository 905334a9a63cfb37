"""iCal feeds: parse with `icalendar`, the right events per feed, escaping, folding, stable UIDs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import icalendar
import pytest
from django.test import Client

from apps.agenda import ical
from apps.agenda.models import Audience, Event
from apps.tenancy.models import Tenant

from .conftest import EventFactory, wib

pytestmark = pytest.mark.django_db


def _parse(client: Client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    # every physical line ends with CRLF and is at most 75 octets
    assert raw.endswith(b"\r\n")
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0" and "KotaKita" in str(calendar["PRODID"])
    return calendar


def _titles(calendar: icalendar.Calendar) -> set[str]:
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


@pytest.fixture
def events(make_event: EventFactory) -> dict[str, Event]:
    return {
        "public": make_event("Senam pagi", Audience.PUBLIC),
        "rw1": make_event("Kerja bakti RW 01", Audience.RW, rw=1),
        "rw2": make_event("Posyandu RW 02", Audience.RW, rw=2),
        "rt2rw1": make_event("Rapat RT 02/RW 01", Audience.RT, rw=1, rt=2),
        "rt1rw1": make_event("Arisan RT 01/RW 01", Audience.RT, rw=1, rt=1),
        "staff": make_event("Rapat staf", Audience.STAFF),
    }


def test_each_feed_carries_public_events_plus_its_unit(client_a: Client, events: dict[str, Event]) -> None:
    assert _titles(_parse(client_a, "/agenda/ical/")) == {"Senam pagi"}
    assert _titles(_parse(client_a, "/agenda/ical/rw/1/")) == {"Senam pagi", "Kerja bakti RW 01"}
    assert _titles(_parse(client_a, "/agenda/ical/rw/2/")) == {"Senam pagi", "Posyandu RW 02"}
    assert _titles(_parse(client_a, "/agenda/ical/rt/1/2/")) == {"Senam pagi", "Kerja bakti RW 01", "Rapat RT 02/RW 01"}
    assert _titles(_parse(client_a, "/agenda/ical/rt/2/1/")) == {"Senam pagi", "Posyandu RW 02"}
    for url in ("/agenda/ical/", "/agenda/ical/rw/1/", "/agenda/ical/rt/1/1/"):
        assert "Rapat staf" not in client_a.get(url).content.decode()
    assert client_a.get("/agenda/ical/rw/9/").status_code == 404
    assert client_a.get("/agenda/ical/rt/1/9/").status_code == 404


def test_event_properties(client_a: Client, make_event: EventFactory) -> None:
    event = make_event(
        "Pasar murah",
        starts_at=wib(5, 7),
        ends_at=wib(5, 12),
        place_name="Lapangan Mojorejo, Jl. Mojorejo",
        lat=Decimal("-7.637458"),
        lng=Decimal("111.534707"),
        description="Beras; minyak, gula.\nBawa KTP \\ KK",
    )
    vevent = next(iter(_parse(client_a, "/agenda/ical/").walk("VEVENT")))
    assert str(vevent["UID"]) == f"{event.uuid}@kotakita.id"
    assert vevent.decoded("DTSTART") == event.starts_at and vevent.decoded("DTSTART").utcoffset() == timedelta(0)
    assert vevent.decoded("DTEND") == event.ends_at
    assert isinstance(vevent.decoded("DTSTAMP"), datetime)
    assert str(vevent["LOCATION"]) == "Lapangan Mojorejo, Jl. Mojorejo"
    geo = vevent["GEO"]
    assert (float(geo.latitude), float(geo.longitude)) == (-7.637458, 111.534707)
    description = str(vevent["DESCRIPTION"])
    assert description.startswith("Beras; minyak, gula.\nBawa KTP \\ KK\n")
    assert "Penyelenggara: Panitia" in description
    assert str(vevent["URL"]).endswith(f"/agenda/{event.pk}/")
    raw = client_a.get("/agenda/ical/").content.decode()
    assert "LOCATION:Lapangan Mojorejo\\, Jl. Mojorejo" in raw
    assert "Beras\\; minyak\\, gula.\\nBawa KTP \\\\ KK" in raw.replace("\r\n ", "")
    assert "DTSTART:" in raw and "Z\r\n" in raw


def test_uid_is_stable_across_fetches_hosts_and_edits(
    client_a: Client, tenant_a: Tenant, make_event: EventFactory
) -> None:
    from apps.accounts.models import User
    from apps.agenda import services

    event = make_event("Senam pagi")
    first = _parse(client_a, "/agenda/ical/")
    other_host = Client(HTTP_HOST=f"{client_a.defaults['HTTP_HOST']}:8000")
    second = _parse(other_host, "/agenda/ical/")
    uid = str(next(iter(first.walk("VEVENT")))["UID"])
    assert uid == str(next(iter(second.walk("VEVENT")))["UID"])
    with tenant_a:
        services.update_event(
            event,
            services.EventInput(
                title="Senam pagi (diundur)",
                starts_at=wib(4, 6),
                ends_at=wib(4, 7),
                place_name="Balai RW",
                organiser="Panitia",
            ),
            by=User.objects.get(username="admin"),
        )
    moved = next(iter(_parse(client_a, "/agenda/ical/").walk("VEVENT")))
    assert str(moved["UID"]) == uid and int(moved["SEQUENCE"]) == 1
    assert str(moved["SUMMARY"]) == "Senam pagi (diundur)"


def test_long_and_multibyte_lines_are_folded(client_a: Client, make_event: EventFactory) -> None:
    title = "Pengajian akbar dan doa bersama — warga Mojorejo 🙏 " * 3
    make_event(title.strip(), description="Ñ" * 100)
    calendar = _parse(client_a, "/agenda/ical/")
    vevent = next(iter(calendar.walk("VEVENT")))
    assert str(vevent["SUMMARY"]) == title.strip()
    assert str(vevent["DESCRIPTION"]).startswith("Ñ" * 100)


def test_etag_lets_calendar_apps_skip_unchanged_feeds(client_a: Client, make_event: EventFactory) -> None:
    make_event("Senam pagi")
    first = client_a.get("/agenda/ical/")
    assert client_a.get("/agenda/ical/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    make_event("Pasar murah")
    assert client_a.get("/agenda/ical/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_writer_escaping_and_folding_units() -> None:
    assert ical.escape_text("a,b;c\\d\ne\r\nf\rg") == "a\\,b\\;c\\\\d\\ne\\nf\\ng"
    assert ical.escape_text("bell\x07") == "bell"
    line = "DESCRIPTION:" + "é" * 80
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    with pytest.raises(ValueError):
        ical.utc(datetime(2026, 1, 1))
    assert ical.utc(datetime(2026, 1, 1, 7, tzinfo=UTC)) == "20260101T070000Z"
