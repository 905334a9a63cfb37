"""Django admin for kelurahan staff: categories, OPDs, API keys, reports (actions via services)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.reports import services
from apps.reports.models import ApiKey, Report
from tests.conftest import PASSWORD
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_a: Client, world: World) -> Client:
    assert client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD}).status_code == 302
    return client_a


def test_admin_pages_render(admin_client: Client, world: World) -> None:
    report = world.file()
    for url in (
        "/admin/reports/report/",
        f"/admin/reports/report/{report.pk}/change/",
        "/admin/reports/category/",
        f"/admin/reports/category/{world.jalan.pk}/change/",
        "/admin/reports/category/add/",
        "/admin/reports/opd/",
        "/admin/reports/apikey/add/",
        "/admin/reports/reportsettings/add/",
        "/admin/reports/slareminder/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_api_key_is_shown_once_and_stored_as_a_digest(admin_client: Client, world: World) -> None:
    response = admin_client.post(
        "/admin/reports/apikey/add/", {"name": "Aplikasi Warga", "contact_email": "", "active": "on"}, follow=True
    )
    assert response.status_code == 200
    found = re.search(r"kk311_[\w-]{20,}", response.content.decode())
    assert found is not None
    key = ApiKey.objects.get(name="Aplikasi Warga")
    assert key.key_hash != found.group(0) and len(key.key_hash) == 64
    assert services.authenticate_api_key(found.group(0)) == key


def test_api_keys_are_listed_with_prefix_and_status_and_revoked_by_the_action(
    admin_client: Client, world: World
) -> None:
    key, raw = services.create_api_key(name="Aplikasi Warga")
    assert services.authenticate_api_key(raw) == key
    listing = admin_client.get("/admin/reports/apikey/").content.decode()
    assert key.prefix in listing and "aktif" in listing
    response = admin_client.post(
        "/admin/reports/apikey/", {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )
    assert response.status_code == 200 and "1 kunci dicabut" in response.content.decode()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert services.authenticate_api_key(raw) is None
    assert "dicabut" in admin_client.get("/admin/reports/apikey/").content.decode()


def test_category_admin_refuses_a_unit_without_its_rt(admin_client: Client, world: World) -> None:
    response = admin_client.post(
        "/admin/reports/category/add/",
        {
            "code": "banjir",
            "name": "Banjir",
            "unit": "rt",
            "sla_hours": 24,
            "escalation_hours": 72,
            "order": 0,
            "active": "on",
            "attributes-TOTAL_FORMS": "0",
            "attributes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and "Pilih unit penanggung jawab" in response.content.decode()


def test_admin_action_goes_through_the_service(admin_client: Client, world: World) -> None:
    report = world.file()
    done = world.file(north=10)
    services.resolve(done, world.admin, "Beres")
    response = admin_client.post(
        "/admin/reports/report/",
        {"action": "bulk_verify", "_selected_action": [report.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Report.objects.get(pk=report.pk).status == "verified"
    assert Report.objects.get(pk=done.pk).status == "resolved"  # refused by the service, reported as an error
    assert done.code in response.content.decode()


def test_opd_staff_are_edited_in_the_admin_through_their_pair_keyed_table(admin_client: Client, world: World) -> None:
    """Opd.staff's through model is keyed by (opd, user) (apps.core.admin.PairThroughAdmin):
    the admin still shows the field and saves it with .set()."""
    opd = world.opd
    url = f"/admin/reports/opd/{opd.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="staff"' in page
    data = {"code": opd.code, "name": opd.name, "contact": "", "email": "", "active": "on"}
    response = admin_client.post(url, {**data, "staff": [world.outsider_staff.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(opd.staff.all()) == [world.outsider_staff]
    assert admin_client.post(url, data).status_code == 302
    assert not opd.staff.exists()
