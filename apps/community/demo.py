"""Community finance demo for each kelurahan: the kas of RT 01/RW 01 kept by Bu Wartini (ketua
RT 01, also its treasurer), iuran Rp10.000 a month from three months ago, iuran paid by
wallet (Pak Joko) and in cash (Bu Sri), a donation and two expenses with a receipt, and
"Arisan PKK RT 01" with a published seed, drawn, whose first round is paid out.

Idempotent: fixed client keys and names; every step checks what is already there."""

from __future__ import annotations

import logging
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import User
from apps.core.errors import Conflict
from apps.payments import services as pay
from apps.rtrw.models import Residency, RukunTetangga
from apps.tenancy.models import Tenant

from . import services
from .models import ArisanGroup, ArisanRound, CashBook, CashBookEntry, Category, IuranPayment

logger = logging.getLogger(__name__)

IURAN = 10_000
ARISAN = "Arisan PKK RT 01"
ARISAN_SHARE = 50_000


def tiny_png() -> bytes:
    """A valid 1×1 PNG (a stand-in for a photographed receipt)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    rt = RukunTetangga.objects.filter(rw__number=1, number=1).select_related("rw").first()
    ketua = User.objects.filter(username="ketua-rt01").first()
    sri = User.objects.filter(username="bu-sri").first()
    joko = User.objects.filter(username="pak-joko").first()
    if rt is None or ketua is None or sri is None or joko is None:
        return
    if rt.ketua_id is None:
        rt.ketua = ketua
        rt.save(update_fields=["ketua"])
    services.assign_treasurer(rt, ketua, actor=ketua)
    book = services.open_cash_book(rt)
    _kas(book, ketua, sri, joko)
    _arisan(rt, ketua, sri, joko)


def _kas(book: CashBook, ketua: User, sri: User, joko: User) -> None:
    first = book.schedules.order_by("start_month").first()
    if first is None:
        first = services.set_schedule(
            book,
            actor=ketua,
            amount=IURAN,
            start_month=services.add_months(services.this_month(), -3),
            note="Iuran kebersihan dan keamanan",
        )
    start = first.start_month  # stable: a later run pays the same months, not new ones
    _fund(joko, 100_000, "demo:community:joko")
    for n in range(3):
        month = services.add_months(start, n)
        if not IuranPayment.objects.filter(member=joko, month=month, status="paid").exists():
            services.pay_iuran_with_wallet(joko, month, client_key=f"demo:iuran:{month:%Y-%m}")
    for n in range(2):
        month = services.add_months(start, n)
        if not IuranPayment.objects.filter(member=sri, month=month, status="paid").exists():
            services.record_iuran_cash(book, sri, month, actor=ketua, client_key=f"demo:iuran-tunai:{month:%Y-%m}")
    first_day = start
    if not CashBookEntry.objects.filter(cash_book=book, description="Sumbangan warga untuk lomba 17-an").exists():
        services.record_income(
            book,
            actor=ketua,
            amount=150_000,
            category=Category.DONASI,
            description="Sumbangan warga untuk lomba 17-an",
            occurred_on=first_day.replace(day=5),
            client_key="demo:donasi-17an",
        )
    if not CashBookEntry.objects.filter(cash_book=book, description="Kantong sampah dan sapu lidi").exists():
        services.record_expense(
            book,
            actor=ketua,
            amount=45_000,
            category=Category.KEBERSIHAN,
            description="Kantong sampah dan sapu lidi",
            occurred_on=first_day.replace(day=12),
            receipt=SimpleUploadedFile("nota.png", tiny_png(), content_type="image/png"),
            client_key="demo:kebersihan",
        )
    if not CashBookEntry.objects.filter(cash_book=book, description="Konsumsi ronda malam").exists():
        services.record_expense(
            book,
            actor=ketua,
            amount=30_000,
            category=Category.KEAMANAN,
            description="Konsumsi ronda malam",
            occurred_on=services.add_months(first_day, 1).replace(day=8),
            client_key="demo:ronda",
        )


def _fund(user: User, amount: int, key: str) -> None:
    """Demo money into a wallet, once per key (a later run replays the same entry)."""
    pay.top_up(pay.ensure_wallet(user), amount, reference="demo", idempotency_key=key)


def _arisan(rt: RukunTetangga, ketua: User, sri: User, joko: User) -> None:
    group = ArisanGroup.objects.filter(name=ARISAN, rt=rt).first()
    if group is None:
        organiser = sri if Residency.objects.filter(user=sri, rt=rt).exists() else ketua
        group = services.create_group(
            organiser=organiser,
            name=ARISAN,
            contribution=ARISAN_SHARE,
            period="monthly",
            draw_method="random",
            start_date=services.add_months(services.this_month(), -1).replace(day=15),
            rt=rt,
        )
    organiser = group.organiser
    if group.status == ArisanGroup.Status.FORMING:
        for person in (sri, joko):
            if Residency.objects.filter(user=person, rt=rt).exists():
                services.add_member(group, person, actor=organiser)
        services.commit_draw(group, actor=organiser)
    group.refresh_from_db()
    if group.status == ArisanGroup.Status.COMMITTED:
        services.reveal_draw(group, actor=organiser)
    first = ArisanRound.objects.filter(group=group, number=1).first()
    if first is None or first.status == ArisanRound.Status.PAID_OUT:
        return
    for member in group.members.select_related("user"):
        _fund(member.user, ARISAN_SHARE, f"demo:arisan:{member.user.pk}")
        services.contribute_with_wallet(first, member, payer=member.user)
    try:
        services.pay_out(first, actor=organiser)
    except Conflict as exc:  # pragma: no cover - every share was just paid
        logger.warning("community demo: arisan round 1 not paid out: %s", exc.message)
        return
