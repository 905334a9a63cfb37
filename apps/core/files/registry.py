"""Who may see a private file: each app registers, for its (model, field), a `can_view(user, obj)`.

A private file is reachable only through `/berkas/<app>/<model>/<pk>/<field>/` of the tenant's own
host; the view looks the object up in the current schema and asks the registered rule. Anything
not registered, not found, empty or not allowed answers 404 alike, so nobody learns what exists.

Apps register in their own `files.py` (imported by `CoreConfig.ready()` via autodiscovery):

    from apps.core.files import register_private
    register_private(Permit, "ktp_scan", policy.can_view, content_type_field="ktp_scan_type")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

CanView = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class PrivateFile:
    model: type[models.Model]
    field: str
    can_view: CanView
    # Optional: the model field holding the sniffed content type of the upload.
    content_type_field: str = ""
    # Optional: how the download is named (`<stem>-<pk>.<ext>`).
    filename_stem: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        meta = self.model._meta
        return (meta.app_label, meta.model_name or "", self.field)


_REGISTRY: dict[tuple[str, str, str], PrivateFile] = {}


def register_private(
    model: type[models.Model],
    field: str,
    can_view: CanView,
    *,
    content_type_field: str = "",
    filename_stem: str = "",
) -> PrivateFile:
    """Declare `model.field` a private file seen only by users for whom `can_view` is true."""
    model._meta.get_field(field)  # fails loudly on a typo, at start-up
    entry = PrivateFile(model, field, can_view, content_type_field, filename_stem)
    _REGISTRY[entry.key] = entry
    return entry


def lookup(app_label: str, model_name: str, field: str) -> PrivateFile | None:
    return _REGISTRY.get((app_label, model_name, field))


def registered() -> list[PrivateFile]:
    return list(_REGISTRY.values())


def for_model(model: type[models.Model], field: str) -> PrivateFile | None:
    meta = model._meta
    return _REGISTRY.get((meta.app_label, meta.model_name or "", field))


def private_url(obj: models.Model, field: str) -> str:
    """The tenant-relative URL of `obj.field` (a private file), or "" when it holds no file."""
    entry = for_model(type(obj), field)
    if entry is None:
        raise LookupError(f"{type(obj).__name__}.{field} is not a registered private file")
    if not getattr(obj, field):
        return ""
    meta = obj._meta
    # Private files are served on tenant hosts only: reverse against the tenant URLconf, not the
    # thread's current one (outside a request it can still be the platform's, config.urls_public,
    # left by the last request this thread served there).
    args = [meta.app_label, meta.model_name, str(obj.pk), field]
    return reverse("files:private", args=args, urlconf=settings.ROOT_URLCONF)
