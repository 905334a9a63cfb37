"""One error format for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import DomainError

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, str(exc.message), exc.details), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body("validation_failed", _("Data tidak valid."), details),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, DataError):
        # The database refused a value (a number past its column's range, say) that no check
        # before it caught: the input was bad, the services' atomic blocks wrote nothing.
        logger.warning("DataError answered as 422: %s", exc)
        return Response(
            error_body("out_of_range", _("Ada nilai di luar jangkauan yang bisa disimpan.")),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("validation_failed", _("Data tidak valid."), response.data)
    elif isinstance(exc, exceptions.APIException):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = error_body(str(getattr(exc.detail, "code", exc.default_code)), str(detail))
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404 of both sites: a URL under /api/ that matches no route (an id that is not a
    number, say) answers in the API's JSON error format, as documented; pages keep 404.html."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Tidak ditemukan.")), status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
