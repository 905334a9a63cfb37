"""Apply and edit: create a permit application and update it while it is a draft or returned."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core import nik as nik_rules
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.rtrw.models import RukunTetangga

from .. import policy, workflow
from ..models import (
    NIK_KEY,
    Permit,
    PermitEvent,
)
from ._checks import (
    _clean_int,
    _clean_text,
    _discard,
    _store,
    clean_capital,
    clean_kbli,
    clean_location,
    clean_nik,
    clean_upload,
)
from ._common import MAX_WORKERS, _authorize, _locked, _move, _record, _require_complete, _residency_rt

logger = logging.getLogger(__name__)

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


def check_application(data: dict[str, Any], *, today: Any = None) -> dict[str, str]:
    """Every cheap field check at once, {field: message}, writing nothing.

    A page runs it before the files matter: a refused POST loses the files the browser sent, so
    the applicant should learn about every wrong field in one round, not one per submission.
    """
    checks: list[tuple[str, Any]] = [
        ("nik", lambda: clean_nik(str(data.get("nik") or ""), today=today or timezone.localdate())),
        ("kbli_code", lambda: clean_kbli(str(data.get("kbli_code") or ""))),
        ("capital", lambda: clean_capital(data.get("capital"))),
        (
            "workers",
            lambda: _clean_int(data.get("workers"), "workers", _("Jumlah tenaga kerja"), low=0, high=MAX_WORKERS),
        ),
        ("location", lambda: clean_location(data.get("lat"), data.get("lng"))),
    ]
    errors: dict[str, str] = {}
    for field, check in checks:
        if field in data:
            try:
                check()
            except ValidationFailed as exc:
                errors[str(exc.details.get("field") or field)] = str(exc.message)
    return errors


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
