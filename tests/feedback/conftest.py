"""Feedback fixtures: two warga of Kelurahan Mojorejo, the body runs in its schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for


@dataclass
class People:
    tenant: Tenant
    warga: User
    tetangga: User
    lurah: User


@pytest.fixture
def people(tenant_a: Tenant, db: None) -> Iterator[People]:
    with tenant_a:
        warga = User.objects.get(username="warga-mojorejo")
        tetangga = create_user(username="tetangga-nilai", email="t@nilai.id", roles=[Role.WARGA], password=PASSWORD)
        lurah = create_user(username="lurah-nilai", email="l@nilai.id", roles=[Role.LURAH], password=PASSWORD)
        yield People(tenant_a, warga, tetangga, lurah)


def signed_in(tenant: Tenant, user: User, **extra: str) -> Client:
    client = client_for(tenant, **extra)
    with tenant:  # the login stamps last_login in the tenant's own users table
        client.force_login(user)
    return client
