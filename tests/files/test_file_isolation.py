"""Stored files never cross tenants, and private files reach only the people allowed.

Every case runs on local disk and on a real S3 server (SeaweedFS), with DEBUG off and on (the
URL modules are reloaded, so a DEBUG-only media route would show up here)."""

from __future__ import annotations

import importlib
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import clear_url_caches

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.files import private_storage, private_url, public_storage
from apps.permits.models import Permit
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for
from tests.files.conftest import logged_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"rahasia"


def _reload_urls() -> None:
    import config.urls_public
    import config.urls_tenant

    importlib.reload(config.urls_tenant)
    importlib.reload(config.urls_public)
    clear_url_caches()


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request: pytest.FixtureRequest, settings: Any) -> Iterator[bool]:
    settings.DEBUG = request.param
    _reload_urls()
    yield bool(request.param)
    settings.DEBUG = False
    _reload_urls()


def body(response: HttpResponseBase) -> bytes:
    if response.status_code in (301, 302):
        location = response["Location"]
        assert location.startswith("http://127.0.0.1:"), location  # the S3 server, presigned
        with urllib.request.urlopen(location, timeout=10) as remote:  # noqa: S310 - loopback test server
            return bytes(remote.read())
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)


def make_permit(tenant: Tenant, applicant: User) -> Permit:
    with tenant:
        permit = Permit.objects.create(
            applicant=applicant,
            created_by=applicant,
            owner_name=applicant.full_name or "Pemohon",
            nik_digest="0" * 64,
            nik_ciphertext="-",
            nik_masked="3577********0001",
            business_name="Warung Uji",
            kbli_code="56103",
            kbli_title="Kedai makanan",
            risk_level=Permit.Risk.RENDAH,
            capital=1_000_000,
            workers=1,
        )
        permit.ktp_scan.save("ktp-uji.png", ContentFile(PNG), save=False)
        permit.ktp_scan_type = "image/png"
        permit.save()
    return permit


@pytest.fixture
def people_a(tenant_a: Tenant) -> dict[str, User]:
    with tenant_a:
        return {
            "applicant": create_user(
                username="pemohon-berkas", full_name="Pemohon", password=PASSWORD, roles=[Role.WARGA]
            ),
            "neighbour": User.objects.get(username="warga-mojorejo"),
            "staff": User.objects.get(username="admin"),
        }


def test_private_file_only_for_allowed_users_of_its_own_tenant(
    backend: str, debug: bool, tenant_a: Tenant, tenant_b: Tenant, people_a: dict[str, User], platform_client: Client
) -> None:
    permit = make_permit(tenant_a, people_a["applicant"])
    with tenant_a:
        url = private_url(permit, "ktp_scan")
        name = str(permit.ktp_scan.name)
        by_name = permit.ktp_scan.url  # what generic code (the admin) links to
    assert url == f"/berkas/permits/permit/{permit.pk}/ktp_scan/"
    assert name not in url  # opaque: the link does not reveal the stored key

    # allowed users of tenant A get the bytes, through both links
    for who in ("applicant", "staff"):
        client = logged_in(tenant_a, people_a[who])
        response = client.get(url)
        assert response.status_code == 200, who
        assert body(response) == PNG
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert client.get(by_name).status_code == 200
    # anonymous and an unauthorised user of the same tenant: 404 (no hint it exists)
    anonymous = client_for(tenant_a)
    neighbour = logged_in(tenant_a, people_a["neighbour"])
    for client in (anonymous, neighbour):
        assert client.get(url).status_code == 404
        assert client.get(by_name).status_code == 404
    # another tenant's host (even its staff) and the platform host: 404
    with tenant_b:
        staff_b = User.objects.get(username="admin")
    for client in (client_for(tenant_b), logged_in(tenant_b, staff_b), platform_client):
        assert client.get(url).status_code == 404
        assert client.get(by_name).status_code == 404
        assert client.get(f"/media/{name}").status_code == 404
    # the private file is not a public file either, on its own host
    assert logged_in(tenant_a, people_a["staff"]).get(f"/media/{name}").status_code == 404
    # nothing under the old static route
    assert client_for(tenant_a).get(f"/media/{tenant_a.schema_name}/{name}").status_code == 404


def test_public_file_only_on_its_own_tenant_host(
    backend: str, debug: bool, tenant_a: Tenant, tenant_b: Tenant, platform_client: Client
) -> None:
    with tenant_a:
        name = public_storage().save("pasar/toko/uji/foto.png", ContentFile(PNG))
        url = public_storage().url(name)
    assert url == f"/media/{name}"
    response = client_for(tenant_a).get(url)
    assert response.status_code == (302 if backend == "s3" else 200)
    assert body(response) == PNG
    if backend == "s3":
        assert f"/kk-public/{tenant_a.schema_name}/pasar/toko/" in response["Location"]
    else:
        assert response["Cache-Control"].startswith("public")
    schema_a = tenant_a.schema_name
    for client in (client_for(tenant_b), platform_client):
        for path in (
            url,
            f"/media/{schema_a}/{name}",
            f"/media/../{schema_a}/{name}",
            f"/media/%2e%2e/{schema_a}/{name}",
            f"/media/..%2f{schema_a}/{name}",
            f"/media/{name.replace('/', '%2f')}",
        ):
            assert client.get(path).status_code == 404, path
    # traversal on its own host cannot reach out of the tenant's prefix either
    with tenant_b:
        public_storage().save("pasar/toko/uji/b.png", ContentFile(b"\x89PNG\r\n\x1a\nB"))
    own = client_for(tenant_a)
    assert own.get(f"/media/../{tenant_b.schema_name}/pasar/toko/uji/b.png").status_code == 404
    assert own.get(f"/media/{tenant_b.schema_name}/pasar/toko/uji/b.png").status_code == 404


def test_keys_are_prefixed_by_schema_and_private_objects_are_not_public(
    backend: str, tenant_a: Tenant, tenant_b: Tenant, media_root: Any, request: pytest.FixtureRequest
) -> None:
    with tenant_a:
        private_name = private_storage().save("permits/x/ktp.png", ContentFile(b"A"))
        public_name = public_storage().save("pasar/x/foto.png", ContentFile(b"A"))
    with tenant_b:
        # the same name in B is B's own file; A's is not visible from B
        assert not private_storage().exists(private_name)
        assert not public_storage().exists(public_name)
        private_storage().save(private_name, ContentFile(b"B"))
    with tenant_a:
        assert private_storage().open(private_name).read() == b"A"
    if backend == "local":
        assert (media_root / "private" / tenant_a.schema_name / private_name).read_bytes() == b"A"
        assert (media_root / "private" / tenant_b.schema_name / private_name).read_bytes() == b"B"
        assert (media_root / "public" / tenant_a.schema_name / public_name).exists()
        return
    server = request.getfixturevalue("s3_server")
    s3 = server.client()
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=server.private_bucket)["Contents"]}
    assert f"{tenant_a.schema_name}/{private_name}" in keys
    assert f"{tenant_b.schema_name}/{private_name}" in keys
    # no object is readable without a signature, private or public
    for bucket, name in ((server.private_bucket, private_name), (server.public_bucket, public_name)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.endpoint}/{bucket}/{tenant_a.schema_name}/{name}", timeout=10)  # noqa: S310
        assert refused.value.code == 403
