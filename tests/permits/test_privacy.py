"""The NIK never appears unmasked: not in pages, API answers, admin, notifications, events or logs."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from apps.notifications.models import Message
from apps.permits import services
from apps.permits.models import NIK_KEY, Permit, PermitEvent
from apps.tenancy.models import Tenant

from .conftest import NIK, NIK_MASKED, People, advance, application, logged_in, submitted_permit

pytestmark = pytest.mark.django_db

NIK_SPACED = "3577 0352 0885 0001"


def test_nik_is_stored_encrypted_and_hashed_only(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        row = Permit.objects.filter(pk=permit.pk).values().get()
        assert NIK not in str(row)
        assert row["nik_masked"] == NIK_MASKED
        assert row["nik_digest"] == NIK_KEY.digest(NIK) != NIK_KEY.digest("3577035208850002")
        assert NIK_KEY.decrypt(row["nik_ciphertext"]) == NIK
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM permits_permit")
            assert NIK not in str(cursor.fetchall())
        assert [p.pk for p in services.find_by_nik(NIK_SPACED)] == [permit.pk]


def test_nik_never_appears_in_any_answer_or_log(
    tenant_a: Tenant, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = logged_in(tenant_a, people.owner)
    bodies: list[str] = []

    def seen(response: object) -> None:
        bodies.append(response.content.decode("utf-8", "replace"))  # type: ignore[attr-defined]

    # apply through the page (once with an error, which re-shows the form) and through the API
    bad = owner.post("/izin/ajukan/", {**application(nik=NIK_SPACED, kbli_code="00000"), "submit_now": "1"})
    assert bad.status_code == 422
    seen(bad)
    created = owner.post("/izin/ajukan/", {**application(nik=NIK_SPACED), "submit_now": "1"})
    assert created.status_code == 302
    api = owner.post("/api/v1/permits/", {**application(business_name="Keripik Tempe"), "submit": "true"})
    assert api.status_code == 201 and api.json()["nik_masked"] == NIK_MASKED and "nik" not in api.json()
    seen(api)
    bad_api = owner.post("/api/v1/permits/", {**application(nik="3577035208850000"), "submit": "true"})
    assert bad_api.status_code == 422
    seen(bad_api)
    with tenant_a:
        permit = Permit.objects.get(business_name="Pecel Madiun Bu Sri")
        advance(permit, people, "issued")
        services.register_nib(permit, people.owner)  # sends the NIK to (sandbox) OSS
    for client in (owner, logged_in(tenant_a, people.ketua_rt), logged_in(tenant_a, people.admin)):
        for path in (
            "/izin/",
            f"/izin/{permit.pk}/",
            "/izin/antrian/?semua=1",
            "/api/v1/permits/",
            f"/api/v1/permits/{permit.pk}/",
            f"/api/v1/permits/{permit.pk}/events/",
            "/api/v1/permits/events/",
            "/api/v1/permits/queue/?all=1",
            "/notifikasi/",
            "/api/v1/notifications/",
        ):
            response = client.get(path)
            assert response.status_code in (200, 403), path
            seen(response)
    staff = logged_in(tenant_a, people.admin)
    with tenant_a:
        admin_user = people.admin
        admin_user.is_superuser = True  # the tenant's own admin account is a superuser
        admin_user.save()
    for path in ("/admin/permits/permit/", f"/admin/permits/permit/{permit.pk}/change/", "/admin/permits/permitevent/"):
        response = staff.get(path)
        assert response.status_code == 200, path
        seen(response)
    # staff find permits by the full NIK with a POST (never in a URL), still without seeing it
    search = staff.post("/api/v1/permits/find-by-nik/", {"nik": NIK_SPACED}, content_type="application/json")
    assert search.status_code == 200
    assert sorted(p["business_name"] for p in search.json()) == ["Keripik Tempe", "Pecel Madiun Bu Sri"]
    seen(search)
    denied = owner.post("/api/v1/permits/find-by-nik/", {"nik": NIK}, content_type="application/json")
    assert denied.status_code == 403
    seen(denied)
    pdf = owner.get(f"/izin/{permit.pk}/sertifikat.pdf").content.decode("latin-1")
    bodies.append(pdf)

    for body in bodies:
        assert NIK not in body and NIK_SPACED not in body
    assert any(NIK_MASKED in body for body in bodies)
    with tenant_a:
        for message in Message.objects.all():
            assert NIK not in f"{message.title} {message.body} {message.url}"
        for event in PermitEvent.objects.all():
            assert NIK not in event.reason
    for record in caplog.records:
        assert NIK not in record.getMessage() and NIK not in str(record.args)
    assert "permit" in caplog.text  # the services did log, just never the NIK


def test_the_form_never_echoes_the_nik(tenant_a: Tenant, people: People) -> None:
    owner = logged_in(tenant_a, people.owner)
    page = owner.post("/izin/ajukan/", {**application(business_name="x"), "submit_now": "1"})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'name="nik"' in html and NIK not in html
    assert 'name="business_name"' in html and 'value="x"' in html  # other fields are kept
