"""The tenant admin as a kelurahan office sees it (config.admin_site): grouped models, technical
records for superusers only and read-only, no deletes of records that matter (deactivate and
cancel through the services instead), the hours editor and the set-up checklist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user, deactivate_user
from apps.core.errors import Conflict, Forbidden
from apps.core.widgets import OpeningHoursField
from apps.fulfillment.models import Delivery
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from config.admin_site import GROUPS, PROTECTED, TECHNICAL, model_key
from config.setup_checklist import build
from tests import factories as f
from tests.conftest import PASSWORD, TenantSet, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(tenant_a: Tenant) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


def _admin_client(tenant: Tenant) -> Client:
    client = client_for(tenant)
    with tenant:  # sessions live in the tenant's schema
        client.force_login(User.objects.get(username="admin"))
    return client


def test_every_registered_model_has_one_place() -> None:
    keys = {model_key(model) for model in admin.site._registry}
    grouped = [key for _name, group in GROUPS for key in group]
    assert len(grouped) == len(set(grouped)), "a model in two groups"
    assert not (set(grouped) & TECHNICAL)
    assert keys - set(grouped) - TECHNICAL == set(), "put the new model in GROUPS or TECHNICAL"
    assert (set(grouped) | TECHNICAL | PROTECTED) <= keys, "a name that is no registered model"


def test_index_groups_models_by_task_and_folds_technical_ones(tenants: TenantSet) -> None:
    response = _admin_client(tenants.a).get("/admin/")
    assert response.status_code == 200
    names = [str(group["name"]) for group in response.context["app_list"]]
    assert names[:6] == [str(name) for name, _keys in GROUPS]
    assert names[-1] == "Data teknis (hanya baca)"
    html = response.content.decode()
    assert '<details class="kk-technical">' in html
    assert html.index("Persiapan kelurahan") < html.index("Warga &amp; RT/RW")


def test_technical_records_are_read_only_for_superusers_and_hidden_from_staff(in_a: Tenant) -> None:
    superuser = User.objects.get(username="admin")
    lurah = f.staff()
    # Permissions come from groups only (no per-user permissions: apps.accounts.backends).
    from django.contrib.auth.models import Group

    viewers = Group.objects.create(name="uji-lihat-pesan")
    viewers.permissions.add(*_all_permissions("notifications", "message"))
    lurah.groups.add(viewers)
    assert lurah.has_perm("notifications.view_message")
    request: Any = type("R", (), {"user": superuser})()
    outbox = admin.site._registry[_model("notifications.message")]
    assert outbox.has_view_permission(request) and not outbox.has_change_permission(request)
    assert not outbox.has_add_permission(request) and not outbox.has_delete_permission(request)
    request.user = lurah
    assert not outbox.has_view_permission(request) and not outbox.has_module_permission(request)


def test_no_delete_of_records_that_matter(in_a: Tenant) -> None:
    request: Any = type("R", (), {"user": User.objects.get(username="admin")})()
    for key in PROTECTED:
        model_admin = admin.site._registry[_model(key)]
        assert not model_admin.has_delete_permission(request), key
        assert "delete_selected" not in model_admin.get_actions(_get(request)), key
    # what is not protected still can be deleted (an RT made by mistake)
    assert admin.site._registry[RukunTetangga].has_delete_permission(request)


def test_delivery_delete_page_is_refused_and_cancel_action_cancels(tenants: TenantSet) -> None:
    with tenants.a:
        f.HubFactory()
        delivery = f.DeliveryFactory()
    client = _admin_client(tenants.a)
    page = client.get(f"/admin/fulfillment/delivery/{delivery.pk}/change/")
    assert page.status_code == 200 and b'class="deletelink"' not in page.content
    assert client.post(f"/admin/fulfillment/delivery/{delivery.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        "/admin/fulfillment/delivery/", {"action": "cancel_selected", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    with tenants.a:
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.CANCELLED
        assert delivery.events.filter(to_status=Delivery.Status.CANCELLED).exists()


def test_users_are_deactivated_not_deleted(tenants: TenantSet) -> None:
    with tenants.a:
        person = create_user(username="staf-nonaktif", roles=[Role.STAF_OPD], password=PASSWORD)
    client = _admin_client(tenants.a)
    assert client.post(f"/admin/accounts/user/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [person.pk]})
    assert response.status_code == 302
    with tenants.a:
        person.refresh_from_db()
        assert not person.is_active and User.objects.filter(pk=person.pk).exists()


def test_deactivate_user_service_rules(in_a: Tenant) -> None:
    admin_user = User.objects.get(username="admin")
    with pytest.raises(Conflict):
        deactivate_user(admin_user, actor=admin_user)
    warga = f.UserFactory()
    with pytest.raises(Forbidden):
        deactivate_user(admin_user, actor=warga)
    assert not deactivate_user(warga, actor=admin_user).is_active
    assert not deactivate_user(warga, actor=admin_user).is_active  # idempotent


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ({0: ("07:00", "20:00", False), 6: ("", "", True)}, {"0": ["07:00", "20:00"]}),
        ({}, {}),  # nothing filled: always open
        ({2: ("08.30", "12.00", False)}, {"2": ["08:30", "12:00"]}),
    ],
)
def test_hours_editor_stores_the_json_format(rows: dict[int, tuple[str, str, bool]], expected: dict[str, Any]) -> None:
    field = OpeningHoursField()
    data = _hours_post("h", rows)
    assert field.clean(field.widget.value_from_datadict(data, {}, "h")) == expected


def test_hours_editor_rejects_closing_before_opening_naming_the_day() -> None:
    field = OpeningHoursField()
    value = field.widget.value_from_datadict(_hours_post("h", {1: ("17:00", "08:00", False)}), {}, "h")
    with pytest.raises(Exception, match="Selasa: jam tutup \\(08:00\\) harus setelah jam buka \\(17:00\\)"):
        field.clean(value)
    every_day_off = _hours_post("h", dict.fromkeys(range(7), ("", "", True)))
    with pytest.raises(Exception, match="Isi jam buka setidaknya satu hari"):
        field.clean(field.widget.value_from_datadict(every_day_off, {}, "h"))


def test_hub_hours_are_saved_through_the_admin_form(tenants: TenantSet) -> None:
    with tenants.a:
        hub = f.HubFactory()
        operators = [str(pk) for pk in hub.operators.values_list("pk", flat=True)]
    client = _admin_client(tenants.a)
    form = client.get(f"/admin/fulfillment/hub/{hub.pk}/change/")
    assert b'type="time"' in form.content and b"kk-map-point" in form.content
    # the one shared point picker (static/js/map-picker.js), not an admin-only copy
    assert b"js/map-picker.js" in form.content and b"data-map-picker-box" in form.content
    assert b"admin-map-point" not in form.content
    post = {
        "name": hub.name,
        "address": hub.address,
        "lat": str(hub.lat),
        "lng": str(hub.lng),
        "is_active": "on",
        "cutoff_times": "09:00, 15:00",
        "service_radius_m": "3000",
        "capacity_volume_l": "2000",
        "capacity_weight_kg": "500",
        "capacity_slots": "100",
        "operators": operators,
        **_hours_post("opening_hours", {0: ("17:00", "08:00", False)}),
    }
    bad = client.post(f"/admin/fulfillment/hub/{hub.pk}/change/", post)
    assert bad.status_code == 200 and "Senin: jam tutup" in bad.content.decode()
    post.update(_hours_post("opening_hours", {0: ("08:00", "17:00", False), 6: ("", "", True)}))
    good = client.post(f"/admin/fulfillment/hub/{hub.pk}/change/", post)
    assert good.status_code == 302, good.content.decode()[:2000]
    with tenants.a:
        hub.refresh_from_db()
        assert hub.opening_hours == {"0": ["08:00", "17:00"]} and hub.cutoff_times == ["09:00", "15:00"]
        assert [str(pk) for pk in hub.operators.values_list("pk", flat=True)] == operators


def test_checklist_follows_the_data(in_a: Tenant) -> None:
    before = {item.key: item.done for item in build(in_a).items}
    assert before["rtrw"] is False and before["hub"] is False
    rw = RukunWarga.objects.create(number=71)
    RukunTetangga.objects.create(rw=rw, number=1)
    f.HubFactory(opening_hours={"0": ["07:00", "20:00"]})
    after = build(in_a)
    assert after.done_count == build_done(before) + 2
    assert "dari 6 selesai" in after.progress_label


def build_done(items: dict[str, bool]) -> int:
    return sum(items.values())


def test_checklist_costs_the_same_queries_with_more_data(tenants: TenantSet) -> None:
    client = _admin_client(tenants.a)
    client.get("/admin/")  # warm-up

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured.captured_queries)

    first = count()
    with tenants.a:
        rw = RukunWarga.objects.create(number=72)
        for number in range(1, 11):
            RukunTetangga.objects.create(rw=rw, number=number)
        for _n in range(3):
            f.HubFactory(opening_hours={"1": ["07:00", "20:00"]})
    assert count() == first <= 20


def _hours_post(name: str, rows: dict[int, tuple[str, str, bool]]) -> dict[str, str]:
    data = {}
    for day in range(7):
        opens, closes, closed = rows.get(day, ("", "", False))
        data[f"{name}_{day}_open"] = opens
        data[f"{name}_{day}_close"] = closes
        if closed:
            data[f"{name}_{day}_closed"] = "on"
    return data


def _model(key: str) -> Any:
    from django.apps import apps

    return apps.get_model(key)


def _all_permissions(app_label: str, model_name: str) -> Any:
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label=app_label, content_type__model=model_name)


def _get(request: Any) -> Any:
    from django.test import RequestFactory

    fake = RequestFactory().get("/admin/")
    fake.user = request.user
    return fake
