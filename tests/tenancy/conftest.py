"""Fixtures of the tenant job tests: archive folders, and a committed platform operator (the
archive and restore jobs run pg_dump and psql, which only see committed rows)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from apps.accounts.models import User
from apps.accounts.services import create_user
from apps.core.db import connection
from apps.tenancy.models import TenantOperationJob
from apps.websessions.models import WebSession
from tests.conftest import PASSWORD, client_for
from tests.files.conftest import use_local


@pytest.fixture
def storage_dirs(settings: Any, tmp_path: Path) -> Path:
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KOTAKITA_FILE_ACCEL = ""
    use_local(settings)
    return tmp_path


@pytest.fixture
def committed_operator(committed: None) -> Iterator[User]:
    connection.set_schema_to_public()
    user = create_user(username=f"ops-{uuid.uuid4().hex[:8]}", email="", password=PASSWORD, superuser=True)
    try:
        yield user
    finally:
        connection.set_schema_to_public()
        TenantOperationJob.objects.filter(created_by=user).update(created_by=None)
        with transaction.atomic(), connection.cursor() as cursor:
            # Not user.delete(): the collector visits tenant-only tables (see test_onboarding).
            cursor.execute(f'DELETE FROM "{User._meta.db_table}" WHERE id = %s', [user.pk])


@pytest.fixture
def committed_operator_client(committed_operator: User) -> Iterator[Client]:
    client = client_for(None)
    client.force_login(committed_operator)
    yield client
    connection.set_schema_to_public()
    WebSession.objects.filter(session_key=client.cookies["sessionid"].value).delete()
