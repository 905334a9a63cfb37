"""Expiries on the real clock: an API token works until the last second of its lifetime and is
refused from then on; an idempotency key is remembered for exactly RETENTION, then pruned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from time_machine import TimeMachineFixture

from apps.accounts import api_tokens
from apps.core import idempotency
from apps.idempotency.models import IdempotencyRecord
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 5, 0, tzinfo=JAKARTA)


def test_an_api_token_expires_after_its_lifetime(
    tenant_a: Tenant, settings: Any, time_machine: TimeMachineFixture
) -> None:
    settings.API_TOKEN_TTL_DAYS = 30
    freeze(time_machine, T0)
    with tenant_a:
        issued = api_tokens.issue_token(UserFactory())
        assert issued.token.expires_at == T0 + timedelta(days=30)
        freeze(time_machine, T0 + timedelta(days=30) - timedelta(seconds=1))
        assert api_tokens.authenticate_key(issued.key).pk == issued.token.pk
        freeze(time_machine, T0 + timedelta(days=30))
        with pytest.raises(api_tokens.TokenProblem, match="kedaluwarsa"):
            api_tokens.authenticate_key(issued.key)


def test_idempotency_keys_are_pruned_after_the_retention(tenant_a: Tenant, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, T0)
    with tenant_a:
        record = IdempotencyRecord.objects.create(owner="u:1", key="k-1", scope="uji", fingerprint="f", status_code=201)
        assert record.created_at == T0
        freeze(time_machine, T0 + idempotency.RETENTION)
        assert idempotency.prune_records() == 0
        freeze(time_machine, T0 + idempotency.RETENTION + timedelta(seconds=1))
        assert idempotency.prune_records() == 1
        assert not IdempotencyRecord.objects.filter(pk=record.pk).exists()
