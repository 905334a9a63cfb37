"""The job lock (apps.core.jobs.runner): held by a live run, released by PostgreSQL when the run's
connection ends, so a second delivery can tell a live run from a dead one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from apps.core.jobs import runner
from apps.tenancy.models import Tenant
from tests.jobs.conftest import database_url

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


# A run whose one statement outlasts the test by far (pg_sleep stands in for any long statement).
LONG_RUN = """
import django
django.setup()
from django.db import connection
from apps.core.jobs import runner
with runner.exclusive_run("uji", 9) as mine:
    print("mine" if mine else "busy", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(600)")
"""


def test_a_run_killed_in_the_middle_of_a_statement_releases_the_job_at_once() -> None:
    """PostgreSQL would finish the dead process's statement (ten minutes here) before noticing the
    closed socket; the run's session polls it, so the job is free again within seconds."""
    connection.set_schema_to_public()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    root = Path(__file__).resolve().parents[2]
    run = subprocess.Popen([sys.executable, "-c", LONG_RUN], cwd=root, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None and run.stdout.readline().strip() == "mine"
        time.sleep(1)  # the statement is running
        with runner.exclusive_run("uji", 9, wait=0.5) as mine:
            assert mine is False  # alive: its run holds the job
    finally:
        run.kill()
        run.wait(timeout=10)
    with runner.exclusive_run("uji", 9, wait=15) as mine:
        assert mine is True, "the killed run's session still holds the job"
