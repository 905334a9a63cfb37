"""Django admin for staff: read-only permits with the NIK masked; workflow steps as admin actions."""

from __future__ import annotations

import pytest

from apps.permits.models import Permit, PermitFee, SlaRule
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


def test_sla_rules_and_fees_are_keyed_by_step_and_level_fixed_once_saved(tenant_a: Tenant, people: People) -> None:
    """SlaRule and PermitFee are keyed by their status / risk level (apps.core.column_keys): a
    second rule for a step is refused, and a saved rule's key cannot be changed (saving a
    changed key would insert a second row); its admin history is found under the key."""
    client = logged_in(tenant_a, people.admin)
    assert client.post("/admin/permits/slarule/add/", {"status": "submitted", "days": "2"}).status_code == 302
    again = client.post("/admin/permits/slarule/add/", {"status": "submitted", "days": "4"})
    assert again.status_code == 200 and "Batas waktu layanan dengan Langkah telah ada." in again.content.decode()
    change = client.get("/admin/permits/slarule/submitted/change/")
    assert change.status_code == 200 and 'name="status"' not in change.content.decode()
    assert 'name="days"' in change.content.decode()
    # A key posted anyway is ignored: the same row changes, no second one appears.
    saved = client.post("/admin/permits/slarule/submitted/change/", {"status": "verified", "days": "5"})
    assert saved.status_code == 302
    with tenant_a:
        assert list(SlaRule.objects.values_list("status", "days")) == [("submitted", 5)]
    history = client.get("/admin/permits/slarule/submitted/history/").content.decode()
    assert history.count('<th scope="row">') == 2  # the addition and the change

    assert (
        client.post(
            "/admin/permits/permitfee/add/", {"risk_level": "rendah", "amount": "50000", "perda": "", "is_active": "on"}
        ).status_code
        == 302
    )
    assert 'name="risk_level"' not in client.get("/admin/permits/permitfee/rendah/change/").content.decode()
    client.post(
        "/admin/permits/permitfee/rendah/change/",
        {"risk_level": "tinggi", "amount": "75000", "perda": "", "is_active": "on"},
    )
    with tenant_a:
        assert list(PermitFee.objects.values_list("risk_level", "amount")) == [("rendah", 75000)]
