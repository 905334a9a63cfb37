"""Community finance fixtures: RT 01 and RT 02 of RW 01 in Kelurahan Mojorejo (tenant A),
their ketua, a treasurer, residents with funded wallets, and ledger helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection, transaction
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.community import services
from apps.community.models import CashBook
from apps.payments import services as pay
from apps.payments.models import Account, JournalEntry, Posting
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.images import JPEG, PNG  # noqa: F401  (imported by the tests) real images for Pillow
from tests.payments.conftest import wipe_payments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Rt:
    rt: RukunTetangga
    book: CashBook
    ketua: User
    treasurer: User


@dataclass
class World:
    rt1: Rt
    rt2: Rt
    sri: User
    joko: User
    andi: User  # lives in RT 02
    outsider: User  # lives nowhere
    staff: User


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def fund(user: User, amount: int) -> Account:
    wallet = pay.ensure_wallet(user)
    pay.top_up(wallet, amount, reference="test", idempotency_key=key())
    wallet.refresh_from_db()
    return wallet


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def ledger_sum() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM payments_posting")
        return int(cursor.fetchone()[0])


def entries_balanced() -> bool:
    for entry in JournalEntry.objects.all():
        if sum(Posting.objects.filter(entry=entry).values_list("amount", flat=True)) != 0:
            return False
    return True


def user(username: str, *roles: Role, full_name: str = "") -> User:
    return create_user(username=username, full_name=full_name or username.title(), roles=list(roles), password="x")


def make_world(prefix: str = "", rw_number: int = 1) -> World:
    rw, _ = RukunWarga.objects.get_or_create(number=rw_number)
    rts = []
    for number in (1, 2):
        rt, _ = RukunTetangga.objects.get_or_create(rw=rw, number=number)
        ketua = user(f"{prefix}ketua-rt{number}", Role.KETUA_RT, full_name=f"Ketua RT {number}")
        rt.ketua = ketua
        rt.save(update_fields=["ketua"])
        treasurer = user(f"{prefix}bendahara-rt{number}", Role.WARGA, full_name=f"Bendahara RT {number}")
        Residency.objects.create(user=treasurer, rt=rt)
        services.assign_treasurer(rt, treasurer, actor=ketua)
        rts.append(Rt(rt, services.open_cash_book(rt), ketua, treasurer))
    sri = user(f"{prefix}sri", Role.PEMILIK_UMKM, full_name="Sri Rahayu")
    joko = user(f"{prefix}joko", Role.WARGA, full_name="Joko Santoso")
    andi = user(f"{prefix}andi", Role.WARGA, full_name="Andi")
    outsider = user(f"{prefix}tamu", Role.WARGA, full_name="Tamu")
    staff = user(f"{prefix}staf", Role.ADMIN, full_name="Staf Kelurahan")
    Residency.objects.create(user=sri, rt=rts[0].rt)
    Residency.objects.create(user=joko, rt=rts[0].rt)
    Residency.objects.create(user=andi, rt=rts[1].rt)
    return World(rts[0], rts[1], sri, joko, andi, outsider, staff)


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def world(in_a: Tenant) -> World:
    return make_world()


@pytest.fixture
def scheduled(world: World) -> World:
    """Rp10.000 a month from January 2026 in RT 01."""
    services.set_schedule(world.rt1.book, actor=world.rt1.treasurer, amount=10_000, start_month=date(2026, 1, 1))
    return world


COMMUNITY_TABLES = [
    "community_arisancontribution",
    "community_arisanround",
    "community_arisanmember",
    "community_arisangroup",
    "community_iuranpayment",
    "community_iuranexemption",
    "community_iuranschedule",
    "community_cashbookentry",
    "community_cashbook",
    "community_treasurer",
]


def wipe_community(tenant: Tenant, usernames: list[str], rw_number: int) -> None:
    """Remove committed community and payments data, the RW's units and the given users
    (tests only; the ledger refuses DELETE, so triggers are off for this one transaction)."""
    connection.set_schema_to_public()
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in COMMUNITY_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        ids = list(User.objects.filter(username__in=usernames).values_list("pk", flat=True)) or [0]
        cursor.execute("DELETE FROM notifications_message WHERE recipient_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM feedback_prompt WHERE user_id = ANY(%s)", [ids])  # asked after a service
        cursor.execute("DELETE FROM rtrw_residency WHERE user_id = ANY(%s)", [ids])
        RukunTetangga.objects.filter(rw__number=rw_number).update(ketua=None)
        cursor.execute(
            "DELETE FROM rtrw_rukuntetangga WHERE rw_id IN (SELECT id FROM rtrw_rukunwarga WHERE number = %s)",
            [rw_number],
        )
        cursor.execute("DELETE FROM rtrw_rukunwarga WHERE number = %s", [rw_number])
    wipe_payments(tenant, usernames)
    connection.set_schema_to_public()


def client_as(person: User, host: str = "mojorejo.localhost") -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(person)
    return client
