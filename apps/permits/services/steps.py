"""Workflow steps: submit, recommend, verify, approve, issue, return, reject, resubmit, withdraw, revoke."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import NotFound, ValidationFailed

from .. import workflow
from ..models import (
    Permit,
)
from ._common import (
    _authorize,
    _locked,
    _move,
    _next_sequence,
    _require_complete,
    _tenant_region_code,
    _wrong_status,
    format_number,
)


def take_step(
    permit: Permit | int, actor: User, action: str, reason: str = "", *, now: datetime | None = None
) -> Permit:
    """Move the permit one step (see workflow.py): 403 wrong person, 409 wrong time, 422 bad input."""
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
