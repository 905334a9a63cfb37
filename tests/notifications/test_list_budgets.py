"""Query budgets of the notification lists (API and inbox page): same count at n and 10n, ≤ 12."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.notifications import services
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _grower(user: User) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for i in range(count):
            services.notify([user], event="uji", title=f"Kabar {i}", body="Isi kabar", key=uuid.uuid4().hex, url="/")

    return grow


@pytest.mark.parametrize("path", ["/api/v1/notifications/?page_size=100", "/notifikasi/"])
def test_notification_lists(tenant_a: Tenant, path: str) -> None:
    with tenant_a:
        user = User.objects.get(username=f"warga-{tenant_a.slug}")
        client: Client = client_for(tenant_a)
        client.force_login(user)
        assert_list_budget(lambda: client.get(path), _grower(user))
