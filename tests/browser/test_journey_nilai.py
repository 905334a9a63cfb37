"""Journey "nilai" (issue 21) on a phone (390×844): a warga whose laporan was resolved signs
in, finds the satisfaction card on the kelurahan's home page, answers the CSAT question (4 of 5,
with a comment), is taken to the quarter's NPS question, answers it and is thanked; the card is
gone afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.feedback import services
from apps.feedback.models import Kind, Prompt
from apps.notifications.models import Message
from apps.tenancy.models import Tenant
from apps.websessions.models import WebSession
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

USERNAME = "warga-nilai-hp"


def _clean(tenant: Tenant) -> None:
    with tenant:
        user = User.objects.filter(username=USERNAME).first()
        if user is not None:
            Message.objects.filter(recipient=user).delete()
            Prompt.objects.filter(user=user).delete()
            user.delete()
        forget_login_records([USERNAME])
        WebSession.objects.filter(schema_name=tenant.schema_name).delete()


@pytest.fixture
def asked(tenants: TenantSet, server: LiveServer) -> Iterator[Tenant]:
    """Committed in Mojorejo: a warga who was asked about a resolved laporan."""
    tenant = tenants.a
    _clean(tenant)
    with tenant:
        user = create_user(username=USERNAME, full_name="Bu Tini", roles=[Role.WARGA], password=PASSWORD)
        services.do_ask(user, "report", "browser-1", "/laporan/")
    try:
        yield tenant
    finally:
        _clean(tenant)


def test_nilai(asked: Tenant, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    page: Any = journey.page
    host = TenantSet.host(asked)
    page.goto(server.url(host, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(USERNAME)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(server.url(host, "/"))
    card = page.get_by_test_id("feedback-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Beri nilai layanan Laporan warga")
    journey.step("kartu pertanyaan di beranda")

    card.get_by_test_id("feedback-prompt").first.click()
    expect(page.get_by_role("heading", name="Seberapa puas Anda dengan layanan Laporan warga?")).to_be_visible()
    page.get_by_label("4", exact=True).check()
    page.fill("#feedback-comment", "Lampu sudah menyala lagi, terima kasih")
    journey.step("menjawab nilai kepuasan", full_page=True)
    page.get_by_test_id("feedback-submit").click()

    expect(page.get_by_test_id("feedback-thanks")).to_be_visible()
    expect(page.get_by_role("heading", name="Seberapa mungkin Anda merekomendasikan")).to_be_visible()
    journey.step("pertanyaan rekomendasi", full_page=True)
    page.get_by_label("9", exact=True).check()
    page.get_by_test_id("feedback-submit").click()
    expect(page.get_by_test_id("feedback-thanks")).to_contain_text("membantu kelurahan")
    journey.step("terima kasih")

    with asked:
        answers = dict(Prompt.objects.filter(user__username=USERNAME).values_list("kind", "score"))
        assert answers == {Kind.REPORT: 4, Kind.NPS: 9}
    page.goto(server.url(host, "/"))
    expect(page.get_by_test_id("tenant-name")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("feedback-card")).to_have_count(0)
