"""Sentry: events carry tenant and user tags, and no NIK, phone, e-mail or credential."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from apps.observability.sentry import FILTERED, before_send, init_sentry, scrub
from apps.tenancy.models import Tenant
from tests.observability.test_logging import login

NIK = "3577031234567890"


class MemoryTransport(Transport):
    """Keeps envelopes in memory: nothing leaves the process."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def transport() -> Iterator[MemoryTransport]:
    memory = MemoryTransport()
    init_sentry("https://public@sentry.invalid/1", "test", "kotakita@test", 0.0, transport=memory)
    try:
        yield memory
    finally:
        sentry_sdk.flush()
        sentry_sdk.init(dsn=None)  # no client: the patched integrations do nothing


def _events(memory: MemoryTransport) -> list[dict[str, Any]]:
    events = []
    for envelope in memory.envelopes:
        for item in envelope.items:
            if item.type == "event" and item.payload.json is not None:
                events.append(item.payload.json)
    return events


@pytest.mark.django_db
def test_view_error_reaches_sentry_without_personal_data(
    transport: MemoryTransport, test_urls: None, client_a: Client, tenant_a: Tenant
) -> None:
    user = login(client_a, tenant_a, "sentry-warga")
    session_key = client_a.cookies["sessionid"].value
    client_a.cookies["pelacak"] = "sesi-789"
    with pytest.raises(RuntimeError):
        client_a.get(
            f"/_test/boom?nik={NIK}&q=cari",
            HTTP_AUTHORIZATION="Token rahasia-token-123",
            HTTP_X_API_KEY="kunci-api-456",
        )
    sentry_sdk.flush()
    events = _events(transport)
    assert events, "the error was not captured"
    raw = b"".join(envelope.serialize() for envelope in transport.envelopes)
    for secret in (
        NIK,
        "081234567890",
        "warga@example.com",
        "rahasia-token-123",
        "kunci-api-456",
        "sesi-789",
        session_key,
    ):
        assert secret.encode() not in raw, secret
    event = next(e for e in events if e.get("exception"))
    assert event["tags"]["tenant_schema"] == tenant_a.schema_name
    assert event["tags"]["user_id"] == str(user.pk)
    assert event["tags"]["request_id"]
    assert event["environment"] == "test" and event["release"] == "kotakita@test"
    # The error itself is still there, readable.
    value = event["exception"]["values"][-1]
    assert value["type"] == "RuntimeError" and FILTERED in value["value"]
    frames = value["stacktrace"]["frames"]
    assert frames[-1]["vars"]["nik"] == FILTERED


def test_scrub_covers_bodies_headers_and_breadcrumbs() -> None:
    data = {
        "request": {
            "headers": {"Authorization": "Bearer x", "X-Api-Key": "k", "Accept": "text/html"},
            "data": {"nik": NIK, "no_kk": "3577030101010001", "nama": "Sri", "catatan": f"NIK saya {NIK}"},
        },
        "message": "hubungi +62 812-3456-7890 atau sri@desa.id",
        "extra": {"amount": 3577031234567890, "count": 12},
    }
    cleaned = scrub(data)
    text = json.dumps(cleaned)
    assert NIK not in text and "3577030101010001" not in text and "sri@desa.id" not in text
    assert "812-3456-7890" not in text and "Bearer x" not in text
    assert cleaned["request"]["headers"]["Accept"] == "text/html"
    assert cleaned["request"]["data"]["nama"] == "Sri" and cleaned["extra"]["count"] == 12
    crumb = {"message": f"SELECT * FROM warga WHERE nik = '{NIK}'", "category": "query"}
    sent = before_send({"breadcrumbs": {"values": [crumb]}}, {})
    assert sent is not None
    [kept] = sent["breadcrumbs"]["values"]
    assert NIK not in kept["message"] and kept["category"] == "query"
