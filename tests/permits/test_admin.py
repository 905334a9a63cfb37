"""Django admin for staff: read-only permits with the NIK masked; workflow steps as admin actions."""

from __future__ import annotations

import pytest

from apps.permits.models import Permit
from apps.tenancy.models import Tenant

from .conftest import NIK, NIK_MASKED, People, advance, logged_in, submitted_permit

pytestmark = pytest.mark.django_db


def test_staff_roles_use_the_admin_others_do_not(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = advance(submitted_permit(people), people, "recommended")
    for user in (people.staf, people.admin, people.lurah):
        client = logged_in(tenant_a, user)
        listing = client.get("/admin/permits/permit/")
        assert listing.status_code == 200, user
        assert "Pecel Madiun Bu Sri" in listing.content.decode() and NIK_MASKED in listing.content.decode()
        change = client.get(f"/admin/permits/permit/{permit.pk}/change/")
        html = change.content.decode()
        assert change.status_code == 200 and NIK not in html and 'name="_save"' not in html  # read-only
        assert client.get("/admin/permits/permit/add/").status_code == 403
    for user in (people.owner, people.ketua_rt, people.warga):
        assert logged_in(tenant_a, user).get("/admin/permits/permit/").status_code == 302  # not staff


def test_admin_actions_go_through_the_services(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        ready = advance(submitted_permit(people), people, "recommended")
        too_early = submitted_permit(people, business_name="Keripik Tempe")
    staff = logged_in(tenant_a, people.staf)
    response = staff.post(
        "/admin/permits/permit/",
        {"action": "action_verify", "_selected_action": [ready.pk, too_early.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 permohonan: Verifikasi." in html
    assert "Keripik Tempe: Langkah ini tidak dapat dilakukan" in html
    with tenant_a:
        assert Permit.objects.get(pk=ready.pk).status == "verified"
        assert Permit.objects.get(pk=too_early.pk).status == "submitted"
        assert Permit.objects.get(pk=ready.pk).events.latest("id").actor == people.staf
    lurah = logged_in(tenant_a, people.lurah)
    lurah.post("/admin/permits/permit/", {"action": "action_verify", "_selected_action": [too_early.pk]})
    with tenant_a:
        assert Permit.objects.get(pk=too_early.pk).status == "submitted"  # the lurah is not staff here
