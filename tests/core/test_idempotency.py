"""The shared Idempotency-Key mechanism (apps.core.idempotency): request fingerprints, key
rules, replay and refusal through a DRF endpoint, and the header in the OpenAPI schema of
every creating POST that uses it. Concurrency: tests/core/test_idempotency_concurrency.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.test import Client

from apps.accounts.models import User
from apps.core import idempotency
from apps.core.errors import ValidationFailed
from apps.idempotency.models import IdempotencyRecord
from apps.payments.models import GatewayCharge
from apps.tenancy.models import Tenant
from tests.conftest import client_for

# Creating POSTs that use the shared mechanism (the header is optional there); payments'
# own money moves keep their required header.
SHARED = [
    "/api/v1/payments/topups/",
    "/api/v1/payments/payment-requests/",
    "/api/v1/payments/payouts/",
    "/api/v1/reports/",
    "/api/v1/permits/",
    "/api/v1/aid/beneficiaries/",
    "/api/v1/aid/enrolments/",
    "/api/v1/aid/distributions/",
    "/api/v1/procurement/requests/",
    "/api/v1/procurement/requests/{id}/quote/",
    "/api/v1/invoicing/invoices/",
    "/api/v1/factoring/products/",
    "/api/v1/factoring/financings/{id}/default/",
    "/api/v1/factoring/financings/{id}/recourse/",
    "/api/v1/lending/products/",
    "/api/v1/lending/applications/{id}/approve/",
    "/api/v1/lending/applications/{id}/disburse/",
    "/api/v1/lending/loans/{id}/repayments/",
    "/api/v1/lending/loans/{id}/recoveries/",
    "/api/v1/community/cash-books/{id}/entries/",
    "/api/v1/community/cash-books/{id}/schedules/",
    "/api/v1/community/cash-books/{id}/iuran-cash/",
    "/api/v1/community/iuran/pay/",
    "/api/v1/community/arisan/",
    "/api/v1/community/arisan/{id}/members/",
    "/api/v1/community/arisan-rounds/{id}/contribute/",
    "/api/v1/fulfillment/hubs/",
    "/api/v1/fulfillment/deliveries/",
    "/api/v1/fulfillment/pings/",
    "/api/v1/agenda/events/",
    "/api/v1/marketplace/orders/{id}/pay/",
    "/api/v1/bazar/events/",
    "/api/v1/bazar/events/{id}/stalls/",
    "/api/v1/bazar/arisan-rounds/{id}/voucher/",
    "/api/v1/tukang/jobs/",
    "/api/v1/tukang/jobs/{id}/quote/",
    "/api/v1/sembako/rounds/",
    "/api/v1/sembako/rounds/{id}/orders/",
]
# Creating POSTs that keep only their own domain key (same key + same body → the same
# record, another body → 409; the key is required): the header is documented there too.
DOMAIN_KEYED = [
    "/api/v1/payments/transfers/",
    "/api/v1/payments/payments/",
    "/api/v1/payments/refunds/",
    "/api/v1/marketplace/orders/",
    "/api/v1/bazar/vouchers/redeem/",
    "/api/v1/sembako/orders/{id}/pay/",
]


def test_fingerprint_ignores_key_order_and_form_spelling_but_not_content() -> None:
    a = idempotency.fingerprint("POST", "/x/", {"amount": 5, "note": {"b": 1, "a": 2}})
    assert a == idempotency.fingerprint("post", "/x/", {"note": {"a": 2, "b": 1}, "amount": 5})
    assert a != idempotency.fingerprint("POST", "/x/", {"amount": 6, "note": {"b": 1, "a": 2}})
    assert a != idempotency.fingerprint("POST", "/y/", {"amount": 5, "note": {"b": 1, "a": 2}})
    form = QueryDict("b=2&a=1&a=3")
    assert idempotency.fingerprint("POST", "/x/", form) == idempotency.fingerprint(
        "POST", "/x/", QueryDict("a=1&a=3&b=2")
    )
    assert idempotency.fingerprint("POST", "/x/", form) != idempotency.fingerprint(
        "POST", "/x/", QueryDict("a=3&a=1&b=2")
    )
    one = SimpleUploadedFile("a.png", b"first")
    same = SimpleUploadedFile("a.png", b"first")
    other = SimpleUploadedFile("a.png", b"other")
    assert idempotency.fingerprint("POST", "/x/", {"f": one}) == idempotency.fingerprint("POST", "/x/", {"f": same})
    assert idempotency.fingerprint("POST", "/x/", {"f": one}) != idempotency.fingerprint("POST", "/x/", {"f": other})
    assert one.read() == b"first"  # the upload is rewound for the view


@pytest.mark.parametrize("raw", ["k" * 201, "kunci dengan\tTAB", "kunci-é"])
def test_malformed_keys_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        idempotency.clean_key(raw)
    assert caught.value.code == "invalid_idempotency_key"


def test_blank_key_means_no_key() -> None:
    assert idempotency.clean_key(None) is None
    assert idempotency.clean_key("  ") is None
    assert idempotency.clean_key(" abc-123 ") == "abc-123"


@pytest.mark.django_db
def test_every_creating_post_documents_the_header(client_a: Client) -> None:
    paths = client_a.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in SHARED + DOMAIN_KEYED:
        parameters = paths[path]["post"].get("parameters", [])
        header = [p for p in parameters if p["name"] == idempotency.HEADER]
        assert header and header[0]["in"] == "header", path


def _topup(client: Client, amount: int, key: str | None, **headers: str) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        "/api/v1/payments/topups/", json.dumps({"amount": amount}), content_type="application/json", **extra, **headers
    )


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


def test_replay_refusal_and_retry_after_failure_through_the_api(tenant_a: Tenant, in_a: Tenant) -> None:
    user = User.objects.create(username="idem-warga")
    client = client_for(tenant_a)
    client.force_login(user)

    first = _topup(client, 25_000, "isi-1")
    assert first.status_code == 201
    again = _topup(client, 25_000, "isi-1")
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotency-Replayed"] == "true"
    assert GatewayCharge.objects.filter(wallet__owner=user).count() == 1

    refused = _topup(client, 30_000, "isi-1")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in refused.json()["error"]["message"]

    # Keys belong to their user: someone else's "isi-1" is another key.
    other = User.objects.create(username="idem-tetangga")
    theirs = client_for(tenant_a)
    theirs.force_login(other)
    assert _topup(theirs, 30_000, "isi-1").status_code == 201
    assert GatewayCharge.objects.count() == 2

    # A refused request keeps no record, so the same key works once the input is fixed.
    assert _topup(client, -1, "isi-2").status_code == 422
    assert not IdempotencyRecord.objects.filter(key="isi-2").exists()
    assert _topup(client, 10_000, "isi-2").status_code == 201
    assert _topup(client, 10_000, "k" * 201).status_code == 422
    # Without a key each POST is a new charge, as before.
    assert _topup(client, 10_000, None).status_code == 201
    assert _topup(client, 10_000, None).status_code == 201
    assert GatewayCharge.objects.filter(wallet__owner=user).count() == 4


def test_keys_are_forgotten_after_their_retention(in_a: Tenant) -> None:
    from datetime import timedelta

    from django.utils import timezone

    old = IdempotencyRecord.objects.create(
        owner="user:1",
        key="lama",
        scope="t",
        fingerprint="f",
        status_code=201,
        created_at=timezone.now() - timedelta(days=8),
    )
    recent = IdempotencyRecord.objects.create(
        owner="user:1",
        key="baru",
        scope="t",
        fingerprint="f",
        status_code=201,
        created_at=timezone.now() - timedelta(days=6),
    )
    assert idempotency.prune_records() == 1
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert IdempotencyRecord.objects.filter(pk=recent.pk).exists()


PLATFORM_SHARED = ["/api/v1/activation-jobs/", "/api/v1/tenant-jobs/restore/", "/api/v1/tenants/"]


def test_operator_bulk_activation_replays_and_refuses_like_every_shared_key(
    operator_client: Client, tenants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.jobs import tasks as jobs
    from apps.tenancy.models import ActivationJob

    paths = operator_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in PLATFORM_SHARED:
        assert idempotency.HEADER in [p["name"] for p in paths[path]["post"].get("parameters", [])], path

    def start(scope: str, key: str) -> Any:
        return operator_client.post(
            "/api/v1/activation-jobs/", {"scope": scope}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )

    first = start("35.77.01", "massal-1")
    assert first.status_code == 202, first.content
    again = start("35.77.01", "massal-1")
    assert (again.status_code, again.content, again["Idempotency-Replayed"]) == (202, first.content, "true")
    assert ActivationJob.objects.filter(scope="35.77.01").count() == 1
    other = start("35.77.02", "massal-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert not ActivationJob.objects.filter(scope="35.77.02").exists()

    # The platform's keys (public schema) are forgotten by the beat sweep that runs there.
    from datetime import timedelta

    from django.utils import timezone

    IdempotencyRecord.objects.filter(key="massal-1").update(created_at=timezone.now() - timedelta(days=8))
    monkeypatch.setattr(jobs, "enqueue_in_every_tenant", lambda task, **kwargs: 0)
    jobs.repair_everywhere()
    assert not IdempotencyRecord.objects.filter(key="massal-1").exists()
