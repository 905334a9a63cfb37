"""The two file storages: *public* (shop, product and report photos) and *private* (KTP scans,
premises photos, aid proofs, cash-book receipts, delivery proofs).

Every stored key is prefixed by the current tenant's schema (`<schema>/<name>`), on local disk
and on S3, so one tenant's files never collide with, or resolve to, another's: the name kept in
the database has no schema in it, and the prefix is taken from the connection at each call. A
name read in tenant B therefore always lands under B's prefix, never A's.

Neither storage is ever published by a web server as a tree: both are served by Django views in
`apps.core.files.views` (public ones on `/media/<name>` of the tenant's own host, private ones
only after the registry in `apps.core.files.registry` says the user may see them).

Model fields name their storage with the callables `public_storage` / `private_storage`, so
migrations record a function, never a settings-dependent storage object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.encoding import filepath_to_uri
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage

from apps.core.db import connection

PUBLIC = "public"
PRIVATE = "private"
KINDS = (PUBLIC, PRIVATE)


class AliasStorage(LazyObject):  # type: ignore[type-arg]
    """`storages[alias]`, looked up on first use and again after STORAGES changes (a FileField
    calls its storage callable once, at import; this keeps it following the settings)."""

    def __init__(self, alias: str) -> None:
        self.__dict__["_alias"] = alias
        super().__init__()

    def _setup(self) -> None:
        self._wrapped = storages[self.__dict__["_alias"]]

    def reset(self) -> None:
        self._wrapped = empty  # type: ignore[assignment]


_PUBLIC = AliasStorage(PUBLIC)
_PRIVATE = AliasStorage(PRIVATE)


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _PUBLIC.reset()
        _PRIVATE.reset()


def public_storage() -> Storage:
    """Storage of files anyone on the tenant's own site may see."""
    return cast(Storage, _PUBLIC)


def private_storage() -> Storage:
    """Storage of personal files, served only through an authorised view."""
    return cast(Storage, _PRIVATE)


def media_path(name: str | None) -> str:
    """`/media/<name>` on the tenant's host (apps.core.files.views.public_file)."""
    return f"{settings.MEDIA_URL}{filepath_to_uri(name or '').lstrip('/')}"


def private_name_path(name: str | None) -> str:
    """What `.url` of a private file gives (the admin and any generic code call it): a gated
    route that finds the registered object holding `name` in this schema and asks its rule.
    Pages and APIs link with `private_url(obj, field)` instead."""
    return f"/berkas/n/{filepath_to_uri(name or '').lstrip('/')}"


def tenant_prefix() -> str:
    """The current schema, the first path part of every stored key."""
    schema = str(connection.schema_name or "")
    if not schema or "/" in schema or schema.startswith("."):
        raise SuspiciousFileOperation("No tenant schema to store files under.")
    return schema


def local_root(kind: str) -> Path:
    """Where local files of `kind` live: MEDIA_ROOT/<kind>/ (read at each call, so a test's
    MEDIA_ROOT override is honoured)."""
    return Path(settings.MEDIA_ROOT) / kind


class TenantFileSystemStorage(FileSystemStorage):
    """Local disk under MEDIA_ROOT/<kind>/<schema>/."""

    kind = PRIVATE

    # FileSystemStorage caches these as cached_property; here they follow the tenant and settings.
    @property
    def base_location(self) -> str:
        return str(local_root(self.kind) / tenant_prefix())

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self) -> str:
        return settings.MEDIA_URL

    def key(self, name: str) -> str:
        """`<schema>/<name>`, the path below the kind's root (what an accel location sees)."""
        full = Path(self.path(name))
        return full.relative_to(local_root(self.kind).resolve()).as_posix()


class PublicFileSystemStorage(TenantFileSystemStorage):
    kind = PUBLIC

    def url(self, name: str | None) -> str:
        # Served by apps.core.files.views.public_file on the tenant's own host.
        return media_path(name)


class PrivateFileSystemStorage(TenantFileSystemStorage):
    kind = PRIVATE

    def url(self, name: str | None) -> str:
        return private_name_path(name)


class TenantS3Storage(S3Storage):
    """An S3-compatible bucket; keys are `<schema>/<name>`. Objects are always written private
    (no public-read ACL): public files are reached through short-lived presigned URLs."""

    kind = PRIVATE

    def __init__(self, **options: Any) -> None:
        options.setdefault("default_acl", "private")
        options.setdefault("file_overwrite", False)
        options.setdefault("querystring_auth", True)
        super().__init__(**options)
        if self.default_acl not in (None, "private"):
            raise ImproperlyConfigured("KotaKita S3 storages must keep objects private.")

    @property
    def location(self) -> str:
        return tenant_prefix()

    @location.setter
    def location(self, value: str) -> None:
        # django-storages sets AWS_LOCATION at start-up; the tenant prefix replaces it.
        if value:
            raise ImproperlyConfigured("AWS_LOCATION is not supported: keys are prefixed by the tenant schema.")

    def key(self, name: str) -> str:
        return str(self._normalize_name(name))

    def presigned_url(self, name: str, *, filename: str = "", content_type: str = "") -> str:
        params: dict[str, str] = {}
        if content_type:
            params["ResponseContentType"] = content_type
        if filename:
            params["ResponseContentDisposition"] = f'inline; filename="{filename}"'
        return str(super().url(name, parameters=params))


class PublicS3Storage(TenantS3Storage):
    kind = PUBLIC

    def url(self, name: str | None, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        # A stable link on the tenant's host: the view redirects to a fresh presigned URL, so
        # pages and feeds never hold an expiring or cross-tenant bucket URL.
        return media_path(name)


class PrivateS3Storage(TenantS3Storage):
    kind = PRIVATE

    def url(self, name: str | None, parameters: Any = None, expire: Any = None, http_method: Any = None) -> str:
        return private_name_path(name)


def storage_kind(storage: Storage) -> str:
    return str(getattr(storage, "kind", ""))
