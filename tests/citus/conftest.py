"""Citus tests. The test database is made Citus-ready on every node by the project's own set-up
(apps/tenancy/postgresql/creation.py) when DATABASE_URL names a Citus coordinator; run them
with `make test-citus` (README, "Citus"). On plain PostgreSQL they skip."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from apps.tenancy import citus as citus_db


@pytest.fixture
def citus(django_db_blocker: Any, django_db_setup: None) -> None:
    with django_db_blocker.unblock():
        if not citus_db.is_citus(connection):
            pytest.skip("not a Citus server")
