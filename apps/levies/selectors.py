"""Reads of apps.levies: the kota's register and report (kota schema), a payer's bills and the
public verification (any schema, public route only)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.tenancy.fanout import switched_to
from apps.tenancy.models import LevyBillRoute, Tenant

from .models import Levy, LevyBill

PAGE_SIZE = 25


def active_levies() -> QuerySet[Levy]:
    return Levy.objects.filter(is_active=True).order_by("kind", "name")


def bills(*, status: str = "") -> QuerySet[LevyBill]:
    found = LevyBill.objects.select_related("levy").order_by("-id")
    return found.filter(status=status) if status in LevyBill.Status.values else found


def kelurahan_names(kota: Tenant) -> dict[int, str]:
    return dict(Tenant.objects.filter(parent=kota, tenant_type=Tenant.Type.KELURAHAN).values_list("pk", "name"))


def claim_codes(numbers: list[str]) -> dict[str, str]:
    """The claim code (payer.claim_code) of each bill number: one query for a page of bills."""
    from . import payer

    return {route.number: payer.claim_code(route) for route in LevyBillRoute.objects.filter(number__in=numbers)}


def route_by_token(token: str) -> LevyBillRoute | None:
    if not token or len(token) > 32:
        return None
    return LevyBillRoute.objects.select_related("kota", "kelurahan").filter(verification_token=token).first()


REPORT_HEADERS = [
    "nomor",
    "jenis",
    "kelurahan",
    "jatuh_tempo",
    "status_register",
    "status_rute",
    "pokok",
    "denda",
    "tagihan",
    "dibayar",
    "cara_bayar",
    "waktu_bayar",
    "selisih",
]


def settlement_report(kota: Tenant, day: datetime.date) -> list[list[Any]]:
    """Reconciliation of one day: every bill paid that day (by the register or the route), the
    register's amount against the route's (what the kelurahan collected), with the difference.
    Also lists bills whose route says paid but whose register does not yet (hand-off pending)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    routes = {
        route.number: route
        for route in LevyBillRoute.objects.filter(kota=kota, paid_at__gte=start, paid_at__lt=end).order_by("number")
    }
    register = {
        bill.number: bill
        for bill in LevyBill.objects.select_related("levy").filter(paid_at__gte=start, paid_at__lt=end)
    }
    missing = set(routes) - set(register)
    for bill in LevyBill.objects.select_related("levy").filter(number__in=missing):
        register[bill.number] = bill
    names = kelurahan_names(kota)
    rows = [
        _report_row(register.get(number), routes.get(number) or _route(number), names)
        for number in sorted(set(routes) | set(register))
    ]
    return rows + settlement_rows(kota, day, names)


SETTLEMENT_NUMBER = "SETORAN-KASDA"


def settlement_rows(kota: Tenant, day: datetime.date, names: dict[int, str]) -> list[list[Any]]:
    """One row per kelurahan whose kas daerah clearing account of this kota collected or paid
    out on `day`: collected (levy copies and permit fees) against the payout to the kas daerah
    (payments.treasury_payout, queued by the next morning's sweep), with the difference.

    Reads each kelurahan's ledger in its schema (the clearing account lives there): one switch
    and two queries per kelurahan of the kota, for an export the finance office asks for."""
    from apps.payments import services as payments
    from apps.payments.models import Account, EntryKind, JournalEntry

    code = f"treasury:{kota.schema_name}"
    rows: list[list[Any]] = []
    for kelurahan in Tenant.objects.filter(parent=kota, tenant_type=Tenant.Type.KELURAHAN).order_by("name"):
        with switched_to(kelurahan):
            account = Account.objects.filter(code=code).first()
            if account is None:
                continue
            collected = payments.treasury_day_total(account, day)
            payout = (
                JournalEntry.objects.filter(
                    kind=EntryKind.PAYOUT,
                    reference=payments.treasury_settlement_reference(day),
                    postings__account=account,
                )
                .order_by("id")
                .first()
            )
        if not collected and payout is None:
            continue
        paid_out = payout.amount if payout is not None else 0
        rows.append(
            [
                SETTLEMENT_NUMBER,
                "setoran kas daerah",
                names.get(kelurahan.pk, kelurahan.name),
                day.isoformat(),
                "disetor" if payout is not None else "belum disetor",
                "",
                0,
                0,
                collected,
                paid_out,
                "kas_daerah",
                timezone.localtime(payout.created_at).isoformat(timespec="seconds") if payout is not None else "",
                paid_out - collected,
            ]
        )
    return rows


def _route(number: str) -> LevyBillRoute | None:
    return LevyBillRoute.objects.filter(number=number).first()


def _report_row(bill: LevyBill | None, route: LevyBillRoute | None, names: dict[int, str]) -> list[Any]:
    due = bill.amount_due if bill is not None else route.amount_due if route is not None else 0
    paid = bill.paid_amount if bill is not None and bill.status == LevyBill.Status.PAID else 0
    paid_at = (bill.paid_at if bill is not None else None) or (route.paid_at if route is not None else None)
    kelurahan_id = bill.kelurahan_id if bill is not None else route.kelurahan_id if route is not None else 0
    due_on = bill.due_on if bill is not None else route.due_on if route is not None else None
    channel = (bill.channel if bill is not None else "") or (route.channel if route is not None else "")
    return [
        bill.number if bill is not None else route.number if route is not None else "",
        bill.levy.name if bill is not None else "",
        names.get(kelurahan_id, ""),
        due_on.isoformat() if due_on is not None else "",
        bill.status if bill is not None else "",
        route.status if route is not None else "",
        bill.principal if bill is not None else 0,
        bill.fine if bill is not None else 0,
        due,
        paid,
        channel,
        timezone.localtime(paid_at).isoformat(timespec="seconds") if paid_at else "",
        paid - due,
    ]
