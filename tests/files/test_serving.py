"""How files leave on local disk (stream, nginx X-Accel-Redirect, X-Sendfile), and that every
file field of the tenant apps is either public or a registered private file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models

from apps.accounts.models import User
from apps.core.files import private_url, public_storage
from apps.core.files.registry import for_model
from apps.core.files.storages import private_storage
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.files.conftest import logged_in, use_local
from tests.files.test_file_isolation import PNG, make_permit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local(settings: Any) -> None:
    use_local(settings)


@pytest.fixture
def permit_and_people(tenant_a: Tenant) -> tuple[Any, User, User]:
    with tenant_a:
        staff = User.objects.get(username="admin")
        neighbour = User.objects.get(username="warga-mojorejo")
    return make_permit(tenant_a, staff), staff, neighbour


def test_stream_by_default(tenant_a: Tenant, permit_and_people: tuple[Any, User, User]) -> None:
    permit, staff, _neighbour = permit_and_people
    with tenant_a:
        url = private_url(permit, "ktp_scan")
    response = logged_in(tenant_a, staff).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/png"
    assert "X-Accel-Redirect" not in response and "X-Sendfile" not in response
    assert response["Content-Disposition"] == f"inline; filename*=UTF-8''ktp-{permit.pk}.png"


def test_nginx_accel_redirect(
    settings: Any, tenant_a: Tenant, media_root: Path, permit_and_people: tuple[Any, User, User]
) -> None:
    settings.KOTAKITA_FILE_ACCEL = "nginx"
    settings.KOTAKITA_FILE_ACCEL_PREFIX = "/_internal/berkas/"
    permit, staff, neighbour = permit_and_people
    with tenant_a:
        url = private_url(permit, "ktp_scan")
        public_name = public_storage().save("pasar/foto.png", ContentFile(PNG))
    response = logged_in(tenant_a, staff).get(url)
    assert response.status_code == 200 and response.content == b""
    target = f"/_internal/berkas/private/{tenant_a.schema_name}/{permit.ktp_scan.name}"
    assert response["X-Accel-Redirect"] == target
    assert response["Content-Type"] == "image/png"
    # what nginx would send: MEDIA_ROOT aliased at the prefix
    assert (media_root / target.removeprefix("/_internal/berkas/")).read_bytes() == PNG
    # the header is only ever given after the permission check
    refused = logged_in(tenant_a, neighbour).get(url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    public = client_for(tenant_a).get(f"/media/{public_name}")
    assert public["X-Accel-Redirect"] == f"/_internal/berkas/public/{tenant_a.schema_name}/{public_name}"


def test_sendfile(settings: Any, tenant_a: Tenant, permit_and_people: tuple[Any, User, User]) -> None:
    settings.KOTAKITA_FILE_ACCEL = "sendfile"
    permit, staff, neighbour = permit_and_people
    with tenant_a:
        url = private_url(permit, "ktp_scan")
    response = logged_in(tenant_a, staff).get(url)
    assert response.status_code == 200 and response.content == b""
    path = Path(response["X-Sendfile"])
    assert path.is_absolute() and path.read_bytes() == PNG
    assert f"/private/{tenant_a.schema_name}/" in str(path)
    refused = logged_in(tenant_a, neighbour).get(url)
    assert refused.status_code == 404 and "X-Sendfile" not in refused


def test_old_app_routes_use_the_same_gate(tenant_a: Tenant, permit_and_people: tuple[Any, User, User]) -> None:
    permit, staff, neighbour = permit_and_people
    old = f"/izin/{permit.pk}/berkas/ktp/"
    assert logged_in(tenant_a, staff).get(old).status_code == 200
    assert logged_in(tenant_a, neighbour).get(old).status_code == 404


def test_unknown_or_malformed_private_links_are_404(tenant_a: Tenant) -> None:
    with tenant_a:
        staff = User.objects.get(username="admin")
    client = logged_in(tenant_a, staff)
    for path in (
        "/berkas/permits/permit/abc/ktp_scan/",
        "/berkas/permits/permit/99999999999999999999/ktp_scan/",
        "/berkas/permits/permit/1/nik_ciphertext/",  # not a registered file field
        "/berkas/accounts/user/1/password/",
        "/berkas/n/permits/does-not-exist.png",
    ):
        assert client.get(path).status_code == 404, path


def test_every_tenant_file_field_is_public_or_registered_private() -> None:
    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert len(fields) >= 8
    public, private = public_storage(), private_storage()
    for model, field in fields:
        label = f"{model._meta.label}.{field.name}"
        if field.storage is public:
            assert for_model(model, field.name) is None, label
        else:
            assert field.storage is private, f"{label} uses neither the public nor the private storage"
            assert for_model(model, field.name) is not None, f"{label} is private but has no can_view rule"


def test_copy_legacy_media_moves_old_layout_into_the_private_storage(
    tenant_a: Tenant, media_root: Path, permit_and_people: tuple[Any, User, User]
) -> None:
    from django.core.management import call_command

    permit, staff, _neighbour = permit_and_people
    legacy = media_root / tenant_a.schema_name / "permits" / "lama" / "ktp-lama.png"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(PNG)
    with tenant_a:
        type(permit).objects.filter(pk=permit.pk).update(ktp_scan="permits/lama/ktp-lama.png")
        url = private_url(type(permit).objects.get(pk=permit.pk), "ktp_scan")
    client = logged_in(tenant_a, staff)
    assert client.get(url).status_code == 404  # not where the new storage looks
    out = io.StringIO()
    call_command("copy_legacy_media", "--delete", stdout=out)
    assert "1 file(s) copied" in out.getvalue()
    assert not legacy.exists()
    assert (media_root / "private" / tenant_a.schema_name / "permits" / "lama" / "ktp-lama.png").read_bytes() == PNG
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
