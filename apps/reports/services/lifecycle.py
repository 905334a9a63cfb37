"""The report lifecycle: verify, start, resolve, close, not responsible, duplicate, reopen and notes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.feedback import services as feedback

from .. import selectors
from ..models import (
    Report,
    ReportFollower,
    ReportUpdate,
)
from ._common import Status, _actor_label, _announce, _lock, _move, _people

# Which statuses each action starts from: the state machine (docs/state-machines.md). The
# services enforce it; the pages offer only the actions allowed in the report's status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "verify": (Status.OPEN, Status.REOPENED),
    "start": (Status.OPEN, Status.VERIFIED, Status.REOPENED),
    "resolve": tuple(Report.ACTIVE),
    "close": (Status.RESOLVED,),
    "not_responsible": (Status.OPEN, Status.VERIFIED, Status.REOPENED),
    "duplicate": (Status.OPEN, Status.VERIFIED, Status.REOPENED),
    "reopen": (Status.RESOLVED, Status.CLOSED),
    "note": tuple(Status.values),
}


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS.get(action, ())


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


@transaction.atomic
def verify(report: Report, actor: User | None, note: str = "", *, now: datetime | None = None) -> Report:
    report = _lock(report)
    _require_handler(actor, report)
    _require_status(report, TRANSITIONS["verify"], _("diverifikasi"))
    text = (note or "").strip() or _("Laporan sudah diverifikasi.")
    _move(report, actor, Status.VERIFIED, text, now or timezone.now())
    return report


@transaction.atomic
def start_work(report: Report, actor: User | None, note: str = "", *, now: datetime | None = None) -> Report:
    report = _lock(report)
    handler = _require_handler(actor, report)
    _require_status(report, TRANSITIONS["start"], _("mulai dikerjakan"))
    report.assignee = handler
    _move(report, actor, Status.IN_PROGRESS, (note or "").strip() or _("Sedang dikerjakan."), now or timezone.now())
    return report


@transaction.atomic
def resolve(report: Report, actor: User | None, note: str, *, now: datetime | None = None) -> Report:
    report = _lock(report)
    _require_handler(actor, report)
    _require_status(report, TRANSITIONS["resolve"], _("diselesaikan"))
    text = _require_text(note, _("Tuliskan apa yang sudah dikerjakan."))
    now = now or timezone.now()
    report.resolved_at = now
    _move(report, actor, Status.RESOLVED, text, now)
    feedback.ask_csat(report.reporter, "report", report.pk, f"/laporan/{report.code}/")  # asked after commit
    return report


@transaction.atomic
def close(report: Report, actor: User | None, note: str = "", *, now: datetime | None = None) -> Report:
    """Close a resolved report: its handlers, or the reporter confirming the fix."""
    report = _lock(report)
    if actor is None or (actor.pk != report.reporter_id and not selectors.can_handle(actor, report)):
        raise Forbidden(_("Anda tidak berwenang menutup laporan ini."), code="not_handler")
    _require_status(report, TRANSITIONS["close"], _("ditutup"))
    _move(report, actor, Status.CLOSED, (note or "").strip() or _("Laporan ditutup."), now or timezone.now())
    return report


@transaction.atomic
def mark_not_responsible(report: Report, actor: User | None, reason: str, *, now: datetime | None = None) -> Report:
    report = _lock(report)
    _require_handler(actor, report)
    _require_status(report, TRANSITIONS["not_responsible"], _("ditandai bukan wewenang"))
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
    _require_status(report, TRANSITIONS["duplicate"], _("ditandai duplikat"))
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
    ReportUpdate.record(
        report=original,
        actor=actor,
        actor_label=_actor_label(actor, original),
        note=_("Laporan %(code)s digabungkan ke laporan ini.") % {"code": report.code},
        at=now,
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
    _require_status(report, TRANSITIONS["reopen"], _("dibuka kembali"))
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
    update = ReportUpdate.record(report=report, actor=actor, actor_label=_actor_label(actor, report), note=text, at=now)
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
