"""A guest on a phone opens the kelurahan's site and the sign-in page (journey smoke: the
screenshot + axe-core fixture of tests/browser/journeys.py on the pages every journey starts at)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]


def test_guest(tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    page: Any = journey.page
    page.goto(server.url(TenantSet.host(tenants.a), "/"))
    journey.step("beranda kelurahan")
    page.goto(server.url(TenantSet.host(tenants.a), "/akun/masuk/"))
    journey.step("halaman masuk")
    page.fill("input[name=username]", "tidak-ada")
    page.fill("input[name=password]", "salah-sandi")
    page.get_by_role("button", name="Masuk").click()
    journey.step("sandi salah")
