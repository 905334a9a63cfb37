"""Django's connection pool hands one DatabaseWrapper a different physical connection on every
request, and one physical connection to many wrappers (threads) in turn: what search_path a
connection holds is tracked per physical connection. And a connection that has cached too many
tenants' catalogs is closed instead of reused (DATABASE_CONN_MAX_TENANTS)."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.tenancy.postgresql import base as backend
from tests.conftest import TenantSet

pytestmark = pytest.mark.usefixtures("committed")


def current_schema(wrapper: Any) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


def backend_pid(wrapper: Any) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@pytest.fixture
def pooled() -> Iterator[Any]:
    """Makes wrappers of one pool (max_size as asked), like the threads of a web process."""
    made: list[Any] = []
    alias = f"search_path_pool_{uuid.uuid4().hex[:8]}"  # a pool of its own (pools live per alias)

    def make(size: int) -> Any:
        settings_dict = copy.deepcopy(connection.settings_dict)
        settings_dict["CONN_MAX_AGE"] = 0
        settings_dict["OPTIONS"]["pool"] = {"min_size": 1, "max_size": size, "timeout": 20}
        wrapper = backend.DatabaseWrapper(settings_dict, alias=alias)
        wrapper.inc_thread_sharing()  # made in a worker thread, closed here
        made.append(wrapper)
        return wrapper

    try:
        yield make
    finally:
        for wrapper in made:
            wrapper.close()
        if made:
            made[0].close_pool()


def test_one_physical_connection_serving_two_wrappers_keeps_each_ones_schema(tenants: TenantSet, pooled: Any) -> None:
    one, two = pooled(1), pooled(1)
    one.set_tenant(tenants.a)
    assert current_schema(one) == tenants.a.schema_name
    pid = backend_pid(one)
    one.close()  # back to the pool, with a's path
    two.set_tenant(tenants.b)
    assert current_schema(two) == tenants.b.schema_name
    assert backend_pid(two) == pid  # the same physical connection
    two.close()  # back to the pool, with b's path
    # `one` still believes it is in a (no switch since): the connection it gets holds b's path.
    assert current_schema(one) == tenants.a.schema_name
    assert backend_pid(one) == pid


def test_threads_sharing_a_small_pool_never_query_another_tenants_schema(tenants: TenantSet, pooled: Any) -> None:
    wrong: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def work(first: Any, second: Any) -> None:
        wrapper = pooled(2)
        try:
            start.wait()
            for turn in range(25):
                tenant = first if turn % 2 else second
                wrapper.set_tenant(tenant)
                for _ in range(2):
                    got = current_schema(wrapper)
                    if got != tenant.schema_name:
                        wrong.append((tenant.schema_name, got))
                wrapper.close()  # the end of a request: the connection goes back to the pool
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)
        finally:
            wrapper.close()

    threads = [
        threading.Thread(target=work, args=(tenants.a, tenants.b)),
        threading.Thread(target=work, args=(tenants.b, tenants.a)),
        threading.Thread(target=work, args=(tenants.a, tenants.kota)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert wrong == []


def test_a_persistent_connection_that_touched_too_many_tenants_is_closed_after_the_request(
    tenants: TenantSet, settings: Any
) -> None:
    settings.DATABASE_CONN_MAX_TENANTS = 2
    connection.close()
    connection.set_schema_to_public()
    current_schema(connection)
    connection.set_tenant(tenants.a)
    current_schema(connection)
    connection.close_if_unusable_or_obsolete()  # two schemas: kept
    assert connection.connection is not None
    connection.set_tenant(tenants.b)
    current_schema(connection)
    connection.close_if_unusable_or_obsolete()  # the third: replaced
    assert connection.connection is None
    assert current_schema(connection) == tenants.b.schema_name  # a fresh connection, right schema


def test_a_pooled_connection_that_touched_too_many_tenants_is_not_reused(
    tenants: TenantSet, settings: Any, pooled: Any
) -> None:
    settings.DATABASE_CONN_MAX_TENANTS = 2
    wrapper = pooled(1)
    wrapper.set_tenant(tenants.a)
    first = backend_pid(wrapper)
    wrapper.close()
    wrapper.set_tenant(tenants.b)
    assert backend_pid(wrapper) == first  # two schemas: reused
    wrapper.close()
    wrapper.set_tenant(tenants.kota)
    assert backend_pid(wrapper) == first
    wrapper.close()  # three: the pool closes it and opens another
    wrapper.set_tenant(tenants.a)
    assert backend_pid(wrapper) != first
    assert current_schema(wrapper) == tenants.a.schema_name
