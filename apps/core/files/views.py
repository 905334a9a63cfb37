"""The only ways a stored file leaves KotaKita: both run in the request tenant's schema."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from .registry import for_model, lookup, registered
from .serving import serve_field, serve_stored
from .storages import public_storage


@require_GET
def public_file(request: HttpRequest, name: str) -> HttpResponseBase:
    """A public file of THIS tenant (shop, product, report photos): the name is resolved under
    the current schema's prefix, so another tenant's file is simply not there (404)."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(part in ("..", ".") for part in parts) or "\\" in name:
        raise Http404
    return serve_stored(public_storage(), name)


@require_GET
def private_file(request: HttpRequest, app_label: str, model_name: str, pk: str, field: str) -> HttpResponseBase:
    """A private file, for users its app's registered rule allows; 404 for everyone else."""
    entry = lookup(app_label, model_name, field)
    if entry is None:
        raise Http404
    try:
        key = entry.model._meta.pk.to_python(pk)
        obj = entry.model._default_manager.filter(pk=key).first()
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None
    if obj is None:
        raise Http404
    return serve_registered(request, obj, field)


@require_GET
def private_file_by_name(request: HttpRequest, name: str) -> HttpResponseBase:
    """`.url` of a private file: the registered object that holds `name` in this schema, under
    the same rule; 404 for anyone else or any name no object holds."""
    for entry in registered():
        obj = entry.model._default_manager.filter(**{entry.field: name}).first()
        if obj is not None:
            return serve_registered(request, obj, entry.field)
    raise Http404


def serve_registered(request: HttpRequest, obj: Model, field: str) -> HttpResponseBase:
    """Send `obj.field` (a registered private file) if its rule allows this user; else 404.
    Apps' own older file routes call this, so every private file goes through one gate."""
    entry = for_model(type(obj), field)
    if entry is None or not entry.can_view(request.user, obj):
        raise Http404
    field_file = getattr(obj, field)
    content_type = str(getattr(obj, entry.content_type_field, "") or "") if entry.content_type_field else ""
    filename = ""
    if entry.filename_stem and field_file:
        suffix = PurePosixPath(str(field_file.name)).suffix
        filename = f"{entry.filename_stem}-{obj.pk}{suffix}"
    return serve_field(field_file, content_type=content_type, filename=filename)
