"""Journey "tukang" (issue 21): a warga books a tukang over WhatsApp, played by the sandbox.

Pak Joko opens the WhatsApp sandbox (DEBUG: a developer's machine) as his own number, greets
the bot, picks "Listrik", picks Mas Wawan, describes the job and confirms. Each message goes
through the webhook signed with the sandbox secret (the real signature check); the bot's
replies come back through the notifications outbox. His request then shows in "Pesanan saya".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.idempotency.models import IdempotencyRecord
from apps.notifications.models import Message
from apps.sandbox.models import SandboxDelivery
from apps.tukang import services
from apps.tukang.models import Conversation, Job, Quote, Tukang
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

WARGA = "journey-tukang-joko"
TUKANG = "journey-tukang-wawan"
HOST = "mojorejo.localhost"
PHONE = "081234569911"


def _cleanup(tenants: TenantSet) -> None:
    connection.set_schema_to_public()
    with tenants.a:
        users = User.objects.filter(username__in=[WARGA, TUKANG])
        Quote.objects.filter(tukang__user__in=users).delete()
        Job.objects.filter(requester__in=users).delete()
        Tukang.objects.filter(user__in=users).delete()
        Conversation.objects.filter(phone="+6281234569911").delete()
        Message.objects.filter(address="+6281234569911").delete()
        SandboxDelivery.objects.filter(address="+6281234569911").delete()
        IdempotencyRecord.objects.filter(owner="whatsapp", key__startswith="wamid.sandbox.").delete()
        Message.objects.filter(recipient__in=users).delete()
        forget_login_records([WARGA, TUKANG])
        users.delete()
    connection.set_schema_to_public()


@pytest.fixture
def people(tenants: TenantSet, server: LiveServer, settings: Any) -> Iterator[None]:
    settings.DEBUG = True  # the sandbox is open to everyone on a developer's machine only
    _cleanup(tenants)
    with tenants.a:
        create_user(username=WARGA, full_name="Joko Santoso", roles=[Role.WARGA], password=PASSWORD, phone=PHONE)
        wawan = create_user(username=TUKANG, full_name="Wawan", roles=[Role.WARGA], password=PASSWORD)
        services.register_tukang(wawan, name="Mas Wawan", skills=["listrik"], rate=75_000, rate_unit="pekerjaan")
    connection.set_schema_to_public()
    try:
        yield
    finally:
        _cleanup(tenants)


def test_tukang_over_whatsapp(people: None, tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    page: Any = journey.page
    page.goto(server.url(HOST, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(WARGA)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(HOST, "/"))

    page.goto(server.url(HOST, "/tukang/"))
    expect(page.get_by_test_id("tukang-card")).to_contain_text("Mas Wawan")
    journey.step("direktori tukang")
    page.get_by_test_id("tukang-sandbox-link").click()
    expect(page.get_by_test_id("wa-phone")).to_have_value(PHONE)

    def say(text: str, expected: str) -> None:
        page.get_by_test_id("wa-text").fill(text)
        page.get_by_test_id("wa-send").click()
        expect(page.get_by_test_id("wa-chat")).to_contain_text(expected, timeout=15_000)

    say("halo", "Cari tukang apa?")
    journey.step("bot menyapa")
    say("2", "Mas Wawan")
    say("1", "Ceritakan pekerjaannya")
    say("Stopkontak dapur korslet", "atas nama Joko Santoso")
    journey.step("konfirmasi")
    say("1", "terkirim ke Mas Wawan")
    journey.step("permintaan terkirim", full_page=True)

    page.goto(server.url(HOST, "/tukang/pekerjaan/"))
    expect(page.get_by_test_id("my-requests")).to_contain_text("Listrik")
    journey.step("pesanan saya")
    with tenants.a:
        job = Job.objects.get(requester__username=WARGA)
        assert job.source == Job.Source.WHATSAPP and job.tukang is not None and job.tukang.name == "Mas Wawan"
    connection.set_schema_to_public()
