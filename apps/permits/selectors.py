"""Reads of permits: what a user may see, what awaits them, what they may do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import kbli, policy, workflow
from .models import Permit, PermitEvent


def visible_permits(user: Any) -> QuerySet[Permit]:
    """Applicants see theirs; RT/RW heads their RT's; staff and the lurah all of this tenant's."""
    base = Permit.objects.select_related("applicant", "rt__rw")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if policy.is_staff_officer(user) or policy.is_lurah(user):
        return base
    return base.filter(Q(applicant=user) | Q(created_by=user) | Q(rt__ketua=user) | Q(rt__rw__ketua=user)).distinct()


def visible_events(user: Any) -> QuerySet[PermitEvent]:
    permits = visible_permits(user).values("pk")
    return PermitEvent.objects.filter(permit__in=permits).select_related("actor")


def available_actions(permit: Permit, user: Any) -> list[str]:
    """The workflow steps `user` may take on `permit` now, in workflow order."""
    actions = []
    for step in workflow.PERMIT.steps.values():
        if permit.status in step.sources and policy.acts_as(user, workflow.actor_for(step, permit.status), permit):
            actions.append(step.action)
    return actions


@dataclass(frozen=True)
class QueueItem:
    permit: Permit
    overdue: bool
    mine: bool  # awaiting this user's action


def _mine(user: Any, permit: Permit) -> bool:
    who = workflow.RESPONSIBLE.get(permit.status)
    return who in workflow.OFFICIAL and who is not None and policy.acts_as(user, who, permit) is not None


def work_queue(user: Any, *, now: datetime | None = None, everything: bool = False) -> list[QueueItem]:
    """Waiting permits sorted by due date (earliest first).

    By default only what awaits `user` (an RT/RW head: recommendations for their RT; staff:
    verification and issuing; the lurah: approvals). With `everything`, staff and the lurah
    see the whole pipeline, including what waits on others, to chase overdue work.
    """
    now = now or timezone.now()
    waiting = visible_permits(user).filter(status__in=[s for s in workflow.WAITING if s != workflow.RETURNED])
    items = []
    for permit in waiting.order_by("due_at", "id"):
        mine = _mine(user, permit)
        if mine or (everything and (policy.is_staff_officer(user) or policy.is_lurah(user))):
            items.append(QueueItem(permit, permit.is_overdue(now), mine))
    return items


# --- for other apps (public, typed) -------------------------------------------------------


def issued_permits() -> QuerySet[Permit]:
    """Issued, not revoked izin usaha mikro of this tenant."""
    return Permit.objects.filter(status=Permit.Status.ISSUED, revoked_at__isnull=True)


def verified_holder_ids(user_ids: Iterable[int]) -> set[int]:
    """The users among `user_ids` who hold a valid izin usaha: an issued, not revoked permit,
    or a 13-digit NIB recorded on a permit that is still alive (not draft, rejected, withdrawn
    or revoked). One indexed query; nothing when `user_ids` is empty."""
    ids = {pk for pk in user_ids if pk}
    if not ids:
        return set()
    dead = (Permit.Status.DRAFT, Permit.Status.REJECTED, Permit.Status.WITHDRAWN, Permit.Status.REVOKED)
    valid = Q(status=Permit.Status.ISSUED, revoked_at__isnull=True) | (Q(nib__regex=r"^\d{13}$") & ~Q(status__in=dead))
    return set(Permit.objects.filter(valid, applicant_id__in=ids).order_by().values_list("applicant_id", flat=True))


def kbli_label(code: str) -> str:
    """ "56210 — Jasa Boga …" for a KBLI 2020 code the catalogue knows, the code itself otherwise
    (other apps show KBLI codes too: never a bare code where the title is known)."""
    try:
        return kbli.get(code).label
    except (kbli.InvalidKbli, kbli.UnknownKbli):
        return code
