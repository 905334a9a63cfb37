"""Tenant isolation for every community model, the API and the pages."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from apps.community import services
from apps.community.models import (
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    IuranExemption,
    IuranPayment,
    IuranSchedule,
    Treasurer,
)
from apps.tenancy.models import Tenant
from tests.community.conftest import World, client_as, fund, key, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def written_in_a(tenant_a: Tenant) -> tuple[World, ArisanGroup, CashBookEntry]:
    with tenant_a:
        w = make_world()
        book, t = w.rt1.book, w.rt1.treasurer
        services.set_schedule(book, actor=t, amount=10_000, start_month="2026-01")
        services.add_exemption(book, w.rt1.treasurer, actor=t, from_month="2026-01", reason="bendahara")
        fund(w.joko, 10_000)
        services.pay_iuran_with_wallet(w.joko, "2026-01", client_key=key())
        line = services.record_income(book, actor=t, amount=5_000, category="donasi", description="isolasi")
        group = services.create_group(
            organiser=w.sri,
            name="Arisan Isolasi",
            contribution=1_000,
            period="weekly",
            draw_method="agreed",
            start_date="2026-01-01",
        )
        services.add_member(group, w.joko, actor=w.sri)
        services.set_agreed_order(group, list(group.members.values_list("pk", flat=True)), actor=w.sri)
        fund(w.sri, 1_000)
        services.contribute_with_wallet(group.rounds.get(number=1), group.members.get(user=w.sri), payer=w.sri)
    return w, group, line


def test_every_community_model_written_in_a_is_invisible_in_b(
    written_in_a: tuple[World, ArisanGroup, CashBookEntry], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    _w, group, line = written_in_a
    models = [
        Treasurer,
        CashBook,
        CashBookEntry,
        IuranSchedule,
        IuranExemption,
        IuranPayment,
        ArisanGroup,
        ArisanMember,
        ArisanRound,
        ArisanContribution,
    ]
    with tenant_a:
        assert all(model.objects.exists() for model in models)
    with tenant_b:
        for model in models:
            assert not model.objects.exists(), model
        assert not CashBookEntry.objects.filter(public_id=line.public_id).exists()
        assert not ArisanGroup.objects.filter(name=group.name).exists()


def test_community_tables_exist_only_in_tenant_schemas(tenant_a: Tenant) -> None:
    tables = {m._meta.db_table for m in apps.get_app_config("community").get_models()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        public = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [tenant_a.schema_name]
        )
        tenant = {row[0] for row in cursor.fetchall()}
    assert tables <= tenant and not tables & public


def test_pages_and_api_of_b_cannot_reach_a(
    written_in_a: tuple[World, ArisanGroup, CashBookEntry], tenant_b: Tenant
) -> None:
    w, group, line = written_in_a
    with tenant_b:
        thief = make_world(prefix="b-")
        client = client_as(thief.rt1.treasurer, host="pandean.localhost")
        staff = client_as(thief.staff, host="pandean.localhost")
    assert client.get(f"/kas/bukti/{line.public_id}/").status_code == 404
    assert client.get(f"/kas/arisan/{group.pk}/").status_code in (404,)
    assert client.get(f"/api/v1/community/arisan/{group.pk}/").status_code == 404
    assert staff.get(f"/api/v1/community/cash-books/{w.rt1.book.pk}/report/").status_code in (200, 404)
    # whatever B's staff reads under that id is B's own book, never A's data
    body = staff.get(f"/api/v1/community/cash-books/{w.rt1.book.pk}/entries/").content.decode()
    assert "isolasi" not in body
    fresh = Client(HTTP_HOST="pandean.localhost")
    assert fresh.get(f"/kas/bukti/{line.public_id}/").status_code == 302  # login first, then 404
