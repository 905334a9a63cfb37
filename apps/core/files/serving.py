"""Sending a stored file to the browser, on local disk or S3, with or without a fronting server.

`KOTAKITA_FILE_ACCEL` decides how local files leave:
- "" (default): Django streams them (FileResponse);
- "nginx": an empty response with `X-Accel-Redirect: <KOTAKITA_FILE_ACCEL_PREFIX><kind>/<schema>/<name>`
  that nginx resolves in an `internal` location (aliased to MEDIA_ROOT/), so the web server
  sends the bytes only after Django has said yes;
- "sendfile": `X-Sendfile: <absolute path>` (Apache mod_xsendfile, lighttpd).
On S3, public files are a redirect to a short-lived presigned URL; private files are streamed
through Django, so a KTP scan never gets a shareable bucket link and the bucket may stay internal.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect

from .storages import PRIVATE, PUBLIC, TenantFileSystemStorage, TenantS3Storage, storage_kind

ACCEL_MODES = ("", "nginx", "sendfile")


def accel_mode() -> str:
    return str(getattr(settings, "KOTAKITA_FILE_ACCEL", "") or "").strip().lower()


def _headers(response: HttpResponseBase, kind: str, content_type: str, filename: str) -> HttpResponseBase:
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    # Uploads are sniffed to images or PDF; still, none may ever act as a page. (No CSP on PDFs:
    # browsers' built-in viewers refuse to open a PDF under `default-src 'none'`/`sandbox`.)
    if content_type != "application/pdf":
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    if filename:
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "public, max-age=86400" if kind == PUBLIC else "private, no-store"
    if kind == PRIVATE:
        response["Vary"] = "Cookie, Authorization"
    return response


def serve_stored(storage: Storage, name: str, *, content_type: str = "", filename: str = "") -> HttpResponseBase:
    """Send `name` from `storage` (the current tenant's prefix only); 404 if it is not there."""
    kind = storage_kind(storage)
    if kind not in (PUBLIC, PRIVATE) or not name:
        raise Http404
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        if not storage.exists(name):
            raise Http404
        if isinstance(storage, TenantS3Storage):
            if kind == PUBLIC:
                url = storage.presigned_url(name, filename=filename, content_type=content_type)
                response: HttpResponseBase = HttpResponseRedirect(url)
                response["Cache-Control"] = "no-store"
                return response
            return _headers(FileResponse(storage.open(name, "rb")), kind, content_type, filename)
        if isinstance(storage, TenantFileSystemStorage):
            mode = accel_mode()
            if mode == "nginx":
                prefix = str(getattr(settings, "KOTAKITA_FILE_ACCEL_PREFIX", "") or "/_berkas/")
                response = HttpResponse()
                response["X-Accel-Redirect"] = quote(f"{prefix.rstrip('/')}/{kind}/{storage.key(name)}")
                return _headers(response, kind, content_type, filename)
            if mode == "sendfile":
                response = HttpResponse()
                response["X-Sendfile"] = storage.path(name)
                return _headers(response, kind, content_type, filename)
            return _headers(FileResponse(storage.open(name, "rb")), kind, content_type, filename)
    except (SuspiciousFileOperation, FileNotFoundError, IsADirectoryError, NotADirectoryError, ValueError):
        raise Http404 from None
    raise Http404


def serve_field(field_file: FieldFile, *, content_type: str = "", filename: str = "") -> HttpResponseBase:
    """Send a model's file through its own storage (public or private)."""
    if not field_file or not field_file.name:
        raise Http404
    name = str(field_file.name)
    if not filename:
        filename = PurePosixPath(name).name
    return serve_stored(field_file.storage, name, content_type=content_type, filename=filename)
