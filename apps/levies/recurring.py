"""The kota's daily levies sweep (due work `levies`): recurring monthly bills, late fines and
reminders. Runs in the kota schema (`tasks.sweep`).

Recurring bills need no subscription table: a monthly levy bills again, each month, every payer
it billed the month before (not cancelled): the first bill is the registration, cancelling a
month's bill stops the series. The issue key (levy, kelurahan, payer, month) makes a re-run of
the sweep, or two sweeps racing, issue each month's bill once.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.tenancy.fanout import enqueue_in_tenant
from apps.tenancy.models import Tenant

from . import services, tasks
from .models import Levy, LevyBill

REMIND_DAYS_BEFORE = 3


def month_label(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def issue_monthly(today: datetime.date) -> int:
    """This month's bill of every monthly levy for every payer billed last month."""
    this_month, last_month = month_label(today), month_label(previous_month(today))
    issued = 0
    monthly = LevyBill.objects.filter(
        levy__period=Levy.Period.MONTHLY, levy__is_active=True, period_label=last_month
    ).exclude(status=LevyBill.Status.CANCELLED)
    for previous in monthly.select_related("levy").order_by("id"):
        key = services.default_issue_key(
            previous.levy, previous.kelurahan_id, previous.payer_account, previous.payer_nik_digest, this_month
        )
        if LevyBill.objects.filter(issue_key=key).exists():
            continue
        kelurahan = services.kelurahan_of_kota(services._kota(), tenant_id=previous.kelurahan_id)
        services.do_issue_bill(
            previous.levy,
            kelurahan=kelurahan,
            payer_name=previous.payer_name,
            payer_account=previous.payer_account,
            payer_nik_digest=previous.payer_nik_digest,
            object_address=previous.object_address,
            period_label=this_month,
            issue_key=key,
        )
        issued += 1
    return issued


def apply_fines(today: datetime.date) -> int:
    changed = 0
    for number, fine in LevyBill.objects.filter(status=LevyBill.Status.OPEN, due_on__lt=today).values_list(
        "number", "fine"
    ):
        if services.do_apply_fine(number, today=today).fine != fine:
            changed += 1
    return changed


def send_reminders(today: datetime.date) -> int:
    """Queue reminders in the payers' kelurahan: 3 days before the due date and the day after it
    (the notification key makes each stage once per bill, so a re-run sends nothing new)."""
    sent = 0
    open_bills = LevyBill.objects.filter(status=LevyBill.Status.OPEN)
    soon = open_bills.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE))
    late = open_bills.filter(due_on__lt=today)
    for stage, bills in (("soon", soon), ("overdue", late)):
        for number, kelurahan_id in bills.values_list("number", "kelurahan_id"):
            enqueue_in_tenant(kelurahan_id, tasks.remind_payer, number, stage, include_inactive=True)
            sent += 1
    return sent


def settle_yesterday(today: datetime.date) -> int:
    """Queue yesterday's payout to the kas daerah in every kelurahan of this kota (the ledger
    holding the kota's clearing account is the kelurahan's). Each is idempotent per day, so a
    re-run sweep queues harmless repeats; a missed day is caught up by running it for that day."""
    kota = services._kota()
    day = (today - datetime.timedelta(days=1)).isoformat()
    queued = 0
    for kelurahan_id in Tenant.objects.filter(parent=kota, tenant_type=Tenant.Type.KELURAHAN).values_list(
        "pk", flat=True
    ):
        enqueue_in_tenant(kelurahan_id, tasks.settle_treasury, kota.pk, day, include_inactive=True)
        queued += 1
    return queued


def sweep(today: datetime.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    return {
        "issued": issue_monthly(today),
        "fines": apply_fines(today),
        "reminders": send_reminders(today),
        "settlements": settle_yesterday(today),
    }


def next_sweep_at() -> datetime.datetime | None:
    """Tomorrow 07:00 while anything is open, a monthly levy is active or a bill was paid
    since yesterday (its payout to the kas daerah is tomorrow's); else nothing to do."""
    since = timezone.now() - datetime.timedelta(days=2)
    busy = (
        LevyBill.objects.filter(status=LevyBill.Status.OPEN).exists()
        or Levy.objects.filter(period=Levy.Period.MONTHLY, is_active=True).exists()
        or LevyBill.objects.filter(paid_at__gte=since).exists()
    )
    if not busy:
        return None
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(7)))
