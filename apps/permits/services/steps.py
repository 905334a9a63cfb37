"""Workflow steps: submit, recommend, verify, approve, bill, issue, return, reject, resubmit, withdraw, revoke."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.feedback import services as feedback

from .. import workflow
from ..models import (
    Permit,
    PermitFee,
)
from . import fees
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

logger = logging.getLogger(__name__)


def issue_pending(permit: Permit) -> list[str]:
    """What must be done before an approved permit can be issued (empty: it can be issued now):
    a document that has gone missing since submission, and the retribusi izin where the permit's
    risk level carries one (`fees.py`) and its bill is not paid yet."""
    pending = _missing_for_submission(permit)
    if not fees.fee_paid(permit):
        pending.append(str(_("pembayaran retribusi izin")))
    return pending


def _issue(locked: Permit, actor: User | None, role: str, reason: str, now: datetime) -> None:
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
    # The API's bound (StepSerializer), refused for every caller before anything is locked or written.
    reason = clean_short_text(reason, field="reason", max_length=1000, collapse_spaces=True)
    with transaction.atomic():
        locked = _locked(permit)
        role = _authorize(locked, actor, workflow.actor_for(step, locked.status))
        workflow.PERMIT.require(locked.status, action, _wrong_status)
        if step.reason_required and not reason:
            raise ValidationFailed(_("Alasan wajib diisi."), code="reason_required", field="reason")
        if step in (workflow.SUBMIT, workflow.RESUBMIT):
            _require_complete(locked)
        if step is workflow.BILL:
            _bill(locked, actor, role, reason, now)
            return locked
        if step is workflow.ISSUE:
            if locked.status == workflow.APPROVED and (fee := fees.fee_for(locked)) and not fees.fee_paid(locked):
                _bill(locked, actor, role, reason, now, fee=fee)  # staff issue a fee permit: billed first
                return locked
            _issue(locked, actor, role, reason, now)
            return locked
        if step is workflow.REVOKE:
            locked.revoked_at = now
        fee = fees.fee_for(locked) if step is workflow.APPROVE else None
        chain_bill = fee is not None and not _missing_for_submission(locked)
        chain_issue = step is workflow.APPROVE and not chain_bill and not issue_pending(locked)
        # When the permit is billed or issued at once, only that is announced.
        _move(locked, step, actor, role, reason, now, announce=not (chain_issue or chain_bill))
        if chain_bill and fee is not None:
            _bill(locked, actor, role, "", now, fee=fee)
        if chain_issue:
            _issue(locked, actor, role, "", now)
    return locked


def _bill(locked: Permit, actor: User, role: str, reason: str, now: datetime, *, fee: PermitFee | None = None) -> None:
    """Approved → awaiting_payment with the applicant's fee bill (paying it issues the permit)."""
    fee = fee or fees.fee_for(locked)
    if fee is None:
        raise Conflict(_("Izin ini tidak dikenai retribusi."), code="no_fee")
    fees.open_fee_bill(locked, fee)
    _move(locked, workflow.BILL, actor, role, reason, now)


def issue_paid(permit_id: int, *, now: datetime | None = None) -> Permit | None:
    """The fee bill is paid: a permit awaiting payment is issued (no actor: the payment took the
    step). Idempotent; a permit that cannot be issued yet stays awaiting payment for staff."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _locked(permit_id)
            if locked.status != workflow.AWAITING_PAYMENT:
                return locked
            _issue(locked, None, "", "", now)
            return locked
    except ValidationFailed:
        logger.warning("permit %s: fee paid but it cannot be issued yet", permit_id)
        return None


def submit(permit: Permit | int, actor: User, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "submit", now=now)


def recommend(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "recommend", note, now=now)


def verify(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "verify", note, now=now)


def approve(permit: Permit | int, actor: User, note: str = "", *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "approve", note, now=now)


def bill(permit: Permit | int, actor: User, *, now: datetime | None = None) -> Permit:
    return take_step(permit, actor, "bill", now=now)


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
