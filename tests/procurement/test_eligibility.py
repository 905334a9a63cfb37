"""Who may quote: pemilik_umkm with an issued, unrevoked izin usaha mikro of a matching KBLI division."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Forbidden
from apps.notifications.models import Message
from apps.procurement import selectors
from apps.procurement.models import Quote
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

from .conftest import People, issue_permit, items, new_request, quote

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["umkm_lain", "umkm_dicabut", "umkm_tanpa_izin", "warga", "staf"])
def test_ineligible_people_are_refused_and_nothing_changes(tenant_a: Tenant, people: People, who: str) -> None:
    with tenant_a:
        purchase = new_request(people)
        with pytest.raises(Forbidden) as caught:
            quote(purchase, getattr(people, who))
        expected = "not_your_step" if who in ("warga", "staf") else "not_eligible"
        assert caught.value.code == expected
        if expected == "not_eligible":
            assert "56" in str(caught.value.message) and "izin usaha mikro" in str(caught.value.message)
        assert not Quote.objects.exists()


def test_two_digit_division_match_is_enough(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        catering = new_request(people, items=items(kbli_code="5621"))  # katering, division 56
        assert selectors.eligibility(people.umkm, catering) is not None  # holds 56102
        assert selectors.eligibility(people.umkm_b, catering) is not None  # holds 56210
        assert selectors.eligibility(people.umkm_lain, catering) is None  # holds 10792


def test_any_verified_umkm_may_quote_when_the_request_names_no_category(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people, items=items(kbli_code=""))
        assert selectors.eligibility(people.umkm_lain, purchase) is not None
        assert selectors.eligibility(people.umkm_tanpa_izin, purchase) is None
        assert selectors.eligibility(people.umkm_dicabut, purchase) is None
        quote(purchase, people.umkm_lain)
        assert Quote.objects.get().business_name == "Kue Basah Bu Siti"


def test_a_request_with_several_categories_accepts_any_of_them(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        rows = items()
        rows[1]["kbli_code"] = "10"
        purchase = new_request(people, items=rows)
        assert selectors.request_divisions(purchase) == {"56", "10"}
        assert selectors.eligibility(people.umkm_lain, purchase) is not None
        assert {u.pk for u in selectors.eligible_suppliers(purchase)} == {
            people.umkm.pk,
            people.umkm_b.pk,
            people.umkm_lain.pk,
        }


def test_permit_holder_without_the_umkm_role_is_not_eligible(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        warga = create_user(username="warga-berizin", full_name="Warga Berizin", roles=[Role.WARGA], password=PASSWORD)
        issue_permit(warga, kbli="56102")
        purchase = new_request(people)
        assert selectors.eligibility(warga, purchase) is None
        assert warga.pk not in {u.pk for u in selectors.eligible_suppliers(purchase)}


def test_publication_notifies_only_eligible_umkm(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
        told = set(Message.objects.filter(event="procurement.published").values_list("recipient_id", flat=True))
        assert told == {people.umkm.pk, people.umkm_b.pk}
        assert purchase.events.get(action="publish").data == {"invited": 2}


def test_revoking_the_permit_ends_eligibility(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
        quote(purchase, people.umkm)
        people.umkm.permits.update(status="revoked", revoked_at=timezone.now())
        with pytest.raises(Forbidden):
            quote(purchase, people.umkm, 24_000, 3_000)
        assert Quote.objects.get().revision == 1
