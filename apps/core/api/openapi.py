"""How the OpenAPI document tells the truth about errors, once for every operation.

drf-spectacular documents what a view returns when it succeeds. Everything else a client can
meet comes from layers every view shares, so it is derived here from the view's own
configuration instead of being repeated on each view:

- 400 malformed body or parameters, 422 rejected by validation or by the service
  (apps.core.api.errors maps both into the one error body);
- 401/403 when the view needs credentials (an invalid token is refused even where anonymous
  access is allowed, because DRF authenticates before it checks permissions);
- 404 for a path object that does not exist (or is not yours), for a page past the end and
  for a `format` no renderer serves;
- 409 when a write meets a state that forbids it (apps.core.errors.Conflict);
- 415 for a body in a media type the view does not parse;
- 429 from the throttles, 503 when a dependency is down (apps.core.unavailable);
- 423 on tenant hosts while the tenant is being archived (apps.tenancy.middleware), added by
  the postprocessing hook in `apps.core.api.openapi_hooks`, which knows the site.

Every one of them uses the single `Error` component (apps.core.api.schema.ErrorSerializer).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

from .schema import ErrorSerializer

DESCRIPTIONS = {
    "400": "Permintaan tidak bisa dibaca (JSON rusak, parameter salah bentuk)",
    "401": "Kredensial tidak ada, tidak valid atau kedaluwarsa",
    "403": "Tidak berwenang untuk operasi ini",
    "404": "Objek tidak ditemukan (atau bukan milik Anda), atau halaman di luar jangkauan",
    "409": "Bertentangan dengan keadaan data saat ini",
    "413": "Berkas terlalu besar",
    "415": "Jenis isi (Content-Type) tidak didukung",
    "422": "Data tidak valid atau ditolak oleh aturan bisnis",
    "423": "Wilayah sedang diarsipkan; coba lagi nanti",
    "429": "Terlalu banyak permintaan (lihat header Retry-After)",
    "503": "Layanan sementara tidak tersedia (lihat header Retry-After)",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error_response(code: str, ref: dict[str, str]) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the error answers every operation can give."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        for code, response in responses.items():
            if code[0] in "45":
                # A view documented the status: its words stay, the body is the one error format
                # (apps.core.api.errors renders every error; none sets its own body).
                response["content"] = {"application/json": {"schema": ref}}
                response["description"] = response.get("description") or DESCRIPTIONS.get(code, "")
        for code in self.error_codes():
            responses.setdefault(code, error_response(code, ref))
        return responses

    def error_codes(self) -> list[str]:
        codes = ["503"]
        parameters = self._get_parameters()
        has_body = self.method in ("POST", "PUT", "PATCH")
        if has_body or parameters:
            codes += ["400", "422"]
        if self.view.get_authenticators():
            codes.append("401")
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        paginated = self.method == "GET" and self._is_list_view() and getattr(self.view, "pagination_class", None)
        # DRF answers a `format` it has no renderer for with 404, before the view runs.
        has_format = any(parameter["in"] == "query" and parameter["name"] == "format" for parameter in parameters)
        if paginated or has_format or any(parameter["in"] == "path" for parameter in parameters):
            codes.append("404")
        if self.method in WRITE_METHODS:
            codes += ["404", "409", "422"]
        if has_body:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return sorted(set(codes))
