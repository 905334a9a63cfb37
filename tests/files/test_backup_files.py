"""Tenant archives carry the tenant's files of both storages, on local disk and on S3: removal
deletes them, restore brings them back under the tenant's prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from apps.core.files import private_storage, public_storage
from apps.tenancy import services
from apps.tenancy.restore import restore_archive
from tests.conftest import TenantSet


def test_files_round_trip(backend: str, tenants: TenantSet, committed: None, settings: Any, tmp_path: Path) -> None:
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    tenant = services.activate_region("35.77.01.1009").tenant
    with tenant:
        public = public_storage().save("pasar/toko/1/foto.png", ContentFile(b"foto-produk"))
        private = private_storage().save("izin/ktp/ktp.png", ContentFile(b"ktp-rahasia"))
    archive = services.remove_tenant(tenant)
    with tenant:  # the prefix is gone from both storages
        assert not public_storage().exists(public) and not private_storage().exists(private)
    restored = restore_archive(Path(archive.path))
    try:
        with restored:
            with public_storage().open(public) as stream:
                assert stream.read() == b"foto-produk"
            with private_storage().open(private) as stream:
                assert stream.read() == b"ktp-rahasia"
    finally:
        services.remove_tenant(restored)


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
