"""Filing a report: submit, me-too and follow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.notifications.services import notify
from apps.rtrw.models import RukunTetangga

from .. import selectors
from ..models import (
    ApiKey,
    Category,
    Report,
    ReportFollower,
    ReportUpdate,
)
from ._common import (
    MAX_DESCRIPTION,
    Status,
    _check_in_area,
    _new_code,
    _save_photos,
    parse_point,
    report_url,
    resolve_category,
    schedule_sla,
    validate_attributes,
    validate_photos,
)


@transaction.atomic
def submit_report(
    *,
    category: Category | str | None,
    description: str,
    lat: object = None,
    lng: object = None,
    address: str = "",
    rt: RukunTetangga | None = None,
    photos: Sequence[UploadedFile[Any]] = (),
    reporter: User | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    attributes: Mapping[str, Any] | None = None,
    source: str = Report.Source.WEB,
    api_key: ApiKey | None = None,
    account_id: str = "",
    device_id: str = "",
    media_url: str = "",
    require_point: bool = True,
    require_description: bool = True,
    now: datetime | None = None,
) -> Report:
    """File a report. Everything is checked before anything is written; on any error nothing is.

    A point (lat/lng) is required, except where an address (a landmark) alone is accepted
    (`require_point=False`: Open311, and the site's form when the map cannot be used), and
    where the description is optional too (`require_description=False`,
    as the spec makes it). Anonymous reports (no `reporter`) from the site or the API need
    the kelurahan's permission; Open311 requests are vouched for by their API key.
    """
    now = now or timezone.now()
    chosen = resolve_category(category)
    text = (description or "").strip()
    if not text and require_description:
        raise ValidationFailed(_("Uraikan masalahnya."), code="missing_description", field="description")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(
            _("Uraian paling panjang %(n)d huruf.") % {"n": MAX_DESCRIPTION},
            code="description_too_long",
            field="description",
        )
    point = parse_point(lat, lng)
    # Typed or sent by the reporter (the site's form, Open311 clients): refused when too long,
    # before anything is written, never cut (a cut e-mail or media URL would still look valid).
    address = clean_short_text(address, field="address", max_length=255)
    contact_name = clean_short_text(contact_name, field="contact_name", max_length=150)
    contact_phone = clean_short_text(contact_phone, field="phone", max_length=30)
    account_id = clean_short_text(account_id, field="account_id", max_length=100)
    device_id = clean_short_text(device_id, field="device_id", max_length=100)
    media_url = clean_short_text(media_url, field="media_url", max_length=500)
    if point is None and require_point:
        raise ValidationFailed(_("Tentukan lokasi di peta atau pakai GPS."), code="missing_location", field="location")
    if point is None and not address:
        raise ValidationFailed(
            _("Tentukan lokasi di peta, pakai GPS, atau tuliskan patokan lokasinya."),
            code="missing_location",
            field="location",
        )
    if point is not None:
        _check_in_area(*point)
    anonymous = reporter is None and source in (Report.Source.WEB, Report.Source.API)
    if anonymous and not selectors.report_settings().allow_anonymous:
        raise Forbidden(_("Masuk dulu untuk membuat laporan."), code="login_required")
    contact_email = clean_short_text(contact_email, field="email", max_length=254)
    if contact_email:
        try:
            validate_email(contact_email)
        except DjangoValidationError:
            raise ValidationFailed(_("Alamat e-mail tidak valid."), code="invalid_email", field="email") from None
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except DjangoValidationError:
            raise ValidationFailed(_("media_url bukan URL yang valid."), code="invalid_media_url") from None
    answers = validate_attributes(chosen, attributes)
    checked_photos = validate_photos(photos)

    report = Report.objects.create(
        code=_new_code(),
        category=chosen,
        description=text,
        attributes=answers,
        status=Status.OPEN,
        status_changed_at=now,
        lat=point[0] if point else None,
        lng=point[1] if point else None,
        address=address,
        rt=rt,
        reporter=reporter,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        source=source,
        api_key=api_key,
        account_id=account_id,
        device_id=device_id,
        media_url=media_url,
        created_at=now,
        updated_at=now,
    )
    update = ReportUpdate.record(
        report=report,
        actor=reporter,
        actor_label=_("Pelapor"),
        to_status=Status.OPEN,
        note=_("Laporan diterima."),
        at=now,
    )
    _save_photos(report, checked_photos)
    schedule_sla(report, now)
    notify(
        [u for u in selectors.unit_staff(chosen) if reporter is None or u.pk != reporter.pk],
        event="reports.new",
        title=_("Laporan baru: %(category)s") % {"category": chosen.name},
        body=f"{report.code} · {text[:280]}",
        url=report_url(report),
        key=f"report-update-{update.pk}",
    )
    return report


@transaction.atomic
def me_too(report: Report, user: User) -> Report:
    """ "Saya juga": follow an open report and add one to its support, once per person."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.is_active:
        raise Conflict(_("Laporan ini sudah tidak terbuka."), code="report_not_open")
    if report.reporter_id == user.pk:
        raise Conflict(_("Ini laporan Anda sendiri."), code="own_report")
    follower, created = ReportFollower.objects.get_or_create(report=report, user=user, defaults={"supporter": True})
    if created or not follower.supporter:
        if not created:
            follower.supporter = True
            follower.save(update_fields=["supporter"])
        Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
        report.refresh_from_db()
    return report
