"""One Idempotency-Key, many identical POSTs at the same instant (real threads, each on its
own database connection, against committed data): exactly one charge or record, every
caller gets the first answer; the same key with another body is a 409.

Covers a money endpoint (wallet top-up), a DRF record endpoint (reports API), Open311 and an
RT cash-book entry (community ledger: its own key underneath, the shared layer on top)."""

from __future__ import annotations

import functools
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import ApiToken, User
from apps.community import selectors as community
from apps.community.models import CashBookEntry
from apps.idempotency.models import IdempotencyRecord
from apps.payments import services as payments
from apps.payments.models import GatewayCharge
from apps.reports import services as reports
from apps.reports.models import ApiKey, Category, Report, ReportUpdate
from apps.sandbox.models import SandboxTransaction
from apps.tenancy.models import Tenant
from tests.community.conftest import World, make_world, wipe_community
from tests.concurrency import run_together
from tests.conftest import client_for

CALLERS = 10
CATEGORY = "serentak-idem"


@dataclass
class Setup:
    user: User
    token: str
    api_key: str
    lat: str
    lng: str


def _wipe(tenant: Tenant, usernames: list[str]) -> None:
    """Committed rows of these tests. The payments ledger refuses DELETE by trigger;
    `session_replication_role = replica` switches triggers off for this transaction."""
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        users = User.objects.filter(username__in=usernames)
        IdempotencyRecord.objects.filter(key__startswith="serentak-").delete()
        # Report updates are core_event rows (no foreign key, so no cascade) and name their actor.
        ReportUpdate.objects.filter(report__in=list(Report.objects.filter(category__code=CATEGORY))).delete()
        Report.objects.filter(category__code=CATEGORY).delete()
        ApiKey.objects.filter(name="Serentak").delete()
        Category.objects.filter(code=CATEGORY).delete()
        orders = list(GatewayCharge.objects.filter(wallet__owner__in=users).values_list("order_id", flat=True))
        SandboxTransaction.objects.filter(order_id__in=orders).delete()
        GatewayCharge.objects.filter(order_id__in=orders).delete()
        cursor.execute(
            "DELETE FROM payments_account WHERE owner_id IN (SELECT id FROM accounts_user WHERE username = ANY(%s))",
            [usernames],
        )
        users.delete()
    connection.set_schema_to_public()


@pytest.fixture
def setup(tenant_a: Tenant, committed: None) -> Iterator[Setup]:
    username = f"serentak-{uuid.uuid4().hex[:8]}"
    with tenant_a:
        user = User.objects.create(username=username, full_name="Warga Serentak")
        payments.ensure_wallet(user)
        reports.ensure_category(code=CATEGORY, name="Serentak", sla_hours=48, escalation_hours=120)
        key = reports.create_api_key(name="Serentak")[1]
        token = issue_token(user).key
        lat, lng = str(tenant_a.lat), str(tenant_a.lng)
    connection.set_schema_to_public()
    try:
        yield Setup(user=user, token=token, api_key=key, lat=lat, lng=lng)
    finally:
        _wipe(tenant_a, [username])


def _race(tenant: Tenant, calls: list[Callable[[Client], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Each call gets its own test client on its own thread (own connection), released at once."""
    return run_together([functools.partial(call, client_for(tenant)) for call in calls], timeout=300)


def _json_post(token: str, path: str, body: dict[str, Any], key: str) -> Callable[[Client], Any]:
    def call(client: Client) -> Any:
        return client.post(
            path,
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    return call


def test_ten_concurrent_top_ups_with_one_key_make_one_charge(tenant_a: Tenant, setup: Setup) -> None:
    post = _json_post(setup.token, "/api/v1/payments/topups/", {"amount": 50_000}, "serentak-topup")
    answers, errors = _race(tenant_a, [post] * CALLERS)
    assert errors == [], errors[:3]
    assert [a.status_code for a in answers] == [201] * CALLERS
    assert len({a.content for a in answers}) == 1  # the first answer, replayed to everyone
    assert sum(1 for a in answers if a.get("Idempotency-Replayed") == "true") == CALLERS - 1
    with tenant_a:
        charges = GatewayCharge.objects.filter(wallet__owner=setup.user)
        assert charges.count() == 1
        assert charges.get().order_id == answers[0].json()["order_id"]
        assert IdempotencyRecord.objects.filter(owner=f"user:{setup.user.pk}").count() == 1
    connection.set_schema_to_public()

    other = _json_post(setup.token, "/api/v1/payments/topups/", {"amount": 60_000}, "serentak-topup")
    refused = other(client_for(tenant_a))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "idempotency_key_reused"
    with tenant_a:
        assert GatewayCharge.objects.filter(wallet__owner=setup.user).count() == 1
    connection.set_schema_to_public()


def test_same_key_with_two_bodies_at_once_makes_one_report(tenant_a: Tenant, setup: Setup) -> None:
    def body(text: str) -> dict[str, Any]:
        return {"category": CATEGORY, "description": text, "lat": setup.lat, "lng": setup.lng}

    first = _json_post(setup.token, "/api/v1/reports/", body("Sampah menumpuk"), "serentak-lapor")
    second = _json_post(setup.token, "/api/v1/reports/", body("Lampu mati"), "serentak-lapor")
    answers, errors = _race(tenant_a, [first, second] * (CALLERS // 2))
    assert errors == [], errors[:3]
    statuses = Counter(a.status_code for a in answers)
    assert statuses == Counter({201: CALLERS // 2, 409: CALLERS // 2}), statuses
    created = {a.json()["code"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    with tenant_a:
        assert list(Report.objects.filter(category__code=CATEGORY).values_list("code", flat=True)) == list(created)
    connection.set_schema_to_public()


def test_ten_concurrent_open311_posts_with_one_key_make_one_report(tenant_a: Tenant, setup: Setup) -> None:
    form = urlencode({"service_code": CATEGORY, "lat": setup.lat, "long": setup.lng, "description": "Sampah"})

    def post(client: Client) -> Any:
        return client.post(
            f"/open311/v2/requests.json?api_key={setup.api_key}",
            form,
            content_type="application/x-www-form-urlencoded",
            HTTP_IDEMPOTENCY_KEY="serentak-open311",
        )

    answers, errors = _race(tenant_a, [post] * CALLERS)
    assert errors == [], errors[:3]
    assert [a.status_code for a in answers] == [201] * CALLERS
    assert len({a.content for a in answers}) == 1
    with tenant_a:
        [report] = Report.objects.filter(category__code=CATEGORY)
        assert answers[0].json()[0]["service_request_id"] == report.code
    connection.set_schema_to_public()


KAS_RW = 37
KAS_PREFIX = "serentak-kas-"
KAS_USERNAMES = [
    f"{KAS_PREFIX}{name}"
    for name in ("ketua-rt1", "bendahara-rt1", "ketua-rt2", "bendahara-rt2", "sri", "joko", "andi", "tamu", "staf")
]


@dataclass
class Kas:
    world: World
    token: str


def _wipe_kas(tenant: Tenant) -> None:
    with tenant:
        users = User.objects.filter(username__in=KAS_USERNAMES)
        ApiToken.objects.filter(user__in=users).delete()
        IdempotencyRecord.objects.filter(owner__in=[f"user:{pk}" for pk in users.values_list("pk", flat=True)]).delete()
    wipe_community(tenant, KAS_USERNAMES, KAS_RW)


@pytest.fixture
def kas(tenant_a: Tenant, committed: None) -> Iterator[Kas]:
    _wipe_kas(tenant_a)
    with tenant_a:
        world = make_world(prefix=KAS_PREFIX, rw_number=KAS_RW)
        token = issue_token(world.rt1.treasurer).key
    connection.set_schema_to_public()
    try:
        yield Kas(world=world, token=token)
    finally:
        _wipe_kas(tenant_a)


def test_ten_concurrent_cash_book_entries_with_one_key_move_money_once(tenant_a: Tenant, kas: Kas) -> None:
    book = kas.world.rt1.book
    path = f"/api/v1/community/cash-books/{book.pk}/entries/"
    body = {"direction": "in", "amount": "75000", "category": "donasi", "description": "Donasi kerja bakti"}
    post = _json_post(kas.token, path, body, "serentak-kas")
    answers, errors = _race(tenant_a, [post] * CALLERS)
    assert errors == [], errors[:3]
    assert [a.status_code for a in answers] == [201] * CALLERS, [a.content for a in answers][:2]
    assert len({a.content for a in answers}) == 1
    assert sum(1 for a in answers if a.get("Idempotency-Replayed") == "true") == CALLERS - 1
    with tenant_a:
        [line] = CashBookEntry.objects.filter(cash_book=book)
        assert str(line.public_id) == answers[0].json()["id"]
        assert community.balances(book).total == 75_000  # one ledger movement, not ten
    connection.set_schema_to_public()

    # The ledger's own key would have answered the first line again; the shared layer says 409.
    other = _json_post(kas.token, path, {**body, "description": "Donasi lain"}, "serentak-kas")
    refused = other(client_for(tenant_a))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "idempotency_key_reused"
    with tenant_a:
        assert CashBookEntry.objects.filter(cash_book=book).count() == 1
        assert community.balances(book).total == 75_000
    connection.set_schema_to_public()
