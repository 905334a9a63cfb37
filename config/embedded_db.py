"""Database settings: DATABASE_URL when set, otherwise an embedded PostgreSQL under .data/.

The embedded server (the `pgserver` package) lets a newcomer run and test KotaKita on a
machine with nothing but Python. It keeps running after the process exits, so the next
`make run` reuses it and starts in seconds; `make stop-db` stops it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

ENGINE = "django_tenants.postgresql_backend"
EMBEDDED_DB_NAME = "kotakita"


def embedded_data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("KOTAKITA_EMBEDDED_PGDATA", base_dir / ".data" / "pgdata"))


def start_embedded_server(base_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the KotaKita database."""
    _private_runtime_dir(base_dir)
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - only without requirements/local.txt
        raise RuntimeError(
            "DATABASE_URL is not set and the embedded PostgreSQL (pgserver) is not installed. "
            "Run `make install` or set DATABASE_URL."
        ) from exc

    data_dir = embedded_data_dir(base_dir)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    return f"postgresql://postgres:@/{EMBEDDED_DB_NAME}?host={data_dir}"


def _private_runtime_dir(base_dir: Path) -> None:
    # pgserver keeps its lock file in the user's runtime dir; without a session (root in CI,
    # containers) XDG_RUNTIME_DIR is unset and platformdirs warns on every start.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = base_dir / ".data" / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def embedded_bin_dir() -> Path | None:
    """Directory of the embedded server's client binaries (pg_dump), if installed."""
    _private_runtime_dir(Path(__file__).resolve().parent.parent)
    try:
        import pgserver
    except ImportError:
        return None
    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def database_config(base_dir: Path) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or start_embedded_server(base_dir)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    config["ENGINE"] = ENGINE
    config.setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_kotakita")
    return config


def stop_embedded_server(base_dir: Path) -> bool:
    """Stop the embedded server if it runs (pgserver only stops it when its last user exits)."""
    data_dir = embedded_data_dir(base_dir)
    if not (data_dir / "postmaster.pid").exists():
        return False
    _private_runtime_dir(base_dir)
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs postgres as this user under root
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)
    return True


if __name__ == "__main__":  # `python -m config.embedded_db stop`
    import sys

    if sys.argv[1:] == ["stop"]:
        print("stopped" if stop_embedded_server(Path(__file__).resolve().parent.parent) else "not running")  # noqa: T201
