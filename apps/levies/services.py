"""Kota-side writes of apps.levies (run in the kota schema): the catalogue, issuing bills (one,
from a spreadsheet row, recurring), cash at the counter, fines, cancellation, marking paid.

Every bill is written together with its public route (`tenancy.LevyBillRoute`); the payer's copy
in the kelurahan is opened after commit by `tasks.open_payer_copy`, run in that kelurahan's schema
(`payer.py`). Settlement comes back the other way: the kelurahan marks the route paid and queues
`tasks.mark_bill_paid` in this schema.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import parse_rupiah
from apps.core.short_text import clean_short_text
from apps.tenancy.fanout import enqueue_in_tenant, enqueue_in_tenant_on_commit
from apps.tenancy.models import LevyBillRoute, Tenant

from . import access, fines, identity
from .models import Levy, LevyBill

ISSUE_KEY_LENGTH = 120  # LevyBill.issue_key

MAX_BILL = 1_000_000_000  # Rp1 miliar: a PBB-P2 of a big plot; anything larger is a typo


def _kota() -> Tenant:
    tenant = access.current_tenant()
    if not access.is_kota(tenant):
        raise Forbidden(_("Retribusi dan pajak daerah dikelola oleh pemerintah kota."))
    assert tenant is not None
    return tenant


def in_kota() -> bool:
    """True in a kota tenant's schema, the only one that has this app's tables."""
    return access.is_kota(access.current_tenant())


def next_sweep_at() -> datetime.datetime | None:
    """When the kota's levies sweep has work next (the due-work repair asks; kota schemas only)."""
    from . import recurring

    return recurring.next_sweep_at()


def _require_officer(actor: User | None) -> None:
    if actor is not None and not access.is_finance_officer(actor):
        raise Forbidden(_("Hanya petugas keuangan kota yang boleh mengelola tagihan retribusi/pajak."))


def _amount(value: Any, field: str) -> int:
    value = parse_rupiah(value, allow_negative=True)
    if value is None:
        raise ValidationFailed(_("Jumlah harus bilangan bulat rupiah."), code="invalid_amount", field=field)
    if value <= 0 or value > MAX_BILL:
        raise ValidationFailed(_("Jumlah tagihan tidak wajar."), code="invalid_amount", field=field)
    return value


@transaction.atomic
def do_save_levy(
    *,
    code: str,
    name: str,
    kind: str,
    tariff: int,
    period: str,
    perda: str,
    fine_rate_bps: int = 200,
    fine_cap_months: int = 24,
    due_days: int = 30,
    is_active: bool = True,
    actor: User | None = None,
) -> Levy:
    """Create or update (by code) one levy of the catalogue."""
    _kota()
    _require_officer(actor)
    code = code.strip().upper()
    if not code or "/" in code or len(code) > 12:
        raise ValidationFailed(_("Kode 1-12 karakter tanpa garis miring."), code="invalid_code", field="code")
    if kind not in Levy.Kind.values or period not in Levy.Period.values:
        raise ValidationFailed(_("Jenis atau periode tidak dikenal."), code="invalid_choice")
    if tariff < 0 or fine_rate_bps > 10_000:
        raise ValidationFailed(_("Tarif atau denda tidak wajar."), code="invalid_amount")
    name = clean_short_text(name, field="name", max_length=120)
    perda = clean_short_text(perda, field="perda", max_length=150)
    levy, _created = Levy.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "tariff": tariff,
            "period": period,
            "perda": perda,
            "fine_rate_bps": fine_rate_bps,
            "fine_cap_months": fine_cap_months,
            "due_days": due_days,
            "is_active": is_active,
        },
    )
    return levy


def kelurahan_of_kota(kota: Tenant, *, tenant_id: int | None = None, slug: str = "") -> Tenant:
    found = Tenant.objects.filter(parent=kota, tenant_type=Tenant.Type.KELURAHAN)
    found = found.filter(pk=tenant_id) if tenant_id is not None else found.filter(slug=slug.strip().lower())
    tenant = found.first()
    if tenant is None:
        raise ValidationFailed(_("Kelurahan tidak ditemukan di kota ini."), code="unknown_kelurahan", field="kelurahan")
    return tenant


@transaction.atomic
def do_issue_bill(
    levy: Levy,
    *,
    kelurahan: Tenant,
    payer_name: str,
    payer_account: str = "",
    payer_nik_digest: str = "",
    object_address: str = "",
    amount: int | str | None = None,
    period_label: str = "",
    due_on: datetime.date | None = None,
    issue_key: str = "",
    actor: User | None = None,
) -> LevyBill:
    """Issue one numbered bill and its public route; the payer's copy follows after commit.

    The payer is addressed by their account in the kelurahan (username or phone), by the digest
    of their NIK (`identity.digest_nik`: callers digest what they read, the NIK never gets here),
    or both. Idempotent on `issue_key` (default: levy, kelurahan, payer and period): the same key
    returns the bill issued before; the same key with another amount or payer is a conflict."""
    kota = _kota()
    _require_officer(actor)
    if kelurahan.parent_id != kota.pk or kelurahan.tenant_type != Tenant.Type.KELURAHAN:
        raise ValidationFailed(_("Kelurahan tidak ditemukan di kota ini."), code="unknown_kelurahan", field="kelurahan")
    # What the officer typed is printed on the bill, a legal document: refused when too long,
    # before anything is written, never cut.
    payer_name = clean_short_text(payer_name, field="payer_name", max_length=150)
    payer_account = clean_short_text(payer_account, field="payer_account", max_length=150)
    object_address = clean_short_text(object_address, field="object_address", max_length=255)
    period_label = clean_short_text(period_label, field="period_label", max_length=7)
    if payer_nik_digest and not identity.is_digest(payer_nik_digest):
        raise ValidationFailed(_("NIK wajib bayar tidak valid."), code="invalid_nik", field="nik")
    if not payer_name or not (payer_account or payer_nik_digest):
        raise ValidationFailed(
            _("Nama wajib bayar dan akun atau NIK-nya wajib diisi."), code="payer_required", field="payer"
        )
    levy = Levy.objects.select_for_update().get(pk=levy.pk)  # numbers of one levy one at a time
    if not levy.is_active:
        raise Conflict(_("Jenis retribusi/pajak ini tidak aktif."), code="levy_inactive")
    principal = _amount(amount if amount is not None else levy.tariff, "amount")
    # A typed key (the upload's "kunci" column) is refused past the column, never cut: two long keys
    # sharing their first 120 characters would otherwise replay each other's bill.
    key = clean_short_text(issue_key, field="issue_key", max_length=ISSUE_KEY_LENGTH) or default_issue_key(
        levy, kelurahan.pk, payer_account, payer_nik_digest, period_label
    )
    existing = LevyBill.objects.filter(issue_key=key).first()
    if existing is not None:
        issued = (existing.levy_id, existing.principal, existing.payer_account, existing.payer_nik_digest)
        if issued != (levy.pk, principal, payer_account, payer_nik_digest):
            raise Conflict(_("Tagihan dengan kunci ini sudah terbit dengan isi lain."), code="issue_key_reused")
        return existing
    today = timezone.localdate()
    year = today.year
    seq = (LevyBill.objects.filter(levy=levy, year=year).aggregate(m=Max("seq"))["m"] or 0) + 1
    bill = LevyBill.objects.create(
        number=f"{levy.code}/{year}/{seq:05d}",
        levy=levy,
        year=year,
        seq=seq,
        period_label=period_label,
        kelurahan_id=kelurahan.pk,
        payer_name=payer_name,
        payer_account=payer_account,
        payer_nik_digest=payer_nik_digest,
        object_address=object_address,
        principal=principal,
        due_on=due_on or today + datetime.timedelta(days=levy.due_days),
        issue_key=key,
        issued_by=actor.get_username() if actor is not None and actor.pk else "",
    )
    LevyBillRoute.objects.create(
        number=bill.number,
        title=f"{levy.name} {bill.period_label}".strip()[:150],
        kota=kota,
        kelurahan=kelurahan,
        amount_due=bill.amount_due,
        due_on=bill.due_on,
        verification_token=secrets.token_urlsafe(18),
    )
    _sync_payer_copy_later(bill)
    _schedule_sweep(bill.due_on)
    return bill


def default_issue_key(levy: Levy, kelurahan_id: int, payer_account: str, payer_nik_digest: str, period: str) -> str:
    """One bill per levy, kelurahan, payer and period (the payer: their account, else a prefix
    of their NIK digest, which identifies them no less and says nothing of the NIK). An account
    too long for the key is replaced by its digest, never cut: a cut key loses the period, and
    next month's bill would be taken for this month's (`recurring.issue_monthly` skips it)."""
    payer = payer_account.lower() or f"nik-{payer_nik_digest[:32]}"
    key = f"{levy.code}:{kelurahan_id}:{payer}:{period or '-'}"
    if len(key) <= ISSUE_KEY_LENGTH:
        return key  # the keys of bills already issued stay what they were
    payer = "akun-" + hashlib.sha256(payer.encode()).hexdigest()[:40]
    return f"{levy.code}:{kelurahan_id}:{payer}:{period or '-'}"


def _sync_payer_copy_later(bill: LevyBill) -> None:
    from . import tasks

    enqueue_in_tenant_on_commit(
        bill.kelurahan_id,
        tasks.open_payer_copy,
        bill.number,
        bill.payer_account,
        bill.payer_nik_digest,
        include_inactive=True,
    )


def resync_open_bills(*, kelurahan_id: int | None = None, nik_digest: str = "") -> int:
    """Queue the payer's copy of open bills again (each `open_payer_copy` is idempotent): those of
    one kelurahan whose payer has this NIK digest (a resident just recorded it there), or every
    open bill (the kota was restored from an archive: its kelurahan copies were withdrawn when
    it was removed). Kota schema only; returns how many were queued."""
    from . import tasks

    if not in_kota():
        return 0
    bills = LevyBill.objects.filter(status=LevyBill.Status.OPEN)
    if kelurahan_id is not None:
        bills = bills.filter(kelurahan_id=kelurahan_id)
    if nik_digest:
        if not identity.is_digest(nik_digest):
            return 0
        bills = bills.filter(payer_nik_digest=nik_digest)
    queued = 0
    for number, kelurahan, account, digest in bills.order_by("id").values_list(
        "number", "kelurahan_id", "payer_account", "payer_nik_digest"
    ):
        enqueue_in_tenant(kelurahan, tasks.open_payer_copy, number, account, digest, include_inactive=True)
        queued += 1
    return queued


def _schedule_sweep(due_on: datetime.date) -> None:
    """Reminder before the due date and the first fine after it: the kota's levies sweep."""
    from apps.tenancy.due_work import Kind, schedule_due

    remind = datetime.datetime.combine(due_on - datetime.timedelta(days=3), datetime.time(8))
    schedule_due(Kind.LEVIES, timezone.make_aware(remind))


def _lock_bill(number: str) -> LevyBill:
    bill = LevyBill.objects.select_for_update().select_related("levy").filter(number=number).first()
    if bill is None:
        raise NotFound(_("Tagihan tidak ditemukan."))
    return bill


def _lock_route(number: str) -> LevyBillRoute:
    return LevyBillRoute.objects.select_for_update().get(number=number)


@transaction.atomic
def do_record_cash(number: str, *, actor: User) -> LevyBill:
    """Cash paid at the kota's counter: bill and route paid now, the payer's copy follows."""
    _kota()
    _require_officer(actor)
    bill = _lock_bill(number)
    if bill.status == LevyBill.Status.PAID:
        return bill
    if bill.status == LevyBill.Status.CANCELLED:
        raise Conflict(_("Tagihan ini sudah dibatalkan."), code="cancelled")
    bill = _apply_fine(bill, timezone.localdate())
    route = _lock_route(number)
    now = timezone.now()
    _mark_paid(bill, paid_at=now, amount=bill.amount_due, channel="cash")
    route.status, route.paid_at, route.channel, route.amount_due = (
        LevyBillRoute.Status.PAID,
        now,
        "cash",
        bill.amount_due,
    )
    route.save(update_fields=["status", "paid_at", "channel", "amount_due", "updated_at"])
    _sync_payer_copy_later(bill)
    return bill


def _mark_paid(bill: LevyBill, *, paid_at: datetime.datetime, amount: int, channel: str) -> None:
    bill.status = LevyBill.Status.PAID
    bill.paid_at = paid_at
    bill.paid_amount = amount
    bill.channel = channel[:16]
    bill.save(update_fields=["status", "paid_at", "paid_amount", "channel"])


@transaction.atomic
def do_mark_bill_paid(number: str, amount: int) -> LevyBill | None:
    """The route says paid (the kelurahan settled the payer's copy): the register follows.
    Idempotent; run by `tasks.mark_bill_paid` in the kota schema."""
    bill = LevyBill.objects.select_for_update().filter(number=number).first()
    if bill is None:
        return None
    route = LevyBillRoute.objects.filter(number=number, status=LevyBillRoute.Status.PAID).first()
    if route is None or bill.status == LevyBill.Status.PAID:
        return bill
    # A bill cancelled while its copy was being paid is still paid: the money arrived.
    _mark_paid(bill, paid_at=route.paid_at or timezone.now(), amount=amount, channel=route.channel)
    return bill


@transaction.atomic
def do_cancel_bill(number: str, *, actor: User) -> LevyBill:
    _kota()
    _require_officer(actor)
    bill = _lock_bill(number)
    if bill.status == LevyBill.Status.CANCELLED:
        return bill
    if bill.status == LevyBill.Status.PAID:
        raise Conflict(_("Tagihan yang sudah lunas tidak bisa dibatalkan."), code="already_paid")
    route = _lock_route(number)
    if route.status == LevyBillRoute.Status.PAID:  # paid in the kelurahan, register not yet updated
        raise Conflict(_("Tagihan yang sudah lunas tidak bisa dibatalkan."), code="already_paid")
    bill.status = LevyBill.Status.CANCELLED
    bill.save(update_fields=["status"])
    route.status = LevyBillRoute.Status.CANCELLED
    route.save(update_fields=["status", "updated_at"])
    _sync_payer_copy_later(bill)
    return bill


def _apply_fine(bill: LevyBill, today: datetime.date) -> LevyBill:
    """The fine due today under the levy's rule (caller holds the bill's lock)."""
    fine = fines.late_fine(
        bill.principal, bill.due_on, today, rate_bps=bill.levy.fine_rate_bps, cap_months=bill.levy.fine_cap_months
    )
    if fine != bill.fine:
        bill.fine = fine
        bill.save(update_fields=["fine"])
    return bill


@transaction.atomic
def do_apply_fine(number: str, *, today: datetime.date | None = None) -> LevyBill:
    """Raise an open bill's fine to what its levy's rule says today; the route and the payer's
    copy follow (a new copy replaces the open one: a copy is never edited)."""
    bill = _lock_bill(number)
    if bill.status != LevyBill.Status.OPEN:
        return bill
    before = bill.fine
    bill = _apply_fine(bill, today or timezone.localdate())
    if bill.fine != before:
        route = _lock_route(number)
        if route.status == LevyBillRoute.Status.OPEN:
            route.amount_due = bill.amount_due
            route.save(update_fields=["amount_due", "updated_at"])
            _sync_payer_copy_later(bill)
    return bill
