"""The Content-Security-Policy breaks nothing: pages with maps, the language switch (formerly an
inline handler), the admin, Swagger UI and Redoc run with no violation (the `page` fixture fails
on any "Refused to ..." console error), and an injected inline script is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, watch_csp
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

HOST = "mojorejo.localhost"


def test_pages_work_under_the_policy(tenants: TenantSet, server: LiveServer, page: Any) -> None:
    page.goto(server.url(HOST, "/"))
    expect(page.locator("#map.leaflet-container")).to_be_visible()  # Leaflet ran: our script, our styles
    # the language switch submits on change through static/js/kotakita.js
    page.locator("select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state("load")  # the handler is attached by a script at the end of <body>
    page.locator("select[name=language]").select_option("id")
    expect(page.locator("html")).to_have_attribute("lang", "id")

    page.goto(server.url(HOST, "/admin/login/"))
    expect(page.locator("#login-form")).to_be_visible()
    page.goto(server.url(HOST, "/api/v1/docs/"))
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.goto(server.url(HOST, "/api/v1/redoc/"))
    # Redoc renders the whole document client-side: on a loaded CI machine that can take a while.
    expect(page.get_by_role("heading", name="KotaKita API", level=1)).to_be_visible(timeout=60_000)


def test_an_injected_inline_script_is_refused(tenants: TenantSet, server: LiveServer, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    violations = watch_csp(page)
    try:
        page.goto(server.url(HOST, "/akun/masuk/"))
        # what an HTML injection would do: add an inline script and an inline handler
        page.evaluate(
            """() => {
                const s = document.createElement("script");
                s.textContent = "document.body.dataset.pwned = '1'";
                document.body.appendChild(s);
                const img = document.createElement("img");
                img.setAttribute("onerror", "document.body.dataset.pwned = '2'");
                img.src = "data:,";
                document.body.appendChild(img);
            }"""
        )
        page.wait_for_timeout(300)
        assert page.evaluate("document.body.dataset.pwned") is None
        assert violations and all(re.search(r"Refused to|Content Security Policy", v) for v in violations)
    finally:
        context.close()
