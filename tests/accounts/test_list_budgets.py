"""Query budgets of the API token lists (API and the account page): same count at n and 10n, ≤ 12."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/tokens/?page_size=100", "/akun/token/"])
def test_token_lists(client_a: Client, tenant_a: Tenant, path: str) -> None:
    def grow(count: int) -> None:
        with tenant_a:
            user = User.objects.get(username="admin")
            for i in range(count):
                issue_token(user, name=f"Aplikasi {i}")

    client_a.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    assert_list_budget(lambda: client_a.get(path), grow)
