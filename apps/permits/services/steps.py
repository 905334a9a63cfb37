"""Workflow steps: submit, recommend, verify, approve, issue, return, reject, resubmit, withdraw, revoke."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import NotFound, ValidationFailed
from apps.feedback import services as feedback

from .. import workflow
from ..models import (
    Permit,
)
from ._common import (
    _authorize,
    _locked,
    _missing_for_submission,
    _move,
    _next_sequence,
    _require_complete,
    _tenant_region_code,
    _wrong_status,
    format_number,
)


def issue_pending(permit: Permit) -> list[str]:
    """What must be done before an approved permit can be issued (empty: it can be issued now).

    The kelurahan flow charges no fee, so today this is only a document that has gone missing
    since submission; a future fee (retribusi) or extra step belongs here, so the lurah's approval
    still issues at once when nothing is pending and the page says what is pending otherwise.
    """
    return _missing_for_submission(permit)


def _issue(locked: Permit, actor: User, role: str, reason: str, now: datetime) -> None:
    pending = issue_pending(locked)
    if pending:
        raise ValidationFailed(
            _("Izin belum dapat terbit: %(pending)s belum ada.") % {"pending": ", ".join(pending)},
            code="issue_pending",
            pending=pending,
        )
    year = timezone.localtime(now).year
    locked.issued_year = year
    locked.sequence = _next_sequence(year)
    locked.number = format_number(locked.sequence, _tenant_region_code(), year)
    locked.issued_at = now
    locked.verification_token = secrets.token_urlsafe(24)
    _move(locked, workflow.ISSUE, actor, role, reason, now)
    feedback.ask_csat(locked.applicant, "permit", locked.pk, f"/izin/{locked.pk}/")  # asked after commit


def take_step(
    permit: Permit | int, actor: User, action: str, reason: str = "", *, now: datetime | None = None
) -> Permit:
    """Move the permit one step (see workflow.py): 403 wrong person, 409 wrong time, 422 bad input.

    The lurah's approval also issues the permit in the same transaction when nothing is pending
    (`issue_pending`): approved and issued are two events, the second by the lurah too. With
    something pending the permit stays approved and staff issue it once that is done.
    """
    step = workflow.PERMIT.steps.get(action)
    if step is None:
        raise NotFound(_("Langkah “%(action)s” tidak dikenal.") % {"action": action}, code="unknown_step")
    now = now or timezone.now()
    reason = " ".join((reason or "").split())[:1000]
    with transaction.atomic():
        locked = _locked(permit)
        role = _authorize(locked, actor, workflow.actor_for(step, locked.status))
        workflow.PERMIT.require(locked.status, action, _wrong_status)
        if step.reason_required and not reason:
            raise ValidationFailed(_("Alasan wajib diisi."), code="reason_required", field="reason")
        if step in (workflow.SUBMIT, workflow.RESUBMIT):
            _require_complete(locked)
        if step is workflow.ISSUE:
            _issue(locked, actor, role, reason, now)
            return locked
        if step is workflow.REVOKE:
            locked.revoked_at = now
        chain_issue = step is workflow.APPROVE and not issue_pending(locked)
        # When the permit issues at once, only the issue is announced (nobody is asked to act).
        _move(locked, step, actor, role, reason, now, announce=not chain_issue)
        if chain_issue:
            _issue(locked, actor, role, "", now)
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
