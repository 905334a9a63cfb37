"""Shared fixtures: a kota tenant and two kelurahan tenants, committed once per session.

Tests that only read or write inside one test use pytest-django's `db` (rolled back after the
test). Tests that need committed data (a real Celery worker, a browser, concurrent
connections) use `committed` and clean up what they make.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.urls import set_urlconf
from django.utils import translation
from time_machine import TimeMachineFixture

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant
from apps.tenancy.services import activate_region
from tests.clock import jakarta

PASSWORD = "Sandi-Kuat-2026!"

pytest_plugins = ["tests.order_replay"]


@dataclass
class TenantSet:
    kota: Tenant
    a: Tenant  # Kelurahan Mojorejo
    b: Tenant  # Kelurahan Pandean

    @staticmethod
    def host(tenant: Tenant) -> str:
        return tenant.get_primary_domain().domain


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker: Any) -> Iterator[None]:
    """Always create the test database: committed-data tests carry no django_db mark."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        problem = _server_problem()
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(config, verbosity=0)


def _server_problem() -> str | None:
    """Search, exclusion constraints and archives behave the same on every server, or the
    suite stops here: it never silently tests a degraded KotaKita. KOTAKITA_CITUS=1 (`make
    test-citus`) also stops a Citus suite pointed at a database that is not a Citus cluster."""
    from apps.core import pg_extensions
    from apps.tenancy import citus

    if os.environ.get("KOTAKITA_CITUS") == "1" and citus.cluster_of(connection) is None:
        return (
            f"KOTAKITA_CITUS=1 but the test database {connection.settings_dict['NAME']} is not a Citus database "
            "with workers: point DATABASE_URL at the coordinator of a running cluster (README, Citus)."
        )

    missing = pg_extensions.unavailable(connection) + pg_extensions.not_installed(connection)
    if missing:
        return pg_extensions.missing_message(sorted(set(missing)), pg_extensions.server_version(connection))
    return None


def _runs_alone(item: pytest.Item) -> bool:
    """Browser and real-worker tests (heavy, timing-sensitive) and the races (`test_*concurrency*`,
    `test_*race*`: up to 50 connections each; two at once on the two workers exceeded the embedded
    server's 100)."""
    race = "concurrency" in item.path.stem or "race" in item.path.stem
    return race or item.get_closest_marker("browser") is not None or item.get_closest_marker("worker") is not None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[object]:
    """Under pytest-xdist (`make test`: two workers, each with its own test database, see
    config/embedded_db.py) the tests of `_runs_alone` take turns: each holds an exclusive lock on
    one file for its set-up, call and tear-down, so the other worker's heavy test waits while the
    light ones go on. (xdist's `--dist loadgroup` would keep them on one worker, but with pytest 9
    its `xdist_group` marks are silently ignored: it renames `item._nodeid`, which pytest 9 no
    longer reads.)"""
    if "PYTEST_XDIST_WORKER" not in os.environ or not _runs_alone(item):
        return (yield)
    lock_path = item.config.rootpath / ".data" / "heavy-tests.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        return (yield)


@pytest.fixture(scope="session")
def tenants(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> TenantSet:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        connection.set_schema_to_public()
        kota = activate_region("35.77", admin_email="admin@madiunkota.go.id").tenant
        a = activate_region("35.77.03.1001", admin_email="admin@mojorejo.id").tenant
        b = activate_region("35.77.03.1002", admin_email="admin@pandean.id").tenant
        for tenant, prefix in ((a, "mojorejo"), (b, "pandean")):
            with tenant:
                admin = User.objects.get(username="admin")
                admin.set_password(PASSWORD)
                admin.save()
                create_user(
                    username=f"warga-{prefix}",
                    full_name=f"Warga {prefix.title()}",
                    email=f"warga@{prefix}.id",
                    roles=[Role.WARGA],
                    password=PASSWORD,
                )
        connection.set_schema_to_public()
    return TenantSet(kota=kota, a=a, b=b)


@pytest.fixture
def tenant_a(tenants: TenantSet) -> Tenant:
    return tenants.a


@pytest.fixture
def tenant_b(tenants: TenantSet) -> Tenant:
    return tenants.b


@pytest.fixture(autouse=True)
def _back_to_public() -> Iterator[None]:
    """Requests and `with tenant:` blocks switch the connection's schema, requests in English
    switch the thread's language, a request whose response nobody closes (schemathesis' WSGI
    calls) leaves its host's URLconf on the thread, and the in-process cache outlives the test's
    rolled-back rows (throttle counters, cached settings and stamps); undo all four so no test
    depends on the one before (the suite runs in random order: pytest-randomly)."""
    yield
    connection.set_schema_to_public()
    translation.activate(settings.LANGUAGE_CODE)
    set_urlconf(None)  # what request_finished does for a closed response
    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, LocMemCache):  # never flush a shared Redis
            backend.clear()


@pytest.fixture
def committed(django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield


def client_for(tenant: Tenant | None, **extra: str) -> Client:
    host = tenant.get_primary_domain().domain if tenant is not None else "localhost"
    return Client(HTTP_HOST=host, **extra)


@pytest.fixture
def client_a(tenant_a: Tenant) -> Client:
    return client_for(tenant_a)


@pytest.fixture
def client_b(tenant_b: Tenant) -> Client:
    return client_for(tenant_b)


@pytest.fixture
def platform_client() -> Client:
    return client_for(None)


@pytest.fixture
def operator(db: None) -> User:
    connection.set_schema_to_public()
    return create_user(username="operator", email="operator@kotakita.id", password=PASSWORD, superuser=True)


@pytest.fixture
def operator_client(operator: User, platform_client: Client) -> Client:
    platform_client.force_login(operator)
    return platform_client


@pytest.fixture
def daytime(time_machine: TimeMachineFixture) -> datetime:
    """The clock runs on from 10:00 today in Madiun. For tests whose outcome depends on the hour
    without being about it: routing a courier "on shift all day" (00:00–23:59:59) fails in the
    last minutes before midnight, when no shift time is left for a pickup and a drop-off."""
    moment = jakarta(None, time(10, 0))
    time_machine.move_to(moment, tick=True)
    return moment


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL")
