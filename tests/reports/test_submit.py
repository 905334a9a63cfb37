"""Filing a report: what is stored, and bad input that is refused with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import DomainError, Forbidden, ValidationFailed
from apps.notifications.models import Message
from apps.reports import services
from apps.reports.models import Report, ReportFollower, ReportPhoto, ReportSettings, ReportUpdate
from tests.reports.conftest import JPEG, World, jpeg, png

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        Report.objects.count(),
        ReportPhoto.objects.count(),
        ReportUpdate.objects.count(),
        Message.objects.filter(event__startswith="reports.").count(),
    )


def test_a_report_is_stored_with_its_photo_timeline_and_notifies_the_unit(world: World, media: Path) -> None:
    report = world.file(world.jalan, photos=[png(), jpeg()], address="depan pos ronda")
    assert report.code.startswith("LP-") and len(report.code) == 11
    assert report.status == Report.Status.OPEN and report.open311_status == "open"
    assert report.attributes == {"tingkat": "sedang"}
    assert report.address == "depan pos ronda"
    photos = list(report.photos.order_by("id"))
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]
    assert photos[0].image.name.endswith(".png") and photos[1].image.name.endswith(".jpg")
    # stored in the tenant's own folder of the public storage (Open311 publishes them)
    stored = Path(photos[0].image.path)
    assert media / "public" / world.tenant.schema_name / "laporan" in stored.parents and stored.exists()
    assert [u.to_status for u in report.updates.all()] == ["open"]
    # the OPD's staff hears about it, the reporter does not get a "new report" message
    recipients = set(Message.objects.filter(event="reports.new").values_list("recipient__username", flat=True))
    assert recipients == {world.opd_staff.username}


def test_photo_type_is_decided_by_magic_bytes_not_the_name(world: World, media: Path) -> None:
    disguised = SimpleUploadedFile("foto.jpg", JPEG, content_type="image/png")
    report = world.file(photos=[disguised])
    assert report.photos.get().content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lat": "", "lng": ""}, "missing_location"),
        ({"lat": "-7.6", "lng": ""}, "invalid_location"),
        ({"lat": "utara", "lng": "111.5"}, "invalid_location"),
        ({"lat": "95", "lng": "111.5"}, "invalid_location"),
        ({"lat": "-6.2", "lng": "106.8"}, "location_outside"),  # Jakarta is not in Mojorejo
        ({"category": "tidak-ada"}, "unknown_category"),
        ({"category": ""}, "missing_category"),
        ({"description": "   "}, "missing_description"),
        ({"description": "x" * 4001}, "description_too_long"),
        ({"photos": "oversized"}, "photo_too_large"),
        ({"photos": "gif"}, "photo_type"),
        ({"photos": "pdf-named-png"}, "photo_type"),
        ({"photos": "empty"}, "photo_type"),
        ({"photos": "four"}, "too_many_photos"),
        ({"attributes": {}}, "missing_attribute"),
        ({"attributes": {"tingkat": "parah"}}, "invalid_attribute"),
        ({"attributes": {"tingkat": "sedang", "lebar": "lebar sekali"}}, "invalid_attribute"),
        ({"attributes": {"tingkat": "sedang", "warna": "merah"}}, "unknown_attribute"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_changes(
    world: World, media: Path, change: dict[str, Any], code: str
) -> None:
    lat, lng = world.point(10, 10)
    photos = {
        "oversized": [png(size=5 * 1024 * 1024 + 1)],
        "gif": [SimpleUploadedFile("a.gif", b"GIF89a" + b"\x00" * 50, content_type="image/gif")],
        "pdf-named-png": [SimpleUploadedFile("a.png", b"%PDF-1.7\n" + b"\x00" * 50, content_type="image/png")],
        "empty": [SimpleUploadedFile("a.png", b"", content_type="image/png")],
        "four": [png(), png(), png(), png()],
    }
    fields: dict[str, Any] = {
        "category": "jalan-rusak",
        "description": "Lubang besar",
        "lat": lat,
        "lng": lng,
        "attributes": {"tingkat": "ringan"},
        "reporter": world.warga,
        "photos": [png()],
    }
    fields.update(change)
    if isinstance(fields["photos"], str):
        fields["photos"] = photos[fields["photos"]]
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        services.submit_report(**fields)
    assert caught.value.code == code
    assert str(caught.value.message)  # a message for people, in Bahasa Indonesia
    assert _counts() == before
    assert not list(Path(media).rglob("*.png"))  # no file left behind


def test_a_photo_of_exactly_5_mb_is_accepted(world: World, media: Path) -> None:
    report = world.file(photos=[png(size=5 * 1024 * 1024)])
    assert report.photos.get().size == 5 * 1024 * 1024


def test_anonymous_reports_only_where_the_kelurahan_allows_them(world: World) -> None:
    lat, lng = world.point()
    ReportSettings.objects.create(pk=1, allow_anonymous=False)
    with pytest.raises(Forbidden) as caught:
        services.submit_report(category="sampah", description="Sampah", lat=lat, lng=lng, reporter=None)
    assert caught.value.code == "login_required"
    assert not Report.objects.exists()
    ReportSettings.objects.filter(pk=1).update(allow_anonymous=True)
    report = services.submit_report(
        category="sampah", description="Sampah", lat=lat, lng=lng, reporter=None, contact_phone="0812"
    )
    assert report.reporter is None and report.contact_phone == "0812"


def test_the_reporter_follows_nothing_twice_and_an_inactive_category_is_refused(world: World) -> None:
    world.sampah.active = False
    world.sampah.save()
    with pytest.raises(DomainError) as caught:
        world.file(world.sampah)
    assert caught.value.code == "unknown_category"
    assert not ReportFollower.objects.exists()
