"""The anonymous gateway-notification door: what it accepts before any signature is checked.

Anyone on the internet can POST there, so nothing an unsigned body says is stored: the body is
capped (`MAX_NOTIFICATION_BYTES`, 413 above it), and a refused unsigned or forged body leaves
only a log line with its digest (`log_refused`). Only a body signed with our server key is kept
(as a `GatewayNotification` row, by `services.receive_notification`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from apps.core.errors import DomainError

logger = logging.getLogger("apps.payments.notifications")

# A Midtrans notification is ~1-2 KB; 64 KB leaves room for long refund lists and nothing more.
MAX_NOTIFICATION_BYTES = 64 * 1024
THROTTLE_SCOPE = "gateway_notification"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        _("Notifikasi terlalu besar (maksimal %(size)s KB).") % {"size": MAX_NOTIFICATION_BYTES // 1024}
    )


def digest(body: Any, raw: bytes | None) -> tuple[str, int]:
    """sha256 hex and length of what was received (the raw bytes when we have them)."""
    if raw is None:
        try:
            raw = json.dumps(body, sort_keys=True, default=repr).encode()
        except (TypeError, ValueError):
            raw = repr(body).encode()
    return hashlib.sha256(raw).hexdigest(), len(raw)


def log_refused(body: Any, raw: bytes | None, remote_addr: str | None, exc: DomainError) -> None:
    """One line per refused unsigned/forged notification: enough to trace it, never its body."""
    sha, size = digest(body, raw)
    order_id = body.get("order_id") if isinstance(body, dict) else None
    logger.warning(
        "gateway notification refused (%s): sha256=%s bytes=%d from=%s order_id=%s",
        exc.code,
        sha,
        size,
        remote_addr or "-",
        str(order_id)[:50] if isinstance(order_id, str | int) else "-",
    )


def request_too_large(request: Request) -> bool:
    """Decided on the declared length, before a byte of the body is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > MAX_NOTIFICATION_BYTES
