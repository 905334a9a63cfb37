"""Due dates: overdue and reminders (due work "invoices", apps.tenancy.due_work)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.money import rupiah
from apps.notifications.services import notify

from .. import routes, rules, workflow
from ..models import Invoice, InvoiceEvent
from ._common import JAKARTA, REMIND_AT, _event, _locked, _move, buyer_recipients, invoice_url


def next_due() -> datetime | None:
    """When this tenant's next invoice reminder is due (the due-work index and its repair)."""
    day = Invoice.objects.filter(status__in=workflow.OPEN, next_reminder_on__isnull=False).aggregate(
        m=Min("next_reminder_on")
    )["m"]
    return datetime.combine(day, REMIND_AT, tzinfo=JAKARTA) if day is not None else None


def remind_due(now: datetime | None = None) -> int:
    """Mark overdue and send every reminder due by today; returns reminders sent."""
    day = timezone.localtime(now or timezone.now(), JAKARTA).date()
    ids = list(
        Invoice.objects.filter(status__in=workflow.OPEN, next_reminder_on__lte=day)
        .order_by("next_reminder_on", "pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(_remind_one(pk, day) for pk in ids)


@transaction.atomic
def _remind_one(pk: int, day: date) -> int:
    locked = _locked(pk)
    if locked.status not in workflow.OPEN or locked.next_reminder_on is None or locked.next_reminder_on > day:
        return 0
    if day > locked.due_date and locked.status in workflow.MARK_OVERDUE.sources:
        before = _move(locked, workflow.MARK_OVERDUE)
        _event(locked, InvoiceEvent.Action.OVERDUE, None, before=before)
    days = rules.reminder_days(locked.due_date)
    locked.reminders_sent = sum(1 for d in days if d <= day)
    locked.next_reminder_on = rules.next_reminder(locked.due_date, locked.reminders_sent)
    locked.save(update_fields=["status", "reminders_sent", "next_reminder_on"])
    routes.sync(locked)
    late = rules.days_overdue(locked.due_date, day)
    words = {
        "number": locked.number,
        "shop": locked.shop.name,
        "remaining": rupiah(locked.remaining),
        "due": date_format(locked.due_date, "DATE_FORMAT"),
        "days": late,
    }
    if late:
        title = _("Faktur %(number)s lewat jatuh tempo") % words
        body = _("Sisa %(remaining)s dari %(shop)s jatuh tempo %(due)s (%(days)s hari yang lalu).") % words
    else:
        title = _("Faktur %(number)s segera jatuh tempo") % words
        body = _("Sisa %(remaining)s dari %(shop)s jatuh tempo %(due)s.") % words
    recipients = buyer_recipients(locked) + ([locked.shop.owner] if late else [])
    notify(
        recipients,
        event="invoicing.reminder",
        title=title,
        body=body,
        url=invoice_url(locked),
        key=f"invoice-{locked.pk}-reminder-{locked.reminders_sent}",
    )
    _event(locked, InvoiceEvent.Action.REMINDER, None, before=locked.status, data={"n": locked.reminders_sent})
    return 1
