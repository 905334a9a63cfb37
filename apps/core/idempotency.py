"""One `Idempotency-Key` mechanism for every POST that creates money or records.

Semantics (the same on every endpoint that uses it, documented in the OpenAPI schema):

- The client sends an `Idempotency-Key` header (1–200 printable ASCII characters). Keys
  belong to the caller (a signed-in user, or an Open311 api_key), not to one endpoint.
- Same key + same request (method, path and body) → the first answer is replayed: the same
  status and body, with `Idempotency-Replayed: true`; nothing is created again.
- Same key + another request → 409 `idempotency_key_reused`; nothing is changed.
- A request that fails (any error answer) leaves no record: the key can be used again.
- Keys belong to the tenant too: the records are one public table keyed by schema
  (apps.idempotency), and a tenant only ever reads, replays or changes its own schema's, so the
  same key (even the same owner, `user:7` in two kelurahan) on another tenant is another key.
- A key is remembered for `RETENTION` (7 days, like the retry windows of payment gateways);
  `prune_records` (run every 5 minutes by the public beat `jobs.repair_everywhere`, one DELETE
  for every tenant) forgets older ones.

How: the record row and the operation's writes are one transaction. The row is inserted first;
a concurrent request with the same key blocks on the unique index (schema, owner, key) until the
first transaction ends — then it sees the committed record and replays it, or, if the first one
rolled back, it goes ahead itself. So ten identical concurrent POSTs make one charge, with no
check-then-insert race. Operations that already keep their own key (transfers, payments) keep
it; this layer only adds the replay of the first answer.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from apps.core.errors import Conflict, ValidationFailed
from apps.idempotency import services as idempotency_records
from apps.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
MAX_KEY_LENGTH = 200
RETENTION = timedelta(days=7)

OPENAPI_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Kunci idempotensi (1–200 karakter ASCII). Kunci yang sama dengan isi yang sama mengulang jawaban "
        "pertama (status dan isi sama, header Idempotency-Replayed: true) tanpa membuat data lagi; kunci yang "
        "sama dengan isi lain ditolak 409 (idempotency_key_reused)."
    ),
)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool


def clean_key(raw: str | None) -> str | None:
    """The key from a header value; None when there is none. Malformed keys are a 422."""
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            _("Idempotency-Key harus 1–%(n)d karakter ASCII yang dapat dicetak.") % {"n": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
            field=HEADER,
        )
    return key


def _canonical(value: Any) -> Any:
    """A JSON-able form of a request body that does not depend on key order or on how a
    form spelled it; uploaded files count by name, size and content hash."""
    if isinstance(value, QueryDict):
        return {key: [_canonical(v) for v in value.getlist(key)] for key in sorted(value.keys())}
    if isinstance(value, Mapping):
        return {str(key): _canonical(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def fingerprint(method: str, path: str, *bodies: Any) -> str:
    canonical = json.dumps(
        [method.upper(), path, [_canonical(b) for b in bodies]], sort_keys=True, ensure_ascii=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_once(
    *, owner: str, key: str | None, scope: str, request_fingerprint: str, action: Callable[[], tuple[int, Any]]
) -> Outcome:
    """Run `action` (which returns status and a JSON-able body) once per (owner, key).

    Without a key the action simply runs. An action that raises, or answers outside 2xx,
    leaves no record (its transaction rolls back), so the client may retry with the same key."""
    if key is None:
        status, body = action()
        return Outcome(status, body, replayed=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner[:100], key=key, scope=scope[:100], fingerprint=request_fingerprint, status_code=0
                )
        except IntegrityError:
            # The first request with this key committed while we waited on the unique index.
            first = IdempotencyRecord.objects.get(owner=owner[:100], key=key)
            if first.fingerprint != request_fingerprint:
                raise Conflict(
                    _(
                        "Idempotency-Key ini sudah dipakai untuk permintaan lain. "
                        "Pakai kunci baru untuk permintaan yang berbeda."
                    ),
                    code="idempotency_key_reused",
                ) from None
            return Outcome(first.status_code, json.loads(first.body) if first.body else None, replayed=True)
        status, body = action()
        if not 200 <= status < 300:
            record.delete()
            return Outcome(status, body, replayed=False)
        record.status_code = status
        record.body = json.dumps(body, cls=JSONEncoder, ensure_ascii=False)
        record.save(update_fields=["status_code", "body"])
        return Outcome(status, body, replayed=False)


def run_form_once(*, user: Any, form_key: str | None, scope: str, action: Callable[[], tuple[int, Any]]) -> Outcome:
    """`run_once` for a creating HTML form: the form carries a random hidden `idempotency_key`,
    so a double tap or a browser resubmit creates one record and the second answer replays the
    first (the view redirects to what was made). Keys live beside the API's under a `web:`
    prefix; without a key the action simply runs. Domain errors propagate to the view."""
    key = "".join(ch for ch in (form_key or "") if ch.isascii() and ch.isprintable()).strip()[:100]
    return run_once(
        owner=f"user:{user.pk}",
        key=f"web:{key}" if key else None,
        scope=scope,
        request_fingerprint=f"{scope}:{key}",
        action=action,
    )


def prune_records(retention: timedelta = RETENTION) -> int:
    """Forget the keys of every tenant (and the platform) older than `retention`, in one indexed
    DELETE on the public table; returns how many were removed."""
    return idempotency_records.forget_older_than(timezone.now() - retention)


Handler = TypeVar("Handler", bound=Callable[..., Response])


def idempotent(scope: str) -> Callable[[Handler], Handler]:
    """Decorate a DRF handler (`create`, `post` or a POST action) that answers a `Response`.

    Keys belong to the signed-in user; the handler runs after DRF's authentication and
    permission checks, so an anonymous caller never gets here with a key that matters."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = clean_key(request.headers.get(HEADER))
            if key is None or not request.user.is_authenticated:
                return handler(view, request, *args, **kwargs)
            first: list[Response] = []

            def action() -> tuple[int, Any]:
                response = handler(view, request, *args, **kwargs)
                first.append(response)
                return response.status_code, response.data

            outcome = run_once(
                owner=f"user:{request.user.pk}",
                key=key,
                scope=scope,
                request_fingerprint=fingerprint(request.method or "POST", request.path, request.data),
                action=action,
            )
            if first:
                return first[0]
            response = Response(outcome.body, status=outcome.status)
            response[REPLAYED_HEADER] = "true"
            return response

        return wrapped  # type: ignore[return-value]

    return decorate
