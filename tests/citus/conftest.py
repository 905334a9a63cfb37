"""Minimal Citus set-up for tests/citus (placement helper). TO RECONCILE with the general
pytest-on-Citus set-up (branch h-citus) when it lands: drop this file's `django_db_setup` and use
that one's.

Run against a local cluster (/work/shared/citus/citus-local.sh start DIR 9720 9721 9722):

    DATABASE_URL=postgres://postgres@127.0.0.1:9720/postgres TEST_DATABASE_NAME=test_kk_placement \
        .venv/bin/python -m pytest -p no:randomly tests/citus -q

On a server without Citus preloaded this adds nothing: the root set-up runs as always and every
test here skips. On Citus, after the root set-up has created and migrated the test database on
the coordinator (schema-based sharding off, so every schema is built as plain local tables, the
way the known ALTER TABLE/trigger limits require), it creates the extension, the same database
on the workers (CITUS_WORKERS, default the coordinator's host at ports +1 and +2), registers
them, and lets tests distribute the tenant schemas they need (`citus_schema_distribute`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection


def _preloads_citus() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_preload_libraries")
        row = cursor.fetchone()
    return row is not None and "citus" in str(row[0])


def _has_citus() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        return cursor.fetchone() is not None


def _workers() -> list[tuple[str, int]]:
    host = str(connection.settings_dict.get("HOST") or "127.0.0.1")
    port = int(connection.settings_dict.get("PORT") or 5432)
    text = os.environ.get("CITUS_WORKERS", f"{host}:{port + 1},{host}:{port + 2}")
    return [(item.rsplit(":", 1)[0], int(item.rsplit(":", 1)[1])) for item in text.split(",") if item.strip()]


def _admin(host: str, port: int, dbname: str = "postgres") -> psycopg.Connection[Any]:
    user = str(connection.settings_dict.get("USER") or "postgres")
    return psycopg.connect(host=host, port=port, dbname=dbname, user=user, autocommit=True)


def _citusify(name: str) -> list[tuple[str, int]]:
    workers = _workers()
    for host, port in workers:
        with _admin(host, port) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        with _admin(host, port, name) as worker:
            worker.execute("CREATE EXTENSION citus")
    host = str(connection.settings_dict.get("HOST") or "127.0.0.1")
    port = int(connection.settings_dict.get("PORT") or 5432)
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS citus")
        cursor.execute("SELECT citus_set_coordinator_host(%s, %s)", [host, port])
        for worker_host, worker_port in workers:
            cursor.execute("SELECT citus_add_node(%s, %s)", [worker_host, worker_port])
        # The payments ledger has triggers; Citus refuses to distribute such tables without this.
        cursor.execute(f'ALTER DATABASE "{name}" SET citus.enable_unsafe_triggers = on')
        cursor.execute("SET citus.enable_unsafe_triggers = on")
    return workers


def _decitusify(name: str, workers: list[tuple[str, int]]) -> None:
    """Citus keeps its own connections to the test database (maintenance daemon, connections to
    workers): shut them out so that the root teardown's plain DROP DATABASE succeeds."""
    host = str(connection.settings_dict.get("HOST") or "127.0.0.1")
    port = int(connection.settings_dict.get("PORT") or 5432)
    connection.close()
    with _admin(host, port) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
    for worker_host, worker_port in workers:
        with _admin(worker_host, worker_port) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The root set-up, then (on a Citus server) the extension, the workers and their database."""
    with django_db_blocker.unblock():
        # Already a Citus database (a set-up that makes the test database on every node, like
        # h-citus' DatabaseCreation): leave it as it is.
        ready = _has_citus()
        workers = _citusify(connection.settings_dict["NAME"]) if _preloads_citus() and not ready else []
    yield
    if workers:
        with django_db_blocker.unblock():
            _decitusify(connection.settings_dict["NAME"], workers)


@pytest.fixture
def citus(django_db_blocker: Any, django_db_setup: None) -> None:
    with django_db_blocker.unblock():
        if not _has_citus():
            pytest.skip("not a Citus server")
