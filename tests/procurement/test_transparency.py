"""The public transparency page and API: awards only, without login, without personal data."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.procurement import services
from apps.procurement.models import Award
from apps.tenancy.models import Tenant

from .conftest import People, advance, closed_request, new_request

pytestmark = pytest.mark.django_db


def _personal(people: People) -> list[str]:
    """What must never appear publicly: names, usernames, e-mails, phones of the people involved."""
    out = []
    for user in (people.umkm, people.umkm_b, people.petugas, people.staf, people.lurah):
        out += [user.full_name, user.username, user.email]
        if user.phone:
            out.append(user.phone)
    return out


def test_public_page_lists_awards_without_personal_data(tenant_a: Tenant, people: People, client_a: Client) -> None:
    with tenant_a:
        purchase = advance(people, "paid")
        cancelled = closed_request(people)
        services.cancel(cancelled, people.staf, reason="Ditunda")
        running = new_request(people, title="Permintaan berjalan")
        award = Award.objects.get(request=purchase)
    response = client_a.get("/pengadaan/transparansi/")  # no login
    assert response.status_code == 200
    page = response.content.decode()
    assert purchase.title in page and "Katering Pak Budi" in page
    assert "Rp1.325.000" in page and award.summary in page
    assert 'data-testid="quote-count">2<' in page
    assert award.awarded_at.strftime("%Y") in page
    assert running.title not in page and page.count('data-testid="award-row"') == 1
    for secret in _personal(people):
        assert secret not in page, secret
    assert "Warung Nasi Bu Sri" not in page  # the losing bidder is not named either


def test_public_awards_api_without_login(tenant_a: Tenant, people: People, client_a: Client) -> None:
    with tenant_a:
        advance(people, "awarded")
    response = client_a.get("/api/v1/procurement/awards/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert set(row) == {
        "id",
        "request_title",
        "unit_name",
        "business_name",
        "amount",
        "awarded_at",
        "quote_count",
        "summary",
        "status",
    }
    assert row["business_name"] == "Katering Pak Budi" and row["amount"] == 1_325_000 and row["quote_count"] == 2
    body = response.content.decode()
    for secret in _personal(people):
        assert secret not in body, secret
    assert client_a.get(f"/api/v1/procurement/awards/{row['id']}/").status_code == 200


def test_requests_api_and_pages_need_a_login(tenant_a: Tenant, people: People, client_a: Client) -> None:
    with tenant_a:
        purchase = new_request(people)
    assert client_a.get("/api/v1/procurement/requests/").status_code in (401, 403)
    assert client_a.get(f"/api/v1/procurement/requests/{purchase.pk}/").status_code in (401, 403)
    assert client_a.get("/api/v1/procurement/quotes/").status_code in (401, 403)
