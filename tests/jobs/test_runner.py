"""The job lock (apps.core.jobs.runner): held by a live run, released by PostgreSQL when the run's
connection ends, so a second delivery can tell a live run from a dead one."""

from __future__ import annotations

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from apps.core.jobs import runner
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def _lock_from_another_process(key: str) -> object:
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    with side.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
    return side


def test_a_live_run_keeps_the_job_and_a_dead_one_releases_it(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        live = _lock_from_another_process(runner._key("uji", 7))
        try:
            started = time.monotonic()
            with runner.exclusive_run("uji", 7, wait=0.5) as mine:
                assert mine is False  # a duplicate delivery while the first run is alive
            assert time.monotonic() - started >= 0.5  # tried again before giving up
            with runner.exclusive_run("uji", 8) as mine:
                assert mine is True  # another job
        finally:
            live.close()  # type: ignore[attr-defined]  # the run's process died: its session ends
        # A moment later (PostgreSQL ends the session): the redelivered message takes over.
        with runner.exclusive_run("uji", 7) as mine:
            assert mine is True
            other = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [runner._key("uji", 7)])
                    assert cursor.fetchone()[0] is False  # held while this run lasts
            finally:
                other.close()
    with tenant_a:
        held = _lock_from_another_process(runner._key("uji", 7))
    try:
        with tenant_b, runner.exclusive_run("uji", 7) as mine:
            assert mine is True  # the same id in another tenant is another job
    finally:
        held.close()  # type: ignore[attr-defined]
    # Released when the run ended: another session takes it.
    with tenant_a:
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [runner._key("uji", 7)])
                assert cursor.fetchone()[0] is True
        finally:
            other.close()
