"""A step's reason past the API's 1000 characters is refused for every caller (service, page),
never cut, and the permit does not move."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationFailed
from apps.permits import services
from apps.permits.models import PermitEvent
from apps.tenancy.models import Tenant

from .conftest import People, logged_in, submitted_permit

pytestmark = pytest.mark.django_db


def test_a_too_long_reason_is_refused_and_the_permit_stays(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        events = PermitEvent.objects.filter(permit=permit).count()
        with pytest.raises(ValidationFailed) as refused:
            services.take_step(permit, people.ketua_rt, "return", "r" * 1001)
        assert refused.value.code == "too_long" and refused.value.details["field"] == "reason"
        permit.refresh_from_db()
        assert permit.status == "submitted" and permit.status_reason == ""
        assert PermitEvent.objects.filter(permit=permit).count() == events
        # Runs of spaces still collapse, so the bound counts what is kept.
        moved = services.take_step(permit, people.ketua_rt, "return", "Foto  " + "x" * 995)
        assert moved.status == "returned" and moved.status_reason == "Foto " + "x" * 995


def test_the_page_shows_the_refusal_under_the_reason(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    client = logged_in(tenant_a, people.ketua_rt)
    response = client.post(f"/izin/{permit.pk}/langkah/return/", {"reason": "r" * 1001})
    assert response.status_code == 422 and "Paling banyak 1000 huruf." in response.content.decode()
    with tenant_a:
        permit.refresh_from_db()
        assert permit.status == "submitted"
