"""Shared internals of the permits services: SLA, numbering, who may act, notifications and the step record."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.sequences import next_number
from apps.core.workflow import Step
from apps.notifications.services import notify
from apps.rtrw.models import Residency, RukunTetangga

from .. import policy, workflow
from ..models import (
    Permit,
    PermitEvent,
    SlaRule,
)

logger = logging.getLogger(__name__)

MIN_APPLICANT_AGE = 17  # the age a KTP is issued at


MAX_WORKERS = 1000


# How far (km) a business may lie from the tenant's centre point.
MAX_DISTANCE_KM = {"kelurahan": 10.0, "kota": 75.0}


PERMIT_COUNTER = "permit"  # apps.core.sequences kind of permit numbers
PERMIT_NUMBER_CODE = "503"  # classification code of licensing letters (Permendagri 78/2012)


class OssUnavailableError(DomainError):
    status_code = 503
    code = "oss_unavailable"


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


def format_number(sequence: int, region_code: str, year: int) -> str:
    """`503/<seq, 4 digits>/<Kemendagri code of the kelurahan>/<year>`, e.g. 503/0007/35.77.03.1001/2026.

    503 is the archive classification code of licences (Permendagri 78/2012); the sequence
    restarts at 1 every calendar year (Asia/Jakarta) and is unique per tenant and year.
    """
    return f"{PERMIT_NUMBER_CODE}/{sequence:04d}/{region_code}/{year}"


def _next_sequence(year: int) -> int:
    return next_number(PERMIT_COUNTER, year)


def _tenant_region_code() -> str:
    tenant = getattr(connection, "tenant", None)
    return str(getattr(tenant, "region_id", None) or connection.schema_name)


def _residency_rt(user: User) -> RukunTetangga | None:
    residency = Residency.objects.filter(user=user).select_related("rt").first()
    return residency.rt if residency else None


def _missing_parts(permit: Permit, uploading: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(form field, label) of what a submission still lacks; the field lets a page put the
    message next to its input."""
    missing = []
    if permit.rt_id is None:
        missing.append(("rt", _("RT pemohon")))
    if not permit.address:
        missing.append(("address", _("alamat usaha")))
    if permit.lat is None or permit.lng is None:
        missing.append(("location", _("lokasi usaha di peta")))
    if not permit.products:
        missing.append(("products", _("produk/jasa")))
    if not permit.ktp_scan and "ktp_scan" not in uploading:
        missing.append(("ktp_scan", _("scan KTP")))
    if not permit.premises_photo and "premises_photo" not in uploading:
        missing.append(("premises_photo", _("foto tempat usaha")))
    return missing


def _missing_for_submission(permit: Permit, uploading: Iterable[str] = ()) -> list[str]:
    return [label for _field, label in _missing_parts(permit, uploading)]


def _require_complete(permit: Permit, uploading: Iterable[str] = ()) -> None:
    parts = _missing_parts(permit, uploading)
    if parts:
        missing = [label for _field, label in parts]
        raise ValidationFailed(
            _("Permohonan belum lengkap: %(missing)s.") % {"missing": ", ".join(missing)},
            code="incomplete",
            missing=missing,
            fields=[field for field, _label in parts],
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
        "bill": _("Izin disetujui, silakan bayar retribusi"),
        "approve": _("Permohonan izin disetujui lurah"),
        "issue": _("Izin usaha mikro terbit"),
        "return": _("Permohonan izin dikembalikan untuk dilengkapi"),
        "reject": _("Permohonan izin ditolak"),
        "resubmit": _("Permohonan izin diajukan ulang"),
        "withdraw": _("Permohonan izin ditarik"),
        "revoke": _("Izin usaha mikro dicabut"),
    }
    return titles.get(action, _("Permohonan izin diperbarui"))


def _notify_step(permit: Permit, event: PermitEvent, actor: User | None) -> None:
    url = reverse("permits:detail", args=[permit.pk])
    status = str(Permit.Status(permit.status).label)
    body = _("%(business)s — status: %(status)s.") % {"business": permit.business_name, "status": status}
    if event.reason:
        body += "\n" + _("Alasan/catatan: %(reason)s") % {"reason": event.reason}
    if permit.status == workflow.ISSUED:
        body += "\n" + _("Nomor izin: %(number)s. Sertifikat PDF dapat diunduh.") % {"number": permit.number}
    actor_pk = actor.pk if actor is not None else None
    if permit.applicant_id != actor_pk:
        notify(
            [permit.applicant],
            event=f"permits.{event.action}",
            title=f"{_title(event.action)}: {permit.business_name}",
            body=body,
            key=f"permit-{permit.pk}-event-{event.pk}",
            url=url,
        )
    todo = [u for u in next_actors(permit) if u.pk not in (actor_pk, permit.applicant_id)]
    if todo:
        due = date_format(timezone.localtime(permit.due_at), "DATETIME_FORMAT") if permit.due_at else "-"
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


def _move(
    permit: Permit,
    step: Step[workflow.Actor],
    actor: User | None,
    role: str,
    reason: str,
    now: datetime,
    *,
    announce: bool = True,
) -> PermitEvent:
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
    if announce:
        _notify_step(permit, event, actor)
    logger.info("permit %s: %s by user %s (%s)", permit.pk, step.action, actor.pk if actor else None, role)
    return event


def _wrong_status(status: str, step: Step[workflow.Actor]) -> Conflict:
    return Conflict(
        _("Langkah ini tidak dapat dilakukan saat status permohonan “%(status)s”.")
        % {"status": Permit.Status(status).label},
        code="wrong_status",
        status=status,
    )


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
