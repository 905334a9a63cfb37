"""Refuse malformed input before any view sees it, and clean the text of form posts.

One middleware, placed right after LocaleMiddleware (so its messages follow the visitor's
language), answers:

- 400 when a NUL byte is anywhere in the path, the query string, a header or a form field
  (PostgreSQL cannot store NUL in text, and no honest client sends one);
- 413 when the declared body is larger than allowed: `DATA_UPLOAD_MAX_MEMORY_SIZE` for
  everything but multipart, `KOTAKITA_MAX_REQUEST_BYTES` for multipart (files included);
- 400 for a multipart body that cannot be parsed (broken boundary, truncated) and for too
  many fields.

Then request.GET and (for form posts) request.POST are replaced by copies passed through
`apps.core.text.clean_text`, so every reader of them (HTML forms, Open311, DRF on multipart
posts) gets text without the control characters XML 1.0 forbids. JSON and the form bodies DRF
parses itself (PUT/PATCH, url-encoded) are cleaned by `apps.core.api.parsers`.

API paths (/api/, *.json, or Accept: application/json) answer with the usual JSON error body,
other paths with a short plain Bahasa Indonesia page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape
from django.utils.translation import gettext as _

from apps.core.api.errors import error_body
from apps.core.text import clean_text

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

logger = logging.getLogger(__name__)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_MAX_REQUEST_BYTES = 30 * 1024 * 1024


class InputRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _nul() -> InputRefused:
    return InputRefused(400, "nul_byte", _("Permintaan berisi karakter NUL yang tidak diizinkan."))


def _too_large() -> InputRefused:
    return InputRefused(413, "request_too_large", _("Data yang dikirim terlalu besar."))


def _malformed() -> InputRefused:
    return InputRefused(400, "malformed_request", _("Isi permintaan rusak atau tidak lengkap."))


def max_request_bytes() -> int:
    return int(getattr(settings, "KOTAKITA_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info
    return (
        path.startswith("/api/")
        or path.endswith(".json")  # Open311's JSON format
        or "application/json" in request.headers.get("Accept", "")
    )


def refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """The 4xx answer: the API's JSON error body, or a plain Bahasa Indonesia page."""
    if wants_json(request):
        return HttpResponse(
            json.dumps(error_body(code, message)), status=status, content_type="application/json; charset=utf-8"
        )
    title = escape(_("Permintaan ditolak"))
    page = (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{escape(message)}</p></body></html>"
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def _check_query_dict(data: QueryDict) -> _ImmutableQueryDict | None:
    """Raise on NUL; a cleaned immutable copy when some value or key changes, else None."""
    changed = False
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        if "\x00" in key or any("\x00" in value for value in values if isinstance(value, str)):
            raise _nul()
        new_key = clean_text(key)
        new_values = [clean_text(v) if isinstance(v, str) else v for v in values]
        changed = changed or new_key != key or new_values != values
        cleaned.setlist(new_key, new_values)
    if not changed:
        return None
    cleaned._mutable = False
    return cast("_ImmutableQueryDict", cleaned)


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def guard(request: HttpRequest) -> None:
    """Check (and clean) one request in place; raise InputRefused."""
    if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
        raise _nul()
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            raise _nul()
    content_type = request.content_type or ""
    limit = max_request_bytes() if content_type == "multipart/form-data" else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and _content_length(request) > limit:
        raise _too_large()
    cleaned_get = _check_query_dict(request.GET)
    if cleaned_get is not None:
        request.GET = cleaned_get
    if request.method != "POST" or content_type not in FORM_TYPES:
        return
    try:
        post = request.POST
        files = request.FILES
    except RequestDataTooBig:
        raise _too_large() from None
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError, ValueError):
        raise _malformed() from None
    if any("\x00" in (getattr(upload, "name", None) or "") for upload in files.values()):
        raise _nul()
    cleaned_post = _check_query_dict(post)
    if cleaned_post is not None:
        request._post = cleaned_post  # type: ignore[attr-defined]


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            guard(request)
        except InputRefused as refused:
            return refusal(request, refused.status, refused.code, refused.message)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A value the database refused (DataError: a number past its column's range) that no
        check caught is bad input, not a server fault: 422 (the API's handler does the same)."""
        if isinstance(exception, DataError):
            logger.warning("DataError answered as 422: %s", exception)
            return refusal(request, 422, "out_of_range", _("Ada nilai di luar jangkauan yang bisa disimpan."))
        return None
