"""Every write of laporan warga: filing, "saya juga", the lifecycle, SLA reminders, API keys.

Lifecycle (FixMyStreet-like, mapped onto Open311 open/closed):

    open ──verify──▶ verified ──start──▶ in_progress ──resolve──▶ resolved ──close──▶ closed
      │ └──────────────start──────────────▲   (resolve also from open/verified/reopened)
      ├──duplicate──▶ duplicate (merged into another report: its people follow the original)
      └──not_responsible──▶ not_responsible (bukan wewenang, with a reason)
    resolved/closed ──reopen (by the reporter, within `reopen_days` of resolution)──▶ reopened

Handlers (the category's unit, kelurahan admins, the lurah) verify, start, resolve, close,
mark duplicate / not responsible and add notes; the reporter may close a resolved report or
reopen it. Each change is a public timeline entry and notifies the reporter, the followers
and the unit staff (never the person who made the change), in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import geo
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.uploads import JPEG, PNG, FileKind, UploadRule, check_upload
from apps.notifications.services import notify

from . import selectors
from .models import (
    ApiKey,
    Category,
    CategoryAttribute,
    Opd,
    Report,
    ReportFollower,
    ReportPhoto,
    ReportUpdate,
    SlaReminder,
)

logger = logging.getLogger(__name__)

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


# --- small helpers ------------------------------------------------------------------------


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


# --- notifications ------------------------------------------------------------------------


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


# --- filing -------------------------------------------------------------------------------


@transaction.atomic
def submit_report(
    *,
    category: Category | str | None,
    description: str,
    lat: object = None,
    lng: object = None,
    address: str = "",
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

    A point (lat/lng) is required, except for Open311 where an address alone is accepted
    (`require_point=False`), where the description is optional too (`require_description=False`,
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
    address = (address or "").strip()[:255]
    if point is None and (require_point or not address):
        raise ValidationFailed(_("Tentukan lokasi di peta atau pakai GPS."), code="missing_location", field="location")
    if point is not None:
        _check_in_area(*point)
    anonymous = reporter is None and source in (Report.Source.WEB, Report.Source.API)
    if anonymous and not selectors.report_settings().allow_anonymous:
        raise Forbidden(_("Masuk dulu untuk membuat laporan."), code="login_required")
    contact_email = (contact_email or "").strip()[:254]
    if contact_email:
        try:
            validate_email(contact_email)
        except DjangoValidationError:
            raise ValidationFailed(_("Alamat e-mail tidak valid."), code="invalid_email", field="email") from None
    media_url = (media_url or "").strip()
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
        reporter=reporter,
        contact_name=(contact_name or "").strip()[:150],
        contact_email=contact_email,
        contact_phone=(contact_phone or "").strip()[:30],
        source=source,
        api_key=api_key,
        account_id=(account_id or "")[:100],
        device_id=(device_id or "")[:100],
        media_url=media_url[:500],
        created_at=now,
        updated_at=now,
    )
    if api_key is not None:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    update = ReportUpdate.objects.create(
        report=report,
        author=reporter,
        actor_label=_("Pelapor"),
        to_status=Status.OPEN,
        note=_("Laporan diterima."),
        created_at=now,
    )
    _save_photos(report, checked_photos)
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


@transaction.atomic
def follow(report: Report, user: User) -> ReportFollower:
    return ReportFollower.objects.get_or_create(report=report, user=user)[0]


# --- lifecycle ----------------------------------------------------------------------------


def _lock(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("category__rt__rw", "category__rw", "category__opd")
        .get(pk=report.pk)
    )


def _require_handler(actor: User | None, report: Report) -> User:
    if actor is None or not selectors.can_handle(actor, report):
        raise Forbidden(_("Anda tidak berwenang menangani laporan ini."), code="not_handler")
    return actor


def _require_status(report: Report, allowed: Iterable[str], action: str) -> None:
    if report.status not in set(allowed):
        raise Conflict(
            _("Laporan berstatus “%(status)s” tidak bisa %(action)s.")
            % {"status": report.get_status_display(), "action": action},
            code="invalid_transition",
            status=report.status,
        )


def _require_text(value: str, message: str, field: str = "note") -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, code="missing_note", field=field)
    return text[:2000]


def _move(report: Report, actor: User | None, to: str, note: str, now: datetime) -> ReportUpdate:
    update = ReportUpdate.objects.create(
        report=report,
        author=actor,
        actor_label=_actor_label(actor, report),
        from_status=report.status,
        to_status=to,
        note=note,
        created_at=now,
    )
    report.status = to
    report.status_changed_at = now
    report.updated_at = now
    report.status_notes = note[:500]
    report.save()
    if actor is not None and to in (Status.VERIFIED, Status.IN_PROGRESS) and actor.pk != report.reporter_id:
        follow(report, actor)
    _announce(report, update, actor)
    return update


@transaction.atomic
def verify(report: Report, actor: User | None, note: str = "", *, now: datetime | None = None) -> Report:
    report = _lock(report)
    _require_handler(actor, report)
    _require_status(report, (Status.OPEN, Status.REOPENED), _("diverifikasi"))
    text = (note or "").strip() or _("Laporan sudah diverifikasi.")
    _move(report, actor, Status.VERIFIED, text, now or timezone.now())
    return report


@transaction.atomic
def start_work(report: Report, actor: User | None, note: str = "", *, now: datetime | None = None) -> Report:
    report = _lock(report)
    handler = _require_handler(actor, report)
    _require_status(report, (Status.OPEN, Status.VERIFIED, Status.REOPENED), _("mulai dikerjakan"))
    report.assignee = handler
    _move(report, actor, Status.IN_PROGRESS, (note or "").strip() or _("Sedang dikerjakan."), now or timezone.now())
    return report


@transaction.atomic
def resolve(report: Report, actor: User | None, note: str, *, now: datetime | None = None) -> Report:
    report = _lock(report)
    _require_handler(actor, report)
    _require_status(report, Report.ACTIVE, _("diselesaikan"))
    text = _require_text(note, _("Tuliskan apa yang sudah dikerjakan."))
    now = now or timezone.now()
    report.resolved_at = now
    _move(report, actor, Status.RESOLVED, text, now)
    return report


@transaction.atomic
def close(report: Report, actor: User | None, note: str = "", *, now: datetime | None = None) -> Report:
    """Close a resolved report: its handlers, or the reporter confirming the fix."""
    report = _lock(report)
    if actor is None or (actor.pk != report.reporter_id and not selectors.can_handle(actor, report)):
        raise Forbidden(_("Anda tidak berwenang menutup laporan ini."), code="not_handler")
    _require_status(report, (Status.RESOLVED,), _("ditutup"))
    _move(report, actor, Status.CLOSED, (note or "").strip() or _("Laporan ditutup."), now or timezone.now())
    return report


@transaction.atomic
def mark_not_responsible(report: Report, actor: User | None, reason: str, *, now: datetime | None = None) -> Report:
    report = _lock(report)
    _require_handler(actor, report)
    _require_status(report, (Status.OPEN, Status.VERIFIED, Status.REOPENED), _("ditandai bukan wewenang"))
    text = _require_text(reason, _("Tuliskan alasan bukan wewenang."), "reason")
    _move(report, actor, Status.NOT_RESPONSIBLE, text, now or timezone.now())
    return report


@transaction.atomic
def mark_duplicate(
    report: Report, actor: User | None, original: Report | str, note: str = "", *, now: datetime | None = None
) -> Report:
    """Merge `report` into `original`: its reporter and followers follow and support the original."""
    now = now or timezone.now()
    if isinstance(original, str):
        found = Report.objects.filter(code=original.strip().upper()).first()
        if found is None:
            raise NotFound(_("Laporan asal “%(code)s” tidak ditemukan.") % {"code": original[:20]}, field="original")
        original = found
    if original.pk == report.pk:
        raise ValidationFailed(_("Laporan tidak bisa menjadi duplikat dirinya sendiri."), code="self_duplicate")
    # Lock both rows in id order so two merges cannot deadlock.
    locked = {
        r.pk: r
        for r in Report.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk__in=[report.pk, original.pk])
        .order_by("pk")
    }
    report, original = locked[report.pk], locked[original.pk]
    _require_handler(actor, report)
    _require_status(report, (Status.OPEN, Status.VERIFIED, Status.REOPENED), _("ditandai duplikat"))
    if original.status == Status.DUPLICATE:
        raise Conflict(_("Laporan asal juga duplikat; pilih laporan induknya."), code="original_is_duplicate")

    people = {u.pk: u for u in _people(report)}
    people.pop(original.reporter_id or 0, None)
    already = set(original.followers.values_list("user_id", flat=True))
    added = 0
    for pk, user in people.items():
        if pk not in already:
            ReportFollower.objects.create(report=original, user=user, supporter=True)
            added += 1
    if report.reporter_id is None:
        added += 1  # an anonymous or Open311 reporter still counts as support
    Report.objects.filter(pk=original.pk).update(support_count=F("support_count") + added, updated_at=now)
    ReportUpdate.objects.create(
        report=original,
        author=actor,
        actor_label=_actor_label(actor, original),
        note=_("Laporan %(code)s digabungkan ke laporan ini.") % {"code": report.code},
        created_at=now,
    )
    report.duplicate_of = original
    text = (note or "").strip() or _("Sama dengan laporan %(code)s; ikuti perkembangannya di sana.") % {
        "code": original.code
    }
    _move(report, actor, Status.DUPLICATE, text, now)
    return report


@transaction.atomic
def reopen(report: Report, actor: User | None, reason: str, *, now: datetime | None = None) -> Report:
    """The reporter reopens a resolved (or closed after resolution) report within `reopen_days`."""
    now = now or timezone.now()
    report = _lock(report)
    if actor is None or report.reporter_id is None or actor.pk != report.reporter_id:
        raise Forbidden(_("Hanya pelapor yang bisa membuka kembali laporan."), code="not_reporter")
    _require_status(report, (Status.RESOLVED, Status.CLOSED), _("dibuka kembali"))
    window = selectors.report_settings().reopen_days
    if report.resolved_at is None or now > report.resolved_at + timedelta(days=window):
        raise Conflict(
            _("Batas %(days)d hari untuk membuka kembali sudah lewat.") % {"days": window}, code="reopen_expired"
        )
    text = _require_text(reason, _("Tuliskan mengapa masalahnya belum selesai."), "reason")
    report.resolved_at = None
    _move(report, actor, Status.REOPENED, text, now)
    return report


@transaction.atomic
def add_note(report: Report, actor: User | None, note: str, *, now: datetime | None = None) -> ReportUpdate:
    """A public progress note from a handler, without a status change."""
    now = now or timezone.now()
    report = _lock(report)
    _require_handler(actor, report)
    text = _require_text(note, _("Catatan tidak boleh kosong."))
    update = ReportUpdate.objects.create(
        report=report, author=actor, actor_label=_actor_label(actor, report), note=text, created_at=now
    )
    Report.objects.filter(pk=report.pk).update(updated_at=now, status_notes=text[:500])
    _announce(report, update, actor)
    return update


ACTIONS = {
    "verify": verify,
    "start": start_work,
    "resolve": resolve,
    "close": close,
    "not_responsible": mark_not_responsible,
    "reopen": reopen,
}


def apply_action(report: Report, actor: User | None, action: str, *, note: str = "", original: str = "") -> Report:
    """One entry point for pages and the API: `action` is a key of ACTIONS, "duplicate" or "note"."""
    if action == "duplicate":
        return mark_duplicate(report, actor, original, note)
    if action == "note":
        add_note(report, actor, note)
        return Report.objects.get(pk=report.pk)
    if action not in ACTIONS:
        raise ValidationFailed(_("Tindakan tidak dikenal."), code="unknown_action", field="action")
    return ACTIONS[action](report, actor, note)


# --- SLA: reminders, escalations, auto-close ----------------------------------------------


@dataclass(frozen=True)
class SlaRun:
    reminders: int
    escalations: int
    closed: int


def _stalled(category: Category, level: str, threshold: datetime) -> list[int]:
    sent = SlaReminder.objects.filter(
        report=OuterRef("pk"), level=level, stage_started_at=OuterRef("status_changed_at")
    )
    return list(
        Report.objects.filter(category=category, status__in=Report.ACTIVE, status_changed_at__lte=threshold)
        .exclude(Exists(sent))
        .order_by("status_changed_at", "pk")
        .values_list("pk", flat=True)
    )


def _send_sla(report_id: int, level: str, now: datetime) -> bool:
    """Send one reminder/escalation for the report's current stage; False when not (or no longer) due."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("category__rt__rw", "category__rw", "category__opd")
            .filter(pk=report_id)
            .first()
        )
        if report is None or not report.is_active:
            return False
        category = report.category
        wait = category.escalation if level == SlaReminder.Level.ESCALATION else category.sla
        if report.status_changed_at + wait > now:
            return False
        reminder, created = SlaReminder.objects.get_or_create(
            report=report, level=level, stage_started_at=report.status_changed_at, defaults={"sent_at": now}
        )
        if not created:
            return False
        since = timezone.localtime(report.status_changed_at).strftime("%d-%m-%Y %H:%M")
        facts = {
            "code": report.code,
            "category": category.name,
            "status": report.get_status_display(),
            "since": since,
            "hours": category.sla_hours,
            "unit": category.agency_name,
        }
        if level == SlaReminder.Level.ESCALATION:
            recipients = selectors.lurah_users()
            title = _("Eskalasi: laporan %(code)s belum ditangani") % facts
            body = (
                _(
                    "Laporan %(category)s (%(code)s) untuk %(unit)s berstatus “%(status)s” sejak %(since)s "
                    "dan sudah melewati batas eskalasi."
                )
                % facts
            )
            event = "reports.escalated"
        else:
            recipients = selectors.unit_staff(category)
            title = _("Pengingat: laporan %(code)s melewati SLA") % facts
            body = (
                _("Laporan %(category)s (%(code)s) berstatus “%(status)s” sejak %(since)s, melewati SLA %(hours)d jam.")
                % facts
            )
            event = "reports.sla_reminder"
        notify(
            recipients,
            event=event,
            title=title,
            body=body,
            url=report_url(report),
            key=f"report-{report.pk}-{level}-{report.status_changed_at.timestamp():.0f}",
        )
        reminder.recipients = len(recipients)
        reminder.save(update_fields=["recipients"])
        return True


def close_expired_resolutions(now: datetime | None = None) -> int:
    """Close resolved reports whose reopen window has passed (the reporter can no longer reopen)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=selectors.report_settings().reopen_days)
    closed = 0
    for pk in Report.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            report = _lock(Report(pk=pk))
            if report.status != Status.RESOLVED:
                continue
            _move(report, None, Status.CLOSED, _("Ditutup otomatis setelah masa buka kembali lewat."), now)
            closed += 1
    return closed


def run_sla(now: datetime | None = None) -> SlaRun:
    """The beat job's work in one tenant. Idempotent: each stage's reminder and escalation is
    recorded (SlaReminder, unique per report, level and stage) and so sent once."""
    now = now or timezone.now()
    reminders = escalations = 0
    for category in Category.objects.order_by("pk"):
        for report_id in _stalled(category, SlaReminder.Level.REMINDER, now - category.sla):
            reminders += _send_sla(report_id, SlaReminder.Level.REMINDER, now)
        for report_id in _stalled(category, SlaReminder.Level.ESCALATION, now - category.escalation):
            escalations += _send_sla(report_id, SlaReminder.Level.ESCALATION, now)
    closed = close_expired_resolutions(now)
    return SlaRun(reminders, escalations, closed)


# --- Open311 API keys ---------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, name: str, contact_email: str = "", raw_key: str | None = None) -> tuple[ApiKey, str]:
    """A new integrator key; the raw key is returned once and only its digest is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Nama integrator wajib diisi."), code="missing_name", field="name")
    raw = raw_key or f"o311_{secrets.token_urlsafe(30)}"
    try:
        with transaction.atomic():
            key = ApiKey.objects.create(
                name=name[:150], contact_email=contact_email.strip(), prefix=raw[:12], key_hash=_digest(raw)
            )
    except IntegrityError:
        raise Conflict(_("Kunci API ini sudah ada."), code="duplicate_key") from None
    return key, raw


def authenticate_api_key(raw: str) -> ApiKey | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    return ApiKey.objects.filter(key_hash=_digest(raw), active=True).first()


# --- set-up (admin, demo) -----------------------------------------------------------------


@transaction.atomic
def ensure_opd(*, code: str, name: str, contact: str = "", email: str = "") -> Opd:
    opd, _created = Opd.objects.get_or_create(code=code, defaults={"name": name, "contact": contact, "email": email})
    return opd


@transaction.atomic
def ensure_category(*, code: str, name: str, attributes: Sequence[Mapping[str, Any]] = (), **fields: Any) -> Category:
    """Create a category (and its extra questions) unless its code exists; never changes one."""
    existing = Category.objects.filter(code=code).first()
    if existing is not None:
        return existing
    category = Category(code=code, name=name, **fields)
    try:
        category.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Kategori tidak valid."), code="invalid_category", errors=exc.message_dict) from None
    category.save()
    for order, spec in enumerate(attributes, start=1):
        CategoryAttribute.objects.create(category=category, order=order, **spec)
    return category
