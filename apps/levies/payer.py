"""Kelurahan-side writes of apps.levies (run in the payer's kelurahan schema): the payer's copy
of a kota bill (a `payments.PaymentRequest`, reference ``levy:<number>``), its reminders, and the
route marked paid when the copy settles. Reads only payments, accounts and the public route:
this app's own tables do not exist in a kelurahan schema.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import logging

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core import phones
from apps.core.db import connection
from apps.core.errors import Conflict, NotFound
from apps.core.money import rupiah
from apps.notifications.services import notify
from apps.payments import selectors as payment_selectors
from apps.payments import services as payments
from apps.payments.models import Account, PaymentRequest
from apps.tenancy.fanout import enqueue_in_tenant_on_commit
from apps.tenancy.models import LevyBillRoute, Tenant

from . import access, identity

logger = logging.getLogger(__name__)

REFERENCE_KIND = "levy"
LIVE = (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH)


def reference_of(number: str) -> str:
    return f"{REFERENCE_KIND}:{number}"


def page_path(copy: PaymentRequest) -> str:
    return f"/tagihan/{copy.public_id}/"


def _kelurahan() -> Tenant | None:
    tenant = access.current_tenant()
    return tenant if tenant is not None and tenant.tenant_type == Tenant.Type.KELURAHAN else None


def route_here(number: str, *, lock: bool = False) -> LevyBillRoute | None:
    """The route of `number` addressed to this kelurahan (None for any other kelurahan's)."""
    tenant = _kelurahan()
    if tenant is None:
        return None
    found = LevyBillRoute.objects.filter(number=number, kelurahan=tenant).select_related("kota")
    return (found.select_for_update(of=("self",)) if lock else found).first()


def find_payer(account: str) -> User | None:
    """The kelurahan user a bill is addressed to: by username, else by mobile number."""
    account = account.strip()
    if not account:
        return None
    user = User.objects.filter(username__iexact=account, is_active=True).first()
    if user is None and (e164 := phones.to_e164(account)):
        user = User.objects.filter(Q(phone=e164) | Q(phone=account), is_active=True).order_by("id").first()
    return user


def payer_by_nik(nik_digest: str) -> User | None:
    """The one active user here who recorded this NIK (its digest); nobody when none did, or
    when two accounts claim the same NIK: then the bill is claimed by number and code instead,
    so it is never shown to two people."""
    if not identity.is_digest(nik_digest):
        return None
    found = list(User.objects.filter(nik_digest=nik_digest, is_active=True).order_by("id")[:2])
    return found[0] if len(found) == 1 else None


def _previous_payer(copies: list[PaymentRequest]) -> User | None:
    """Who the newest earlier copy of the bill was addressed to (matched, claimed or attached by
    NIK): a replacing copy (re-priced, reopened after the kota's restore) keeps its payer."""
    for copy in sorted(copies, key=lambda item: item.pk, reverse=True):
        if copy.payer_id is not None:
            user = User.objects.filter(pk=copy.payer_id, is_active=True).first()
            if user is not None:
                return user
    return None


def _notify_issued(user: User, route: LevyBillRoute, copy: PaymentRequest) -> None:
    notify(
        [user],
        event="levies.issued",
        title=_("Tagihan baru: %(title)s") % {"title": route.title},
        body=_("%(amount)s, jatuh tempo %(due)s. Bayar lewat dompet atau QRIS.")
        % {"amount": rupiah(route.amount_due), "due": _date(route.due_on)},
        url=page_path(copy),
        key=f"levy-{route.number}-{copy.pk}",
    )


def withdrawal_reason(kota: Tenant) -> str:
    return _("%(kota)s tidak lagi menagih lewat KotaKita. Bayar tagihan ini langsung ke kas daerah %(kota)s.") % {
        "kota": kota.name
    }


def treasury_code(kota: Tenant) -> str:
    return f"treasury:{kota.schema_name}"


def treasury_of(kota: Tenant) -> Account:
    return payments.treasury_account(treasury_code(kota), _("Kas Daerah %(kota)s") % {"kota": kota.name})


def settle_treasury(kota_id: int, day: datetime.date) -> int:
    """The daily settlement in this kelurahan: what its kas daerah clearing account of the kota
    collected on `day` (levy copies and permit fees alike) is paid out to the kas daerah.
    Idempotent per day (payments.treasury_payout); returns the amount paid out (0: nothing)."""
    kota = Tenant.objects.filter(pk=kota_id, tenant_type=Tenant.Type.KOTA).first()
    if kota is None or _kelurahan() is None:
        return 0
    account = Account.objects.filter(code=treasury_code(kota)).first()
    if account is None:  # nothing was ever billed here for this kota
        return 0
    entry = payments.treasury_payout(account, day, destination=_("Kas Daerah %(kota)s") % {"kota": kota.name})
    return entry.amount if entry is not None else 0


@transaction.atomic
def sync_payer_copy(number: str, payer_account: str, nik_digest: str = "") -> PaymentRequest | None:
    """Make the payer's copy match the route: one open copy of the amount due, none once the
    route is cancelled (or its kota is being removed), the open copy recorded as cash when the
    kota took cash at its counter. The copy is addressed to the user with `payer_account`, else
    to the one resident who recorded the NIK behind `nik_digest`, else it keeps the payer of the
    copy it replaces; with nobody it waits to be claimed by number and code (`claim`) or by a
    resident recording that NIK later (the kota then runs this again).
    Idempotent: run again, it changes nothing. The route row lock serialises concurrent runs."""
    route = route_here(number, lock=True)
    if route is None:
        return None
    copies = list(payment_selectors.requests_with_reference(reference_of(number)))
    paid = next((copy for copy in copies if copy.status == PaymentRequest.Status.PAID), None)
    live = [copy for copy in copies if copy.status in LIVE]
    if paid is not None:
        for copy in live:  # a newer, re-priced copy left open: nothing is owed any more
            payments.cancel_treasury_request(copy)
        return paid
    if route.kota.status == Tenant.Status.ARCHIVING:  # see withdraw_copies
        for copy in live:
            payments.cancel_treasury_request(copy, reason=withdrawal_reason(route.kota))
        return None
    if route.status == LevyBillRoute.Status.CANCELLED:
        for copy in live:
            payments.cancel_treasury_request(copy)
        return None
    if route.status == LevyBillRoute.Status.PAID:
        # Cash at the kota's counter: the copy shows paid (no ledger movement: cash never entered).
        for copy in live[1:]:
            payments.cancel_treasury_request(copy)
        return payments.record_treasury_cash(live[0]) if live else None
    current = next((copy for copy in live if copy.amount == route.amount_due), None)
    for copy in live:
        if copy is not current:  # re-priced (a fine was added): the old copy goes, never edited
            payments.cancel_treasury_request(copy)
    user = find_payer(payer_account) or payer_by_nik(nik_digest)
    if current is not None:
        if current.payer_id is None and user is not None:  # a resident recorded the bill's NIK
            current = payments.claim_treasury_request(current, user)
            _notify_issued(user, route, current)
        return current
    user = user or _previous_payer(copies)
    copy = payments.create_payment_request(
        treasury_of(route.kota),
        route.amount_due,
        description=f"{route.title} · {route.number}"[:255],
        reference=reference_of(number),
        payer=user,
        due_on=route.due_on,
    )
    if user is not None:
        _notify_issued(user, route, copy)
    return copy


@transaction.atomic
def withdraw_copies(kota: Tenant) -> int:
    """The kota is being removed: every open copy of its bills in this kelurahan is cancelled,
    with the reason shown to the payer, so none can be paid into a kas daerah clearing account
    whose bill register is about to go. Idempotent; returns how many were withdrawn. Reopened
    (a new copy, same payer) when the kota is restored or its removal abandoned (the kota's
    `resync_open_bills`)."""
    tenant = _kelurahan()
    if tenant is None:
        return 0
    numbers = list(
        LevyBillRoute.objects.filter(kota=kota, kelurahan=tenant, status=LevyBillRoute.Status.OPEN).values_list(
            "number", flat=True
        )
    )
    reason = withdrawal_reason(kota)
    withdrawn = 0
    for copy in PaymentRequest.objects.filter(
        reference__in=[reference_of(number) for number in numbers], status__in=LIVE
    ).order_by("id"):
        payments.cancel_treasury_request(copy, reason=reason)
        withdrawn += 1
    return withdrawn


@transaction.atomic
def record_nik(user: User, raw_nik: object) -> None:
    """A resident records their NIK (kept as its digest only): the kota's open bills addressed to
    that NIK in this kelurahan reach their /tagihan/ (the kota queues their copies again, after
    commit). One account per NIK here: a NIK another account recorded is refused (a kelurahan
    officer sorts out who is who), and a bill is never attached to two people."""
    tenant = _kelurahan()
    if tenant is None:
        raise NotFound(_("NIK dicatat di kelurahan tempat Anda terdaftar."), code="not_kelurahan")
    digest = identity.digest_nik(raw_nik)
    locked = User.objects.select_for_update().get(pk=user.pk)
    lock_nik(digest)
    if User.objects.filter(nik_digest=digest, is_active=True).exclude(pk=user.pk).exists():
        raise Conflict(
            _("NIK ini sudah tercatat di akun lain. Hubungi kantor kelurahan."), code="nik_taken", field="nik"
        )
    if locked.nik_digest != digest:
        locked.nik_digest = digest
        locked.save(update_fields=["nik_digest"])
    user.nik_digest = digest
    if tenant.parent_id is not None:
        from . import tasks

        enqueue_in_tenant_on_commit(
            tenant.parent_id, tasks.resync_payer_copies, tenant.pk, digest, include_inactive=True
        )


def lock_nik(digest: str) -> None:
    """Two accounts recording the same NIK at once: the second waits for the first (then sees it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{connection.schema_name}:levies.nik:{digest}"]
        )


def _date(day: datetime.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


def remind(number: str, stage: str) -> int:
    """Remind the payer of an open copy: "soon" (before the due date) or "overdue" (after)."""
    route = route_here(number)
    if route is None or route.status != LevyBillRoute.Status.OPEN:
        return 0
    copy = (
        payment_selectors.requests_with_reference(reference_of(number))
        .filter(status__in=LIVE, payer__isnull=False)
        .select_related("payer")
        .first()
    )
    if copy is None or copy.payer is None:
        return 0
    if stage == "overdue":
        title = _("Tagihan lewat jatuh tempo: %(title)s") % {"title": route.title}
    else:
        title = _("Tagihan segera jatuh tempo: %(title)s") % {"title": route.title}
    body = _("%(amount)s, jatuh tempo %(due)s.") % {"amount": rupiah(copy.amount), "due": _date(route.due_on)}
    with transaction.atomic():
        notify(
            [copy.payer],
            event="levies.reminder",
            title=title,
            body=body,
            url=page_path(copy),
            key=f"levy-{number}-{stage}",
        )
    return 1


CLAIM_CODE_LENGTH = 8


def claim_code(route: LevyBillRoute) -> str:
    """The check value printed on the paper bill next to its number: whoever holds both may
    attach the bill to their account (`claim`). Derived from the route's random verification
    token, so nothing new is stored and the number alone does not give it away."""
    digest = hmac.new(route.verification_token.encode(), f"claim:{route.number}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode()[:CLAIM_CODE_LENGTH]


@transaction.atomic
def claim(user: User, number: str, code: str) -> PaymentRequest:
    """A payer attaches a bill of this kelurahan by its number and claim code (a bill the kota
    addressed to an account nobody here has). Wrong number or code: the same 404-like refusal,
    so neither can be probed alone. Idempotent for the same payer."""
    number, code = number.strip().upper()[:40], code.strip().upper().replace(" ", "")[:16]
    route = route_here(number) if number else None
    if route is None or not hmac.compare_digest(claim_code(route), code):
        raise NotFound(_("Nomor tagihan atau kode cek tidak cocok."), code="claim_mismatch")
    if route.status != LevyBillRoute.Status.OPEN:
        raise Conflict(_("Tagihan ini sudah tidak terbuka."), code="not_open")
    copy = payment_selectors.requests_with_reference(reference_of(number)).filter(status__in=LIVE).first()
    if copy is None:
        raise NotFound(_("Nomor tagihan atau kode cek tidak cocok."), code="claim_mismatch")
    return payments.claim_treasury_request(copy, user)


@transaction.atomic
def mark_route_paid(number: str, *, amount: int, method: str, paid_at: datetime.datetime) -> LevyBillRoute | None:
    """The payer's copy settled: the route says paid, and the kota's register follows (a task in
    the kota schema, queued after commit). Idempotent; a cancelled route is still marked paid
    (the money arrived: the kota's report shows it for a refund or a write-back)."""
    from . import tasks

    route = route_here(number, lock=True)
    if route is None:
        logger.error("levy bill %s settled in a kelurahan that has no route for it", number)
        return None
    if route.status != LevyBillRoute.Status.PAID:
        route.status = LevyBillRoute.Status.PAID
        route.paid_at = paid_at
        route.channel = method[:16]
        route.save(update_fields=["status", "paid_at", "channel", "updated_at"])
    # Every time, not only the first: a lost hand-off heals when the event is replayed.
    enqueue_in_tenant_on_commit(route.kota_id, tasks.mark_bill_paid, number, amount, include_inactive=True)
    return route
