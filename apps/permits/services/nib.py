"""NIB (OSS): attach a known NIB or register one at OSS."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed

from .. import oss, workflow
from ..models import (
    NIK_KEY,
    Permit,
    PermitEvent,
)
from ._common import OssUnavailableError, _authorize, _locked, _record

logger = logging.getLogger(__name__)


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
        locked.nib_business_name = record.business_name[:200]  # OSS's record, shown for comparison; not typed here
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
