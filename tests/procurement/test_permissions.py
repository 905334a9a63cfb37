"""Role × step matrix over the API and the pages: the wrong role gets 403 with a clear message
and nothing changes; the right role succeeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.roles import Role
from apps.core.errors import Forbidden
from apps.notifications.models import Message
from apps.procurement import services
from apps.procurement.models import PurchaseRequest
from apps.tenancy.models import Tenant
from tests.conftest import client_for

from .conftest import (
    RATIONALE,
    People,
    advance,
    closed_request,
    evaluated,
    issue_permit,
    logged_in,
    new_request,
    quote,
)

pytestmark = pytest.mark.django_db

STAFF = {"admin_kelurahan", "staf_opd", "lurah"}
ROLES = ["admin_kelurahan", "staf_opd", "lurah", "pemilik_umkm", "warga", "ketua_rt", "kurir"]


def snapshot() -> tuple[Any, ...]:
    counts = tuple(m.objects.count() for m in apps.get_app_config("procurement").get_models())
    statuses = tuple(PurchaseRequest.objects.order_by("pk").values_list("pk", "status"))
    return counts, statuses, Message.objects.count()


def _request_body() -> dict[str, Any]:
    deadline = timezone.now() + timedelta(days=2)
    return {
        "title": "Konsumsi rapat",
        "items": [{"description": "Nasi kotak", "quantity": "50", "unit": "kotak", "kbli_code": "56"}],
        "budget_ceiling": 1_500_000,
        "quote_deadline": deadline.isoformat(),
        "delivery_address": "Balai RW 01",
        "delivery_date": (deadline + timedelta(days=1)).date().isoformat(),
    }


def _setup(step: str, people: People) -> tuple[PurchaseRequest | None, dict[str, Any]]:
    """A request in the state the step needs, and the step's body."""
    if step == "create":
        return None, _request_body()
    if step == "publish":
        return new_request(people, publish=False), {}
    if step == "quote":
        purchase = new_request(people)
        lines = [{"item": i.pk, "unit_price": 10_000} for i in purchase.items.all()]
        return purchase, {"lines": lines, "delivery_date": str(purchase.delivery_date)}
    if step == "cancel":
        return new_request(people), {"reason": "Rapat ditunda"}
    if step == "evaluate":
        purchase = closed_request(people)
        scores = [{"quote": q.pk, "price": 90, "delivery": 90, "quality": 90} for q in purchase.quotes.all()]
        return purchase, {"scores": scores, "rationale": RATIONALE}
    if step == "award":
        purchase = evaluated(people)
        best = purchase.quotes.get(supplier=people.umkm_b)
        return purchase, {"quote": best.pk, "summary": "Termurah dan mutu baik."}
    before = {"order": "awarded", "deliver": "ordered", "accept": "delivered", "pay": "accepted"}[step]
    body = {"pay": {"reference": "SP2D-77"}}.get(step, {})
    return advance(people, before), body


def _allowed(step: str, role: str) -> bool:
    if step == "quote":
        return role == "pemilik_umkm"
    return role in STAFF


STEPS = ["create", "publish", "quote", "cancel", "evaluate", "award", "order", "deliver", "accept", "pay"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", STEPS)
def test_api_role_step_matrix(tenant_a: Tenant, people: People, step: str, role: str) -> None:
    with tenant_a:
        purchase, body = _setup(step, people)
        user = people.roles()[role]
        before = snapshot()
    client = logged_in(tenant_a, user)
    url = "/api/v1/procurement/requests/" + ("" if purchase is None else f"{purchase.pk}/{step}/")
    response = client.post(url, body, content_type="application/json")
    with tenant_a:
        if _allowed(step, role):
            assert response.status_code in (200, 201), (step, role, response.content)
            assert snapshot() != before
        elif step == "publish":
            # Drafts are invisible to everyone but staff: 404, like any id one may not see.
            assert response.status_code == 404, (step, role, response.content)
            assert snapshot() == before, "a refused step changed something"
        else:
            assert response.status_code == 403, (step, role, response.content)
            error = response.json()["error"]
            assert error["code"] == "not_your_step"
            assert error["message"].startswith("Hanya ")  # says who may act
            assert snapshot() == before, "a refused step changed something"


def test_only_the_winner_among_umkm_records_delivery(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "ordered")
        before = snapshot()
    loser = logged_in(tenant_a, people.umkm).post(f"/api/v1/procurement/requests/{purchase.pk}/deliver/")
    assert loser.status_code == 403 and "pemenang" in loser.json()["error"]["message"]
    with tenant_a:
        assert snapshot() == before
    winner = logged_in(tenant_a, people.umkm_b).post(f"/api/v1/procurement/requests/{purchase.pk}/deliver/")
    assert winner.status_code == 200 and winner.json()["status"] == "delivered"


def test_staff_who_quoted_may_not_judge(tenant_a: Tenant, people: People) -> None:
    """A staff member who also owns a UMKM and quoted cannot evaluate, award or cancel that request."""
    with tenant_a:
        start = timezone.now() - timedelta(days=1)
        purchase = new_request(people, now=start, deadline=timezone.now() - timedelta(minutes=1), actor=people.lurah)
        people.staf.groups.add(Group.objects.get(name=Role.PEMILIK_UMKM.value))
        issue_permit(people.staf, kbli="56101", business_name="Warung Bu Rina")
        quote(purchase, people.staf, now=start + timedelta(hours=1))
        q = purchase.quotes.get()
        before = snapshot()
        body = {"scores": [{"quote": q.pk, "price": 100, "delivery": 100, "quality": 100}], "rationale": RATIONALE}
    client = logged_in(tenant_a, people.staf)
    for step, data in (("evaluate", body), ("cancel", {"reason": "ditunda"})):
        response = client.post(
            f"/api/v1/procurement/requests/{purchase.pk}/{step}/", data, content_type="application/json"
        )
        assert response.status_code == 403 and response.json()["error"]["code"] == "conflict_of_interest"
    with tenant_a:
        assert snapshot() == before
        services.evaluate(purchase, people.petugas, scores={q.pk: body["scores"][0]}, rationale=RATIONALE)


def test_the_requester_cannot_quote_on_own_request(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        people.staf.groups.add(Group.objects.get(name=Role.PEMILIK_UMKM.value))
        issue_permit(people.staf, kbli="56101")
        purchase = new_request(people)  # made by people.staf
        with pytest.raises(Forbidden) as caught:
            quote(purchase, people.staf)
        assert caught.value.code == "own_request"


PAGE_STEPS: dict[str, Callable[[People], PurchaseRequest]] = {
    "cancel": lambda p: new_request(p),
    "order": lambda p: advance(p, "awarded"),
    "accept": lambda p: advance(p, "delivered"),
    "pay": lambda p: advance(p, "accepted"),
}


@pytest.mark.parametrize("role", ["pemilik_umkm", "warga", "kurir"])
@pytest.mark.parametrize("step", list(PAGE_STEPS))
def test_page_steps_refuse_non_staff(tenant_a: Tenant, people: People, step: str, role: str) -> None:
    with tenant_a:
        purchase = PAGE_STEPS[step](people)
        before = snapshot()
    client = logged_in(tenant_a, people.roles()[role])
    response = client.post(
        f"/pengadaan/{purchase.pk}/langkah/{step}/", {"reason": "x", "reference": "SP2D-1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert "Hanya petugas" in response.content.decode()
    with tenant_a:
        assert snapshot() == before


def test_page_deliver_refuses_a_losing_umkm(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "ordered")
        before = snapshot()
    response = logged_in(tenant_a, people.umkm).post(f"/pengadaan/{purchase.pk}/langkah/deliver/")
    assert response.status_code == 403 and "UMKM pemenang" in response.content.decode()
    with tenant_a:
        assert snapshot() == before


def test_staff_pages_refuse_others_and_anonymous_is_sent_to_login(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
    umkm = logged_in(tenant_a, people.umkm)
    for url in ("/pengadaan/baru/", f"/pengadaan/{purchase.pk}/perbandingan/", "/pengadaan/baru/baris/"):
        response = umkm.get(url)
        assert response.status_code == 403 and "Hanya petugas" in response.content.decode(), url
    warga = logged_in(tenant_a, people.warga)
    assert warga.get(f"/pengadaan/{purchase.pk}/penawaran/").status_code == 403
    assert warga.get("/pengadaan/penawaran-saya/").status_code == 403
    anonymous = client_for(tenant_a)
    for url in ("/pengadaan/", "/pengadaan/baru/", f"/pengadaan/{purchase.pk}/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"], url
    assert anonymous.post(
        "/api/v1/procurement/requests/", _request_body(), content_type="application/json"
    ).status_code in (
        401,
        403,
    )


def test_drafts_are_invisible_to_non_staff(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        draft = new_request(people, publish=False)
    for user in (people.umkm, people.warga):
        client = logged_in(tenant_a, user)
        assert client.get(f"/api/v1/procurement/requests/{draft.pk}/").status_code == 404
        assert client.get(f"/pengadaan/{draft.pk}/").status_code == 404
        assert client.post(f"/api/v1/procurement/requests/{draft.pk}/publish/").status_code == 404
    assert logged_in(tenant_a, people.staf).get(f"/api/v1/procurement/requests/{draft.pk}/").status_code == 200
