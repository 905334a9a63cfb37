"""OSS (Online Single Submission) adapter: look up an NIB, or register a micro business for one.

Two implementations behind one interface (`OssClient`):
- `HttpOssClient` speaks JSON to `OssConfig.endpoint_url` (an OSS gateway or the integrator's
  proxy): `GET {base}/nib/{nib}` and `POST {base}/nib`, bearer token. 404 → not found,
  400/422 → validation errors (`{"errors": {field: message}}`), 5xx, timeouts and unreadable
  answers → unavailable (try again later).
- `SandboxOssClient` behaves like that API without the network: it validates like OSS
  (13-digit NIB; NIK, KBLI, capital, location), answers not-found for unknown NIBs, issues one
  NIB per NIK (a second business adds its KBLI to the same NIB, as OSS does for individuals),
  and fails with a timeout when `OssConfig.simulate_failure` is on.

Callers never log the application: it carries the NIK.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

from apps.core import nik
from apps.sandbox import selectors as sandbox_rows
from apps.sandbox import services as sandbox_book
from apps.sandbox.models import SandboxNib
from apps.sandbox.services import SandboxUnavailable

from . import kbli
from .models import MICRO_CAPITAL_MAX, NIK_KEY, OssConfig

NIB_RE = re.compile(r"^\d{13}$")


@dataclass(frozen=True)
class NibRecord:
    nib: str
    business_name: str
    kbli_codes: tuple[str, ...]
    status: str
    issued_on: date | None


@dataclass(frozen=True)
class NibApplication:
    nik: str
    owner_name: str
    business_name: str
    kbli_code: str
    address: str
    lat: Decimal | None
    lng: Decimal | None
    capital: int
    workers: int
    products: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["lat"] = float(self.lat) if self.lat is not None else None
        data["lng"] = float(self.lng) if self.lng is not None else None
        return data


class OssError(Exception):
    pass


class OssValidationError(OssError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class OssNotFound(OssError):
    pass


class OssUnavailable(OssError):
    pass


class OssClient(Protocol):
    def lookup_nib(self, nib: str) -> NibRecord:
        """The NIB's record, or raise OssValidationError / OssNotFound / OssUnavailable."""

    def register(self, application: NibApplication) -> NibRecord:
        """Register the business and return its NIB record (same errors)."""


def check_nib_format(value: str) -> str:
    clean = (value or "").strip()
    if not NIB_RE.match(clean):
        raise OssValidationError({"nib": "NIB harus 13 digit angka."})
    return clean


# --- sandbox ------------------------------------------------------------------------------


class SandboxOssClient:
    def __init__(self, config: OssConfig | None = None) -> None:
        self.config = config

    def _maybe_time_out(self) -> None:
        if not sandbox_book.allowed():  # production: the sandbox is never an answer
            raise OssUnavailable("sandbox OSS is off on this site: configure the OSS HTTP API")
        if self.config is not None and self.config.simulate_failure:
            raise OssUnavailable("sandbox OSS: request timed out (simulated)")

    @staticmethod
    def _record(row: SandboxNib) -> NibRecord:
        return NibRecord(row.nib, row.business_name, tuple(row.kbli_codes), row.status, row.issued_on)

    def lookup_nib(self, nib: str) -> NibRecord:
        self._maybe_time_out()
        clean = check_nib_format(nib)
        try:
            row = sandbox_rows.nib(clean)
        except SandboxUnavailable as exc:
            raise OssUnavailable(str(exc)) from exc
        if row is None:
            raise OssNotFound(clean)
        return self._record(row)

    def register(self, application: NibApplication) -> NibRecord:
        self._maybe_time_out()
        errors: dict[str, str] = {}
        try:
            nik.parse_nik(application.nik)
        except nik.InvalidNumber:
            errors["nik"] = "NIK tidak valid."
        try:
            kbli.get(application.kbli_code)
        except (kbli.InvalidKbli, kbli.UnknownKbli):
            errors["kbli"] = "KBLI tidak dikenal."
        if not application.business_name.strip():
            errors["business_name"] = "Nama usaha wajib diisi."
        if not 0 <= application.capital <= MICRO_CAPITAL_MAX:
            errors["capital"] = "Modal di luar batas usaha mikro."
        if application.lat is None or application.lng is None:
            errors["location"] = "Koordinat lokasi usaha wajib diisi."
        if errors:
            raise OssValidationError(errors)
        value = nik.normalize(application.nik)
        digest = NIK_KEY.digest(value)
        try:
            with transaction.atomic():
                row = sandbox_rows.nib_of_owner(NIK_KEY.digests(value), lock=True)
                if row is None:
                    row = sandbox_book.issue_nib(
                        nib=self._new_nib(),
                        nik_digest=digest,
                        business_name=application.business_name.strip(),
                        kbli_codes=[application.kbli_code],
                    )
                else:
                    sandbox_book.add_kbli(row, application.kbli_code)
        except SandboxUnavailable as exc:
            raise OssUnavailable(str(exc)) from exc
        return self._record(row)

    @staticmethod
    def _new_nib() -> str:
        while True:
            candidate = "9" + "".join(secrets.choice("0123456789") for _ in range(12))
            if not sandbox_rows.nib_taken(candidate):
                return candidate


# --- HTTP ---------------------------------------------------------------------------------


class HttpOssClient:
    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def lookup_nib(self, nib: str) -> NibRecord:
        clean = check_nib_format(nib)
        return self._parse(self._call("GET", f"/nib/{clean}", None), clean)

    def register(self, application: NibApplication) -> NibRecord:
        return self._parse(self._call("POST", "/nib", application.as_json()), "")

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - operator-configured URL
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise OssNotFound(path.rsplit("/", 1)[-1]) from exc
            if exc.code in (400, 422):
                raise OssValidationError(self._errors(exc)) from exc
            raise OssUnavailable(f"OSS answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise OssUnavailable(f"OSS unreachable: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise OssUnavailable("OSS answered with invalid JSON") from exc
        if not isinstance(payload, dict):
            raise OssUnavailable("OSS answered with an unexpected shape")
        return payload

    @staticmethod
    def _errors(exc: urllib.error.HTTPError) -> dict[str, str]:
        try:
            body = json.loads(exc.read() or b"{}")
        except (ValueError, OSError):
            body = {}
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, dict) and errors:
            return {str(k): str(v) for k, v in errors.items()}
        return {"request": "OSS menolak permintaan."}

    @staticmethod
    def _parse(payload: dict[str, Any], expected_nib: str) -> NibRecord:
        try:
            number = str(payload["nib"])
            codes = tuple(str(code) for code in payload.get("kbli", []))
            issued = payload.get("tanggal_terbit")
            record = NibRecord(
                nib=number,
                business_name=str(payload.get("nama_usaha", "")),
                kbli_codes=codes,
                status=str(payload.get("status", "aktif")),
                issued_on=date.fromisoformat(issued) if issued else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise OssUnavailable("OSS answered with an unexpected shape") from exc
        if not NIB_RE.match(record.nib) or (expected_nib and record.nib != expected_nib):
            raise OssUnavailable("OSS answered with a different NIB")
        return record


def client() -> OssClient:
    config = OssConfig.objects.order_by("pk").first()
    if config is not None and config.mode == OssConfig.Mode.HTTP and config.endpoint_url:
        return HttpOssClient(config.endpoint_url, config.api_token, config.timeout_seconds)
    return SandboxOssClient(config)
