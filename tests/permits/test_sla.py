"""SLA: due dates per step, overdue at the right moment, the work queue sorted by due date."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from apps.notifications.models import Message
from apps.permits import selectors, services
from apps.permits.models import SlaRule
from apps.tenancy.models import Tenant

from .conftest import People, advance, logged_in, pending_before_issue, submitted_permit

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))  # Monday 09:00 WIB


def test_each_step_gets_its_due_date_and_becomes_overdue_just_after_it(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people, now=T0)
        assert permit.due_at == T0 + timedelta(days=3)  # RT/RW: 3 days by default
        assert not permit.is_overdue(T0 + timedelta(days=3))
        assert permit.is_overdue(T0 + timedelta(days=3, seconds=1))
        later = T0 + timedelta(days=1)
        permit = services.recommend(permit, people.ketua_rt, now=later)
        assert permit.due_at == later + timedelta(days=5)  # staff verification: 5 days
        permit = services.verify(permit, people.staf, now=later)
        assert permit.due_at == later + timedelta(days=3)  # lurah: 3 days
        with pending_before_issue("retribusi"):
            held = services.approve(permit, people.lurah, now=later)
        assert held.status == "approved" and held.due_at == later + timedelta(days=2)  # issuing: 2 days
        permit = services.issue(held, people.admin, now=later)
        assert permit.due_at is None and not permit.is_overdue(later + timedelta(days=365))


def test_sla_days_are_configurable_per_tenant_and_by_setting(tenant_a: Tenant, people: People, settings: Any) -> None:
    with tenant_a:
        settings.PERMITS_SLA_DAYS = {"submitted": 7}
        assert submitted_permit(people, now=T0).due_at == T0 + timedelta(days=7)
        SlaRule.objects.create(status="submitted", days=1)  # the kelurahan's own rule wins
        assert submitted_permit(people, now=T0).due_at == T0 + timedelta(days=1)
        assert services.sla_days("recommended") == 5 and services.sla_days("issued") is None


def test_work_queue_is_per_role_sorted_by_due_date_with_overdue_flagged(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        old = submitted_permit(people, now=T0, business_name="Warung Lama")
        new = submitted_permit(people, now=T0 + timedelta(days=2), business_name="Warung Baru")
        waiting_staff = advance(submitted_permit(people, now=T0, business_name="Tunggu Staf"), people, "recommended")
        now = T0 + timedelta(days=3, hours=1)  # "Warung Lama" is 1 hour past its 3 days
        rt_queue = selectors.work_queue(people.ketua_rt, now=now)
        assert [(i.permit.business_name, i.overdue) for i in rt_queue] == [
            ("Warung Lama", True),
            ("Warung Baru", False),
        ]
        assert [i.permit.pk for i in selectors.work_queue(people.ketua_rw, now=now)] == [old.pk, new.pk]
        assert selectors.work_queue(people.other_rt, now=now) == []  # not their RT
        staff_queue = selectors.work_queue(people.staf, now=now)
        assert [i.permit.pk for i in staff_queue] == [waiting_staff.pk]
        everything = selectors.work_queue(people.staf, now=now, everything=True)
        assert [(i.permit.pk, i.mine) for i in everything] == [
            (old.pk, False),
            (new.pk, False),
            (waiting_staff.pk, True),
        ]
        assert selectors.work_queue(people.lurah, now=now) == []
        assert selectors.work_queue(people.owner, now=now, everything=True) == []


def test_queue_page_shows_overdue_in_red_first(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        submitted_permit(people, now=T0 + timedelta(days=2), business_name="Warung Baru")
        submitted_permit(people, now=T0, business_name="Warung Lama")
    client = logged_in(tenant_a, people.ketua_rt)
    with mock.patch("django.utils.timezone.now", return_value=T0 + timedelta(days=3, hours=1)):
        page = client.get("/izin/antrian/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Warung Lama") < html.index("Warung Baru")
    first = html[html.index('data-testid="queue-item"') : html.index("Warung Lama")]
    assert 'class="overdue"' in first and "Terlambat" in html
    assert "1 lewat batas waktu" in html
    assert logged_in(tenant_a, people.warga).get("/izin/antrian/").status_code == 403
    api = client.get("/api/v1/permits/queue/").json()
    assert [item["permit"]["business_name"] for item in api] == ["Warung Lama", "Warung Baru"]


def test_overdue_reminders_go_to_who_must_act_once_a_day(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people, now=T0)
        assert services.remind_overdue(now=T0 + timedelta(days=1)) == 0
        late = T0 + timedelta(days=4)
        assert services.remind_overdue(now=late) == 1
        assert services.remind_overdue(now=late + timedelta(hours=2)) == 1  # same day: stored once
        reminders = Message.objects.filter(event="permits.overdue", channel="in_app")
        assert {m.recipient for m in reminders} == {people.ketua_rt, people.ketua_rw}
        assert all(m.url == f"/izin/{permit.pk}/" for m in reminders)
        services.remind_overdue(now=late + timedelta(days=1))
        assert Message.objects.filter(event="permits.overdue", channel="in_app").count() == 4
