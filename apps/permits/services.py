"""Every write on permits: apply, edit, each workflow step, NIB, with the event log and notifications.

Each function checks who acts (403), whether the step fits the permit's status (409) and the
input (422) before it writes anything; the writes of one call commit together. Uploaded files
are stored after validation and removed again if the transaction fails.

The NIK is validated, then kept only as a keyed digest, a Fernet ciphertext and a masked copy;
it never goes into a log line, an event, a notification or an error message.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import geo
from apps.core import nik as nik_rules
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.files import private_storage
from apps.core.uploads import JPEG, PDF, PNG, CheckedUpload, FileKind, UploadRule, check_upload
from apps.notifications.services import notify
from apps.rtrw.models import Residency, RukunTetangga
from apps.tenancy.models import Tenant

from . import kbli, oss, policy, workflow
from .models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
    MICRO_CAPITAL_MAX,
    NIK_KEY,
    Permit,
    PermitEvent,
    PermitSequence,
    SlaRule,
)

logger = logging.getLogger(__name__)

MIN_APPLICANT_AGE = 17  # the age a KTP is issued at
MAX_WORKERS = 1000
# How far (km) a business may lie from the tenant's centre point.
MAX_DISTANCE_KM = {"kelurahan": 10.0, "kota": 75.0}
PERMIT_NUMBER_CODE = "503"  # classification code of licensing letters (Permendagri 78/2012)


class OssUnavailableError(DomainError):
    status_code = 503
    code = "oss_unavailable"


# --- SLA ----------------------------------------------------------------------------------


def sla_days(status: str) -> int | None:
    """Days allowed in a waiting status: the tenant's SlaRule, else settings.PERMITS_SLA_DAYS, else defaults."""
    if status not in workflow.WAITING:
        return None
    rule = SlaRule.objects.filter(status=status).values_list("days", flat=True).first()
    if rule:
        return int(rule)
    configured: dict[str, int] = getattr(settings, "PERMITS_SLA_DAYS", None) or {}
    return int(configured.get(status, workflow.DEFAULT_SLA_DAYS[status]))


def due_for(status: str, since: datetime) -> datetime | None:
    days = sla_days(status)
    return since + timedelta(days=days) if days else None


# --- numbering ----------------------------------------------------------------------------


def format_number(sequence: int, region_code: str, year: int) -> str:
    """`503/<seq, 4 digits>/<Kemendagri code of the kelurahan>/<year>`, e.g. 503/0007/35.77.03.1001/2026.

    503 is the archive classification code of licences (Permendagri 78/2012); the sequence
    restarts at 1 every calendar year (Asia/Jakarta) and is unique per tenant and year.
    """
    return f"{PERMIT_NUMBER_CODE}/{sequence:04d}/{region_code}/{year}"


def _next_sequence(year: int) -> int:
    return PermitSequence.next_value(year)


def _tenant_region_code() -> str:
    tenant = getattr(connection, "tenant", None)
    return str(getattr(tenant, "region_id", None) or connection.schema_name)


# --- input checks -------------------------------------------------------------------------


_regencies: frozenset[str] = frozenset()


def _known_regencies() -> frozenset[str] | None:
    """Kabupaten/kota codes of the national region list (public schema), read once per process."""
    global _regencies
    if not _regencies:
        from apps.tenancy.models import Region

        _regencies = frozenset(Region.objects.filter(level=Region.Level.KABUPATEN_KOTA).values_list("code", flat=True))
    return _regencies or None


def clean_nik(raw: str, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    try:
        info = nik_rules.parse_nik(raw, today=today, known_regencies=_known_regencies())
    except nik_rules.InvalidNumber as exc:
        messages = {
            nik_rules.EMPTY: _("NIK harus 16 digit angka."),
            nik_rules.FORMAT: _("NIK harus 16 digit angka."),
            nik_rules.REGION: _("Kode wilayah pada NIK tidak valid."),
            nik_rules.BIRTH_DATE: _("Tanggal lahir pada NIK tidak valid."),
            nik_rules.SERIAL: _("Nomor urut pada NIK tidak valid."),
        }
        raise ValidationFailed(messages.get(exc.code, _("NIK tidak valid.")), code="invalid_nik", field="nik") from None
    if nik_rules.age_on(info.birth_date, today) < MIN_APPLICANT_AGE:
        raise ValidationFailed(
            _("Pemilik usaha harus berusia minimal %(age)d tahun.") % {"age": MIN_APPLICANT_AGE},
            code="invalid_nik",
            field="nik",
        )
    return info.nik


def clean_kbli(code: str) -> kbli.Kbli:
    try:
        return kbli.get(code)
    except kbli.InvalidKbli:
        raise ValidationFailed(_("Kode KBLI harus 5 digit angka."), code="invalid_kbli", field="kbli_code") from None
    except kbli.UnknownKbli:
        raise ValidationFailed(
            _("Kode KBLI %(code)s tidak ada dalam daftar KBLI 2020 usaha mikro.") % {"code": code.strip()},
            code="unknown_kbli",
            field="kbli_code",
        ) from None


def _clean_text(value: Any, field: str, label: str, *, max_length: int, min_length: int = 0) -> str:
    text = " ".join(str(value or "").split()) if field != "products" else str(value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s paling panjang %(n)d karakter.") % {"label": label, "n": max_length}, field=field
        )
    if min_length and len(text) < min_length:
        raise ValidationFailed(
            _("%(label)s wajib diisi (minimal %(n)d karakter).") % {"label": label, "n": min_length}, field=field
        )
    return text


def _clean_int(value: Any, field: str, label: str, *, low: int, high: int, message: str = "") -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationFailed(_("%(label)s wajib diisi.") % {"label": label}, field=field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(label)s harus bilangan bulat.") % {"label": label}, field=field) from None
    if isinstance(value, float | Decimal) and number != value:
        raise ValidationFailed(_("%(label)s harus bilangan bulat.") % {"label": label}, field=field)
    if not low <= number <= high:
        raise ValidationFailed(
            message or _("%(label)s harus antara %(low)d dan %(high)d.") % {"label": label, "low": low, "high": high},
            field=field,
        )
    return number


def clean_capital(value: Any) -> int:
    return _clean_int(
        value,
        "capital",
        _("Modal usaha"),
        low=0,
        high=MICRO_CAPITAL_MAX,
        message=_(
            "Modal usaha mikro paling banyak Rp1.000.000.000 di luar tanah dan bangunan (PP 7/2021); "
            "isi dalam rupiah tanpa titik."
        ),
    )


def _to_decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("Koordinat lokasi harus berupa angka."), code="invalid_location", field=field
        ) from None
    if not number.is_finite():
        raise ValidationFailed(_("Koordinat lokasi harus berupa angka."), code="invalid_location", field=field)
    if abs(number) > 1000:  # quantizing 1e308 to 6 places would overflow Decimal (a 500)
        raise ValidationFailed(
            _("Titik lokasi berada di luar wilayah Indonesia."), code="invalid_location", field=field
        )
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def clean_location(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither; inside Indonesia; not far from the kelurahan/kota."""
    missing_lat, missing_lng = lat in (None, ""), lng in (None, "")
    if missing_lat and missing_lng:
        return None, None
    if missing_lat or missing_lng:
        raise ValidationFailed(
            _("Lokasi usaha harus berisi lintang dan bujur; pilih titik di peta."),
            code="invalid_location",
            field="location",
        )
    lat_d, lng_d = _to_decimal(lat, "location"), _to_decimal(lng, "location")
    if not (LAT_MIN <= lat_d <= LAT_MAX and LNG_MIN <= lng_d <= LNG_MAX):
        raise ValidationFailed(
            _("Titik lokasi berada di luar wilayah Indonesia."), code="invalid_location", field="location"
        )
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Tenant) and tenant.boundary:
        if not geo.in_boundary(tenant.boundary, float(lat_d), float(lng_d)):
            raise ValidationFailed(
                _("Titik lokasi berada di luar wilayah %(name)s; pilih titik di dalam batasnya.")
                % {"name": tenant.name},
                code="invalid_location",
                field="location",
            )
    elif tenant is not None and getattr(tenant, "lat", None) is not None and getattr(tenant, "lng", None) is not None:
        limit = MAX_DISTANCE_KM.get(str(tenant.tenant_type))
        distance = geo.haversine_m(float(lat_d), float(lng_d), float(tenant.lat), float(tenant.lng)) / 1000
        if limit is not None and distance > limit:
            raise ValidationFailed(
                _("Titik lokasi berjarak %(km).0f km dari %(name)s; pilih titik di wilayah %(name)s.")
                % {"km": distance, "name": tenant.name},
                code="invalid_location",
                field="location",
            )
    return lat_d, lng_d


MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 2 MB


def _upload_rule(field: str, label: Promise, allowed: tuple[FileKind, ...]) -> UploadRule:
    return UploadRule(
        field=field,
        allowed=allowed,
        max_bytes=MAX_UPLOAD_BYTES,
        label=label,
        too_large=gettext_lazy("%(label)s terlalu besar (%(mb).1f MB); paling besar %(limit)s."),
        wrong_type=gettext_lazy("%(label)s harus berkas %(type_list)s (isi berkas diperiksa, bukan namanya)."),
        empty=gettext_lazy("%(label)s kosong."),
    )


UPLOAD_RULES = {
    "ktp_scan": _upload_rule("ktp_scan", gettext_lazy("Scan KTP"), (JPEG, PNG, PDF)),
    "premises_photo": _upload_rule("premises_photo", gettext_lazy("Foto tempat usaha"), (JPEG, PNG)),
}


def clean_upload(upload: File[Any], field: str) -> CheckedUpload:
    """Type by content (KTP scan: JPEG/PNG/PDF, premises photo: JPEG/PNG), size at most 2 MB."""
    return check_upload(upload, UPLOAD_RULES[field])


def _store(permit: Permit, field: str, checked: CheckedUpload, saved: list[str]) -> str:
    """Save under a server-chosen name; return the replaced file's name (to delete after commit)."""
    old = getattr(permit, field).name or ""
    prefix = "ktp" if field == "ktp_scan" else "tempat-usaha"
    getattr(permit, field).save(f"{prefix}-{secrets.token_hex(8)}.{checked.kind.extension}", checked.file, save=False)
    saved.append(getattr(permit, field).name)
    setattr(permit, f"{field}_type", checked.kind.content_type)
    return str(old)


def _discard(names: Iterable[str]) -> None:
    for name in names:
        if name:
            private_storage().delete(name)  # both permit files are private


# --- who and what -------------------------------------------------------------------------


def _residency_rt(user: User) -> RukunTetangga | None:
    residency = Residency.objects.filter(user=user).select_related("rt").first()
    return residency.rt if residency else None


def _missing_for_submission(permit: Permit, uploading: Iterable[str] = ()) -> list[str]:
    missing = []
    if permit.rt_id is None:
        missing.append(_("RT pemohon"))
    if not permit.address:
        missing.append(_("alamat usaha"))
    if permit.lat is None or permit.lng is None:
        missing.append(_("lokasi usaha di peta"))
    if not permit.products:
        missing.append(_("produk/jasa"))
    if not permit.ktp_scan and "ktp_scan" not in uploading:
        missing.append(_("scan KTP"))
    if not permit.premises_photo and "premises_photo" not in uploading:
        missing.append(_("foto tempat usaha"))
    return missing


def _require_complete(permit: Permit, uploading: Iterable[str] = ()) -> None:
    missing = _missing_for_submission(permit, uploading)
    if missing:
        raise ValidationFailed(
            _("Permohonan belum lengkap: %(missing)s.") % {"missing": ", ".join(missing)},
            code="incomplete",
            missing=missing,
        )


def _staff_users() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name__in=policy.STAFF_ROLES).distinct())


def _lurah_users() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.LURAH.value).distinct())


def next_actors(permit: Permit) -> list[User]:
    """Who must act on the permit now (to notify and to remind)."""
    if permit.status == workflow.SUBMITTED and permit.rt is not None:
        heads = [permit.rt.ketua, permit.rt.rw.ketua]
        return [u for u in heads if u is not None and u.is_active and u.pk != permit.applicant_id]
    if permit.status in (workflow.RECOMMENDED, workflow.APPROVED):
        return [u for u in _staff_users() if u.pk != permit.applicant_id]
    if permit.status == workflow.VERIFIED:
        return [u for u in _lurah_users() if u.pk != permit.applicant_id]
    if permit.status == workflow.RETURNED:
        return [permit.applicant]
    return []


def _title(action: str) -> str:
    titles = {
        "create": _("Draf permohonan izin dibuat"),
        "update": _("Permohonan izin diubah"),
        "submit": _("Permohonan izin diajukan"),
        "recommend": _("Permohonan izin direkomendasikan RT/RW"),
        "verify": _("Permohonan izin diverifikasi petugas"),
        "approve": _("Permohonan izin disetujui lurah"),
        "issue": _("Izin usaha mikro terbit"),
        "return": _("Permohonan izin dikembalikan untuk dilengkapi"),
        "reject": _("Permohonan izin ditolak"),
        "resubmit": _("Permohonan izin diajukan ulang"),
        "withdraw": _("Permohonan izin ditarik"),
        "revoke": _("Izin usaha mikro dicabut"),
    }
    return titles.get(action, _("Permohonan izin diperbarui"))


def _notify_step(permit: Permit, event: PermitEvent, actor: User) -> None:
    url = reverse("permits:detail", args=[permit.pk])
    status = str(Permit.Status(permit.status).label)
    body = _("%(business)s — status: %(status)s.") % {"business": permit.business_name, "status": status}
    if event.reason:
        body += "\n" + _("Alasan/catatan: %(reason)s") % {"reason": event.reason}
    if permit.status == workflow.ISSUED:
        body += "\n" + _("Nomor izin: %(number)s. Sertifikat PDF dapat diunduh.") % {"number": permit.number}
    if permit.applicant_id != actor.pk:
        notify(
            [permit.applicant],
            event=f"permits.{event.action}",
            title=f"{_title(event.action)}: {permit.business_name}",
            body=body,
            key=f"permit-{permit.pk}-event-{event.pk}",
            url=url,
        )
    todo = [u for u in next_actors(permit) if u.pk not in (actor.pk, permit.applicant_id)]
    if todo:
        due = timezone.localtime(permit.due_at).strftime("%d-%m-%Y %H:%M") if permit.due_at else "-"
        notify(
            todo,
            event="permits.action_needed",
            title=_("Perlu tindakan: izin usaha %(business)s") % {"business": permit.business_name},
            body=_("%(status)s. Batas waktu: %(due)s.") % {"status": status, "due": due},
            key=f"permit-{permit.pk}-event-{event.pk}-todo",
            url=url,
        )


def _record(
    permit: Permit, action: str, actor: User | None, role: str, reason: str, from_status: str, now: datetime
) -> PermitEvent:
    return PermitEvent.record(
        permit=permit,
        action=action,
        from_status=from_status,
        to_status=permit.status,
        actor=actor,
        actor_role=role,
        reason=reason,
        created_at=now,
    )


def _move(permit: Permit, step: workflow.Step, actor: User, role: str, reason: str, now: datetime) -> PermitEvent:
    from_status = permit.status
    permit.status = step.target
    permit.status_changed_at = now
    permit.due_at = due_for(step.target, now)
    if step.action in (workflow.RETURN.action, workflow.REJECT.action, workflow.REVOKE.action):
        permit.status_reason = reason
    elif step.action in (workflow.SUBMIT.action, workflow.RESUBMIT.action):
        permit.status_reason = ""
        permit.submitted_at = now
    permit.save()
    event = _record(permit, step.action, actor, role, reason, from_status, now)
    _notify_step(permit, event, actor)
    logger.info("permit %s: %s by user %s (%s)", permit.pk, step.action, actor.pk, role)
    return event


def _authorize(permit: Permit, actor: User, who: workflow.Actor) -> str:
    role = policy.acts_as(actor, who, permit)
    if role is None:
        raise Forbidden(policy.refusal(who, permit, actor), code="not_your_step")
    return role


def _locked(permit: Permit | int) -> Permit:
    pk = permit if isinstance(permit, int) else permit.pk
    try:
        return (
            Permit.objects.select_for_update(of=("self",))
            .select_related("applicant", "rt__rw__ketua", "rt__ketua")
            .get(pk=pk)
        )
    except Permit.DoesNotExist:
        raise NotFound(_("Permohonan izin tidak ditemukan."), code="permit_not_found") from None


# --- apply and edit -----------------------------------------------------------------------


EDITABLE = (workflow.DRAFT, workflow.RETURNED)
_FIELD_LABELS = {
    "nik": "NIK",
    "owner_name": "nama pemilik",
    "business_name": "nama usaha",
    "kbli_code": "KBLI",
    "address": "alamat usaha",
    "location": "lokasi",
    "capital": "modal",
    "workers": "tenaga kerja",
    "products": "produk/jasa",
    "ktp_scan": "scan KTP",
    "premises_photo": "foto tempat usaha",
    "rt": "RT",
}


def create_permit(
    *,
    actor: User,
    nik: str,
    business_name: str,
    kbli_code: str,
    capital: Any,
    workers: Any,
    applicant: User | None = None,
    owner_name: str = "",
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    products: str = "",
    ktp_scan: File[Any] | None = None,
    premises_photo: File[Any] | None = None,
    rt: RukunTetangga | None = None,
    submit: bool = False,
    now: datetime | None = None,
) -> Permit:
    """A new application (a draft, or submitted at once with `submit=True`).

    The applicant applies for themselves; staff (admin/staf) may apply on an applicant's behalf.
    """
    now = now or timezone.now()
    applicant = applicant or actor
    if applicant.pk != actor.pk and not policy.is_staff_officer(actor):
        raise Forbidden(_("Hanya petugas kelurahan yang dapat mengajukan atas nama orang lain."), code="not_staff")
    if not actor.is_active or not applicant.is_active:
        raise Forbidden(_("Akun tidak aktif."), code="inactive")
    clean_nik_value = clean_nik(nik, today=timezone.localdate(now))
    entry = clean_kbli(kbli_code)
    lat_d, lng_d = clean_location(lat, lng)
    permit = Permit(
        applicant=applicant,
        created_by=actor,
        rt=rt or _residency_rt(applicant),
        owner_name=_clean_text(
            owner_name or applicant.full_name or applicant.username,
            "owner_name",
            _("Nama pemilik"),
            max_length=150,
            min_length=2,
        ),
        nik_digest=NIK_KEY.digest(clean_nik_value),
        nik_ciphertext=NIK_KEY.encrypt(clean_nik_value),
        nik_masked=nik_rules.mask(clean_nik_value),
        business_name=_clean_text(business_name, "business_name", _("Nama usaha"), max_length=150, min_length=3),
        kbli_code=entry.code,
        kbli_title=entry.title,
        risk_level=entry.risk,
        address=_clean_text(address, "address", _("Alamat usaha"), max_length=255),
        lat=lat_d,
        lng=lng_d,
        capital=clean_capital(capital),
        workers=_clean_int(workers, "workers", _("Jumlah tenaga kerja"), low=0, high=MAX_WORKERS),
        products=_clean_text(products, "products", _("Produk/jasa"), max_length=1000),
        status_changed_at=now,
    )
    uploads = {
        field: clean_upload(upload, field)
        for field, upload in (("ktp_scan", ktp_scan), ("premises_photo", premises_photo))
        if upload is not None
    }
    if submit:
        _require_complete(permit, uploads)
    saved: list[str] = []
    try:
        with transaction.atomic():
            for field, checked in uploads.items():
                _store(permit, field, checked, saved)
            permit.save()
            role = policy.AS_APPLICANT if actor.pk == applicant.pk else policy.AS_STAFF
            _record(permit, PermitEvent.Action.CREATE, actor, role, "", "", now)
            if submit:
                _move(permit, workflow.SUBMIT, actor, role, "", now)
    except BaseException:
        _discard(saved)
        raise
    logger.info("permit %s created by user %s", permit.pk, actor.pk)
    return permit


def update_permit(permit: Permit | int, *, actor: User, now: datetime | None = None, **changes: Any) -> Permit:
    """Edit a draft or a returned application (the applicant, or staff on their behalf)."""
    now = now or timezone.now()
    unknown = set(changes) - {*_FIELD_LABELS, "lat", "lng"} - {"location"}
    if unknown:
        raise ValidationFailed(_("Kolom tidak dikenal: %(f)s") % {"f": ", ".join(sorted(unknown))})
    saved: list[str] = []
    replaced: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(permit)
            role = _authorize(locked, actor, workflow.Actor.APPLICANT_OR_STAFF)
            if locked.status not in EDITABLE:
                raise Conflict(
                    _("Permohonan dengan status “%(status)s” tidak dapat diubah.")
                    % {"status": Permit.Status(locked.status).label},
                    code="not_editable",
                )
            changed: list[str] = []
            raw_nik = changes.get("nik")
            if raw_nik:
                value = clean_nik(str(raw_nik), today=timezone.localdate(now))
                if locked.nik_digest not in NIK_KEY.digests(value):  # any key: rotation may be under way
                    locked.nik_digest, locked.nik_masked = NIK_KEY.digest(value), nik_rules.mask(value)
                    locked.nik_ciphertext = NIK_KEY.encrypt(value)
                    changed.append("nik")
            if changes.get("kbli_code") not in (None, "", locked.kbli_code):
                entry = clean_kbli(str(changes["kbli_code"]))
                locked.kbli_code, locked.kbli_title, locked.risk_level = entry.code, entry.title, entry.risk
                changed.append("kbli_code")
            if "lat" in changes or "lng" in changes:
                lat_d, lng_d = clean_location(changes.get("lat"), changes.get("lng"))
                if (lat_d, lng_d) != (locked.lat, locked.lng):
                    locked.lat, locked.lng = lat_d, lng_d
                    changed.append("location")
            texts = {
                "owner_name": (_("Nama pemilik"), 150, 2),
                "business_name": (_("Nama usaha"), 150, 3),
                "address": (_("Alamat usaha"), 255, 0),
                "products": (_("Produk/jasa"), 1000, 0),
            }
            for field, (label, longest, shortest) in texts.items():
                if field in changes and changes[field] is not None:
                    value = _clean_text(changes[field], field, label, max_length=longest, min_length=shortest)
                    if value != getattr(locked, field):
                        setattr(locked, field, value)
                        changed.append(field)
            if changes.get("capital") not in (None, ""):
                capital = clean_capital(changes["capital"])
                if capital != locked.capital:
                    locked.capital = capital
                    changed.append("capital")
            if changes.get("workers") not in (None, ""):
                workers = _clean_int(changes["workers"], "workers", _("Jumlah tenaga kerja"), low=0, high=MAX_WORKERS)
                if workers != locked.workers:
                    locked.workers = workers
                    changed.append("workers")
            if changes.get("rt") is not None and changes["rt"].pk != locked.rt_id:
                locked.rt = changes["rt"]
                changed.append("rt")
            checked = {f: clean_upload(changes[f], f) for f in ("ktp_scan", "premises_photo") if changes.get(f)}
            for field, upload in checked.items():
                replaced.append(_store(locked, field, upload, saved))
                changed.append(field)
            if not changed:
                return locked
            locked.save()
            note = _("Diubah: %(fields)s") % {"fields": ", ".join(_FIELD_LABELS[f] for f in changed)}
            _record(locked, PermitEvent.Action.UPDATE, actor, role, note, locked.status, now)
            transaction.on_commit(lambda: _discard(replaced))
    except BaseException:
        _discard(saved)
        raise
    return locked


# --- workflow steps -----------------------------------------------------------------------


def take_step(
    permit: Permit | int, actor: User, action: str, reason: str = "", *, now: datetime | None = None
) -> Permit:
    """Move the permit one step (see workflow.py): 403 wrong person, 409 wrong time, 422 bad input."""
    step = workflow.STEPS.get(action)
    if step is None:
        raise NotFound(_("Langkah “%(action)s” tidak dikenal.") % {"action": action}, code="unknown_step")
    now = now or timezone.now()
    reason = " ".join((reason or "").split())[:1000]
    with transaction.atomic():
        locked = _locked(permit)
        role = _authorize(locked, actor, workflow.actor_for(step, locked.status))
        if locked.status not in step.sources:
            raise Conflict(
                _("Langkah ini tidak dapat dilakukan saat status permohonan “%(status)s”.")
                % {"status": Permit.Status(locked.status).label},
                code="wrong_status",
                status=locked.status,
            )
        if step.reason_required and not reason:
            raise ValidationFailed(_("Alasan wajib diisi."), code="reason_required", field="reason")
        if step in (workflow.SUBMIT, workflow.RESUBMIT):
            _require_complete(locked)
        if step is workflow.ISSUE:
            year = timezone.localtime(now).year
            locked.issued_year = year
            locked.sequence = _next_sequence(year)
            locked.number = format_number(locked.sequence, _tenant_region_code(), year)
            locked.issued_at = now
            locked.verification_token = secrets.token_urlsafe(24)
        if step is workflow.REVOKE:
            locked.revoked_at = now
        _move(locked, step, actor, role, reason, now)
    return locked


def submit(permit: Permit | int, actor: User, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "submit", now=now)


def recommend(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "recommend", note, now=now)


def verify(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "verify", note, now=now)


def approve(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "approve", note, now=now)


def issue(permit: Permit | int, actor: User, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "issue", now=now)


def return_for_completion(permit: Permit | int, actor: User, reason: str, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "return", reason, now=now)


def reject(permit: Permit | int, actor: User, reason: str, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "reject", reason, now=now)


def resubmit(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "resubmit", note, now=now)


def withdraw(permit: Permit | int, actor: User, reason: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "withdraw", reason, now=now)


def revoke(permit: Permit | int, actor: User, reason: str, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "revoke", reason, now=now)


# --- NIB (OSS) ----------------------------------------------------------------------------


def _nib_guard(permit: Permit | int, actor: User) -> Permit:
    pk = permit.pk if isinstance(permit, Permit) else permit
    current = Permit.objects.select_related("applicant", "rt__rw").filter(pk=pk).first()  # fresh, not the caller's copy
    if current is None:
        raise NotFound(_("Permohonan izin tidak ditemukan."), code="permit_not_found")
    _authorize(current, actor, workflow.Actor.APPLICANT_OR_STAFF)
    if current.status in workflow.CLOSED:
        raise Conflict(_("Permohonan ini sudah ditutup."), code="wrong_status", status=current.status)
    return current


def _oss_call(call: Any) -> oss.NibRecord:
    try:
        record: oss.NibRecord = call()
    except oss.OssValidationError as exc:
        fields = ", ".join(sorted(exc.errors))
        raise ValidationFailed(
            _("OSS menolak data: %(fields)s.") % {"fields": fields}, code="oss_validation", fields=sorted(exc.errors)
        ) from None
    except oss.OssNotFound:
        raise NotFound(_("NIB tidak ditemukan di OSS."), code="nib_not_found", field="nib") from None
    except oss.OssUnavailable:
        logger.warning("OSS unavailable")
        raise OssUnavailableError(_("Layanan OSS sedang tidak dapat dihubungi; coba lagi nanti.")) from None
    return record


def _save_nib(permit: Permit, actor: User, record: oss.NibRecord, note: str, now: datetime | None) -> Permit:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(permit)
        role = _authorize(locked, actor, workflow.Actor.APPLICANT_OR_STAFF)
        locked.nib = record.nib
        locked.nib_business_name = record.business_name[:200]
        locked.nib_checked_at = now
        locked.save(update_fields=["nib", "nib_business_name", "nib_checked_at", "updated_at"])
        _record(locked, PermitEvent.Action.NIB, actor, role, note, locked.status, now)
    return locked


def attach_nib(permit: Permit | int, actor: User, nib: str, *, now: datetime | None = None) -> Permit:
    """Check an NIB the owner already has with OSS and record it on the permit."""
    current = _nib_guard(permit, actor)
    if not oss.NIB_RE.match((nib or "").strip()):
        raise ValidationFailed(_("NIB harus 13 digit angka."), code="invalid_nib", field="nib")
    record = _oss_call(lambda: oss.client().lookup_nib(nib.strip()))
    if record.status.lower() != "aktif":
        raise ValidationFailed(_("NIB ini tidak aktif di OSS."), code="nib_inactive", field="nib")
    if current.kbli_code not in record.kbli_codes:
        raise ValidationFailed(
            _("NIB ini tidak mencakup KBLI %(code)s.") % {"code": current.kbli_code},
            code="nib_kbli_mismatch",
            field="nib",
        )
    return _save_nib(current, actor, record, _("NIB diperiksa di OSS: %(nib)s") % {"nib": record.nib}, now)


def register_nib(permit: Permit | int, actor: User, *, now: datetime | None = None) -> Permit:
    """Register the business with OSS for an NIB (owners who have none yet)."""
    current = _nib_guard(permit, actor)
    if current.nib:
        raise Conflict(_("Permohonan ini sudah memiliki NIB %(nib)s.") % {"nib": current.nib}, code="has_nib")
    application = oss.NibApplication(
        nik=NIK_KEY.decrypt(current.nik_ciphertext),
        owner_name=current.owner_name,
        business_name=current.business_name,
        kbli_code=current.kbli_code,
        address=current.address,
        lat=current.lat,
        lng=current.lng,
        capital=current.capital,
        workers=current.workers,
        products=current.products,
    )
    record = _oss_call(lambda: oss.client().register(application))
    return _save_nib(current, actor, record, _("NIB didaftarkan di OSS: %(nib)s") % {"nib": record.nib}, now)


# --- reminders ----------------------------------------------------------------------------


def remind_overdue(now: datetime | None = None) -> int:
    """Notify whoever must act on each overdue permit, at most once per permit, step and day."""
    now = now or timezone.now()
    day = timezone.localtime(now).date().isoformat()
    count = 0
    overdue = Permit.objects.filter(status__in=workflow.WAITING, due_at__lt=now).select_related(
        "applicant", "rt__ketua", "rt__rw__ketua"
    )
    for permit in overdue:
        people = next_actors(permit)
        if not people:
            continue
        with transaction.atomic():
            notify(
                people,
                event="permits.overdue",
                title=_("Lewat batas waktu: izin usaha %(business)s") % {"business": permit.business_name},
                body=_("%(status)s sejak %(since)s.")
                % {
                    "status": Permit.Status(permit.status).label,
                    "since": timezone.localtime(permit.status_changed_at).strftime("%d-%m-%Y"),
                },
                key=f"permit-{permit.pk}-overdue-{permit.status}-{day}",
                url=reverse("permits:detail", args=[permit.pk]),
            )
        count += 1
    return count


def find_by_nik(raw: str) -> list[Permit]:
    """Staff search by NIK: compares keyed digests, never plaintext."""
    value = nik_rules.normalize(raw)
    if len(value) != 16 or not value.isdigit():
        return []
    return list(Permit.objects.filter(nik_digest__in=NIK_KEY.digests(value)).order_by("-created_at"))
