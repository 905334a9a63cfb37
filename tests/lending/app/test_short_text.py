"""An application's purpose and an officer's reason are refused when too long, never cut: at the
service, and on the approval confirmation page before it would carry the reason on."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.core.errors import ValidationFailed
from apps.lending import services
from apps.lending.models import Application, ApplicationStatus, Loan
from apps.payments.models import JournalEntry

from .conftest import GOOD, START, World, key, submit

pytestmark = pytest.mark.django_db


def test_apply_refuses_a_too_long_purpose_and_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.apply(
            world.sri,
            world.product,
            amount=1_200_000,
            tenor_months=3,
            purpose="p" * 256,
            idempotency_key=key(),
            features=GOOD,
            as_of=START,
        )
    assert refused.value.code == "too_long" and refused.value.details["field"] == "purpose"
    assert not Application.objects.exists()


def test_reject_refuses_a_too_long_reason(world: World) -> None:
    application = submit(world)
    with pytest.raises(ValidationFailed) as refused:
        services.reject(application, world.officer, reason="r" * (services.MAX_REASON + 1))
    assert refused.value.code == "too_long"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.decision_reason == ""


def test_approval_page_refuses_a_too_long_reason_and_moves_nothing(world: World) -> None:
    application = submit(world)
    officer = Client(HTTP_HOST="mojorejo.localhost")
    officer.force_login(world.officer)
    url = f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/"
    entries = JournalEntry.objects.count()
    asked = officer.post(url, {"reason": "r" * 256})
    assert asked.status_code == 422 and "Paling banyak 255 huruf." in asked.content.decode()
    confirmed = officer.post(url, {"reason": "r" * 256, "confirm": "1"})
    assert confirmed.status_code == 422
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not Loan.objects.exists() and JournalEntry.objects.count() == entries
