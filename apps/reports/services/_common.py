"""Shared internals of the reports services: codes, points, categories, attributes, photos and notifications."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import geo
from apps.core.errors import ValidationFailed
from apps.core.uploads import JPEG, PNG, FileKind, UploadRule, check_upload
from apps.notifications.services import notify, notify_contact
from apps.tenancy.due_work import Kind, schedule_due

from .. import selectors
from ..models import (
    Category,
    CategoryAttribute,
    Report,
    ReportFollower,
    ReportPhoto,
    ReportUpdate,
)

MAX_PHOTOS = 3


MAX_PHOTO_BYTES = 5 * 1024 * 1024


PHOTO_RULE = UploadRule(
    field="photos",
    allowed=(JPEG, PNG),
    max_bytes=MAX_PHOTO_BYTES,
    too_large=gettext_lazy("Foto “%(name)s” lebih dari %(limit)s."),
    wrong_type=gettext_lazy("Foto “%(name)s” bukan %(types)s."),
    too_large_code="photo_too_large",
    wrong_type_code="photo_type",
)


# Open311 GeoReport v2 allows descriptions up to 4,000 characters; every channel accepts that
# much (the site's form keeps a shorter limit of its own).
MAX_DESCRIPTION = 4000


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


Status = Report.Status


def _new_code() -> str:
    while True:
        code = "LP-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if not Report.objects.filter(code=code).exists():
            return code


def report_url(report: Report) -> str:
    return reverse("reports:detail", args=[report.code])


def _to_decimal(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Koordinat lokasi tidak valid."), code="invalid_location", field=field) from None
    # Far past any coordinate: quantizing 1e308 to 6 places overflows Decimal (a 500 before).
    if not number.is_finite() or abs(number) > 1000:
        raise ValidationFailed(_("Koordinat lokasi tidak valid."), code="invalid_location", field=field)
    return number.quantize(Decimal("0.000001"))


def parse_point(lat: object, lng: object) -> tuple[Decimal, Decimal] | None:
    """(lat, lng) as 6-decimal Decimals, None when both are empty; anything else is an error."""
    empty_lat = lat is None or str(lat).strip() == ""
    empty_lng = lng is None or str(lng).strip() == ""
    if empty_lat and empty_lng:
        return None
    if empty_lat or empty_lng:
        raise ValidationFailed(_("Lokasi harus berisi lintang dan bujur."), code="invalid_location", field="location")
    lat_d, lng_d = _to_decimal(lat, "lat"), _to_decimal(lng, "lng")
    if not geo.valid_point(float(lat_d), float(lng_d)):
        raise ValidationFailed(_("Koordinat lokasi di luar jangkauan."), code="invalid_location", field="location")
    return lat_d, lng_d


def _check_in_area(lat: Decimal, lng: Decimal) -> None:
    from apps.core.db import connection

    tenant = getattr(connection, "tenant", None)
    limit_km = selectors.report_settings().max_distance_km
    if tenant is None:
        return
    # The kelurahan polygon when staff uploaded it; else the radius of the report settings.
    radius_m = float(limit_km) * 1000 if limit_km else None
    if not geo.inside_tenant(tenant, float(lat), float(lng), radius_m=radius_m):
        raise ValidationFailed(
            _("Lokasi berada di luar wilayah %(name)s.") % {"name": tenant.name},
            code="location_outside",
            field="location",
        )


def resolve_category(category: Category | str | None) -> Category:
    if isinstance(category, Category):
        if not category.active:
            raise ValidationFailed(_("Kategori ini sudah tidak dipakai."), code="unknown_category", field="category")
        return category
    code = (category or "").strip()
    if not code:
        raise ValidationFailed(_("Pilih kategori laporan."), code="missing_category", field="category")
    found = Category.objects.filter(code=code, active=True).select_related("rt__rw", "rw", "opd").first()
    if found is None:
        raise ValidationFailed(
            _("Kategori “%(code)s” tidak dikenal.") % {"code": code[:50]}, code="unknown_category", field="category"
        )
    return found


def validate_attributes(category: Category, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Answers to the category's extra questions, checked against their datatype."""
    raw = dict(raw or {})
    answers: dict[str, Any] = {}
    definitions = {a.code: a for a in category.attributes.all()}
    unknown = sorted(set(raw) - set(definitions))
    if unknown:
        raise ValidationFailed(
            _("Pertanyaan tambahan tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)[:200]},
            code="unknown_attribute",
            field="attributes",
        )
    for code, attribute in definitions.items():
        value = raw.get(code)
        values = [str(v).strip() for v in (value if isinstance(value, list | tuple) else [value]) if v is not None]
        values = [v for v in values if v]
        if not values:
            if attribute.required:
                raise ValidationFailed(
                    _("Isian “%(question)s” wajib diisi.") % {"question": attribute.description},
                    code="missing_attribute",
                    field=f"attribute[{code}]",
                )
            continue
        answers[code] = _check_attribute(attribute, values)
    return answers


def _check_attribute(attribute: CategoryAttribute, values: list[str]) -> Any:
    bad = ValidationFailed(
        _("Isian “%(question)s” tidak valid.") % {"question": attribute.description},
        code="invalid_attribute",
        field=f"attribute[{attribute.code}]",
    )
    kind = attribute.datatype
    if kind == CategoryAttribute.Datatype.MULTI:
        if not set(values) <= set(attribute.value_keys()):
            raise bad
        return values
    if len(values) != 1:
        raise bad
    value = values[0]
    if kind == CategoryAttribute.Datatype.SINGLE:
        if value not in attribute.value_keys():
            raise bad
    elif kind == CategoryAttribute.Datatype.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise bad from None
        if not number.is_finite():
            raise bad
    elif kind == CategoryAttribute.Datatype.DATETIME:
        if parse_datetime(value) is None:
            raise bad
    elif len(value) > (2000 if kind == CategoryAttribute.Datatype.TEXT else 255):
        raise bad
    return value


@dataclass(frozen=True)
class _Photo:
    upload: UploadedFile[Any]
    kind: FileKind
    size: int


def validate_photos(photos: Sequence[UploadedFile[Any]]) -> list[_Photo]:
    """JPEG or PNG by their first bytes, at most 5 MB each and MAX_PHOTOS in all."""
    photos = [p for p in photos if p is not None]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("Paling banyak %(n)d foto per laporan.") % {"n": MAX_PHOTOS}, code="too_many_photos", field="photos"
        )
    checked = []
    for upload in photos:
        result = check_upload(upload, PHOTO_RULE)
        checked.append(_Photo(upload, result.kind, result.size))
    return checked


def _save_photos(report: Report, photos: list[_Photo]) -> None:
    saved: list[ReportPhoto] = []
    try:
        for photo in photos:
            record = ReportPhoto(report=report, content_type=photo.kind.content_type, size=photo.size)
            record.image.save(f"{record.uuid.hex}.{photo.kind.extension}", photo.upload, save=True)
            saved.append(record)
    except Exception:
        for record in saved:  # the transaction rolls the rows back; take the files with it
            record.image.delete(save=False)
        raise


def _people(report: Report) -> list[User]:
    """The reporter and the followers."""
    people = [f.user for f in report.followers.select_related("user")]
    if report.reporter is not None:
        people.append(report.reporter)
    return people


def _announce(report: Report, update: ReportUpdate, actor: User | None) -> None:
    """A timeline entry goes to the reporter, the followers and the unit's staff, not to its author."""
    recipients = _people(report) + selectors.unit_staff(report.category)
    recipients = [u for u in recipients if actor is None or u.pk != actor.pk]
    if update.to_status:
        title = _("Laporan %(code)s: %(status)s") % {"code": report.code, "status": update.to_status_label}
        event = "reports.status"
    else:
        title = _("Perkembangan laporan %(code)s") % {"code": report.code}
        event = "reports.update"
    body = update.note or _("%(category)s — status: %(status)s") % {
        "category": report.category.name,
        "status": report.get_status_display(),
    }
    notify(recipients, event=event, title=title, body=body, url=report_url(report), key=f"report-update-{update.pk}")
    if update.to_status and report.reporter_id is None and (report.contact_email or report.contact_phone):
        # A guest who left a contact hears of status changes there, with their tracking link.
        notify_contact(
            email=report.contact_email,
            phone=report.contact_phone,
            event=event,
            title=title,
            body=body,
            url=selectors.tracking_url(report),
            key=f"report-update-{update.pk}",
        )


def _actor_label(actor: User | None, report: Report) -> str:
    if actor is None:
        return _("Sistem")
    if report.reporter_id is not None and actor.pk == report.reporter_id:
        return _("Pelapor")
    if selectors.is_unit_member(actor, report.category):
        return report.category.agency_name
    if selectors.is_kelurahan_staff(actor):
        return _("Kelurahan")
    return _("Warga")


@transaction.atomic
def follow(report: Report, user: User) -> ReportFollower:
    return ReportFollower.objects.get_or_create(report=report, user=user)[0]


def _lock(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("category__rt__rw", "category__rw", "category__opd")
        .get(pk=report.pk)
    )


def _move(report: Report, actor: User | None, to: str, note: str, now: datetime) -> ReportUpdate:
    update = ReportUpdate.record(
        report=report,
        actor=actor,
        actor_label=_actor_label(actor, report),
        from_status=report.status,
        to_status=to,
        note=note,
        at=now,
    )
    report.status = to
    report.status_changed_at = now
    report.updated_at = now
    report.status_notes = note[:500]
    report.save()
    schedule_sla(report, now)
    if actor is not None and to in (Status.VERIFIED, Status.IN_PROGRESS) and actor.pk != report.reporter_id:
        follow(report, actor)
    _announce(report, update, actor)
    return update


def schedule_sla(report: Report, now: datetime) -> None:
    """Tell the due-work index when the SLA sweep must look at this report: when its new
    stage's SLA runs out (active), or when its reopen window ends (resolved)."""
    if report.status in Report.ACTIVE:
        schedule_due(Kind.REPORTS_SLA, now + report.category.sla)
    elif report.status == Status.RESOLVED:
        window = timedelta(days=selectors.report_settings().reopen_days)
        schedule_due(Kind.REPORTS_SLA, (report.resolved_at or now) + window)
