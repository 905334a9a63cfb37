"""Reminders of overdue permits, and look-up by NIK."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core import nik as nik_rules
from apps.notifications.services import notify

from .. import workflow
from ..models import (
    NIK_KEY,
    Permit,
)
from ._common import next_actors


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
                    "since": date_format(timezone.localtime(permit.status_changed_at), "DATE_FORMAT"),
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
