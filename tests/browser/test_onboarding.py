"""Onboarding end to end: operator activates a kelurahan, its admin sets a password and signs in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.db import connection, transaction

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import ApiToken, User
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant, TenantArchive
from apps.tenancy.services import remove_tenant
from apps.websessions.models import WebSession
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    # The live server runs without collectstatic (StaticFilesHandler serves /static/).
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

BANJAREJO = "35.77.03.1003"
OPERATOR = "browser-operator"
ADMIN_EMAIL = "admin@banjarejo.id"
ADMIN_PASSWORD = "Banjarejo-Sandi-2026!"


def _remove_banjarejo() -> None:
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(region_id=BANJAREJO).first()
    if tenant is not None:
        archive = remove_tenant(tenant, reason="browser test cleanup")
        TenantArchive.objects.filter(pk=archive.pk).delete()
        Path(archive.path).unlink(missing_ok=True)


def _remove_operator(session_keys: list[str]) -> None:
    connection.set_schema_to_public()
    WebSession.objects.filter(session_key__in=session_keys).delete()
    forget_login_records([OPERATOR])
    user = User.objects.filter(username=OPERATOR).first()
    if user is None:
        return
    # Not `user.delete()`: Django's collector also visits the tenant-only rtrw tables (which
    # reference users) and fails in the public schema ("relation rtrw_residency does not
    # exist"). Delete the public rows that can point at the operator, then the user itself;
    # the deferred foreign keys make the commit fail loudly if anything else still does.
    with transaction.atomic():
        user.groups.clear()
        ApiToken.objects.filter(user=user).delete()
        LogEntry.objects.filter(user=user).delete()
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{User._meta.db_table}" WHERE id = %s', [user.pk])


@pytest.fixture
def onboarding(tenants: TenantSet, server: LiveServer, settings: Any, tmp_path: Path) -> Iterator[list[str]]:
    """Committed operator account; afterwards Banjarejo (archived to tmp_path) and the operator go.

    Yields a list the test fills with the operator's platform session keys to delete.
    """
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    _remove_banjarejo()  # left over by an interrupted run on a reused test database
    _remove_operator([])
    create_user(username=OPERATOR, email="operator@kotakita.id", password=PASSWORD, superuser=True)
    session_keys: list[str] = []
    try:
        yield session_keys
    finally:
        _remove_banjarejo()
        _remove_operator(session_keys)


def test_operator_activates_kelurahan_and_its_admin_signs_in(
    onboarding: list[str], server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    # `onboarding` comes before `page` so its DB set-up and clean-up run outside Playwright.
    from playwright.sync_api import expect

    mail.outbox = []

    # The franchise operator signs in on the platform site's admin.
    page.goto(server.url("localhost", "/admin/"))
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", OPERATOR)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(server.url("localhost", "/admin/"))
    onboarding.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    # ... and activates Kelurahan Banjarejo with an admin e-mail.
    page.goto(server.url("localhost", "/admin/tenancy/tenant/activate/"))
    page.fill("#id_code", BANJAREJO)
    page.fill("#id_admin_email", ADMIN_EMAIL)
    page.click("#activate-form input[type=submit]")
    expect(page.get_by_test_id("activated")).to_contain_text("Banjarejo")
    link = page.get_by_test_id("set-password-link")
    href = link.get_attribute("href")
    assert href is not None
    assert re.fullmatch(rf"http://banjarejo\.localhost:{server.port}/akun/sandi/[^/]+/[^/]+/", href), href

    # The set-password e-mail went out too, with the same kind of link.
    assert [m.to for m in mail.outbox] == [[ADMIN_EMAIL]]
    assert f"http://banjarejo.localhost:{server.port}/akun/sandi/" in mail.outbox[0].body

    # The operator's browser follows the link to the new tenant and sets the admin's password.
    link.click()
    expect(page).to_have_url(re.compile(rf"^http://banjarejo\.localhost:{server.port}/akun/sandi/"))
    form = page.get_by_test_id("set-password-form")
    form.locator("input[name=new_password1]").fill(ADMIN_PASSWORD)
    form.locator("input[name=new_password2]").fill(ADMIN_PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(server.url("banjarejo.localhost", "/akun/sandi/selesai/"))

    # The admin signs in on the kelurahan's site and lands on its home page.
    page.goto(server.url("banjarejo.localhost", "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill("admin")
    form.locator("input[name=password]").fill(ADMIN_PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(server.url("banjarejo.localhost", "/"))
    expect(page.get_by_test_id("tenant-name")).to_have_text("Kelurahan Banjarejo")
    expect(page.get_by_test_id("nav-profile")).to_be_visible()
    expect(page).to_have_title(re.compile("Kelurahan Banjarejo"))

    # What the admin sees on a phone.
    page.set_viewport_size(PHONE)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing spills sideways
    page.screenshot(path=str(results_dir(request.config) / "onboarding-tenant-home-phone.png"), full_page=True)
