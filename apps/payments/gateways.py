"""Payment gateway adapters: one small interface, a Midtrans-compatible HTTP client and a sandbox.

    class Gateway(Protocol):
        name: str
        server_key: str
        def create_charge(self, charge: ChargeRequest) -> GatewayStatus   # QRIS charge, returns qr_string
        def check_status(self, order_id: str) -> GatewayStatus
        def cancel(self, order_id: str) -> GatewayStatus
        def refund(self, order_id: str, amount: int, *, refund_key: str, reason: str) -> GatewayStatus

`get_gateway()` returns the configured one (settings.PAYMENTS_GATEWAY: "midtrans" or
"sandbox"; local/test settings default to the sandbox, production has no default). The
sandbox is only handed out where it is allowed (`sandbox_permitted`: DEBUG, or a declared
staging site with PAYMENTS_ALLOW_SANDBOX), so a misconfigured production fails closed even when
no system check ran. Notifications of either are signed the Midtrans way and checked with
`verify_signature` (see `signature_key`).

* `MidtransGateway` speaks the Midtrans Core API over HTTP (urllib, no extra dependency):
  POST {base}/v2/charge with payment_type "qris", GET {base}/v2/{order_id}/status,
  POST {base}/v2/{order_id}/cancel, POST {base}/v2/{order_id}/refund; HTTP Basic auth with the
  server key; `X-Override-Notification` points Midtrans at the tenant's own notification URL.
  Status answers that carry a signature_key are checked like notifications.
  Settings: MIDTRANS_SERVER_KEY, MIDTRANS_CLIENT_KEY, MIDTRANS_IS_PRODUCTION (picks the base
  URL), MIDTRANS_BASE_URL (overrides it).
* `SandboxGateway` is a local stand-in used by the demo and the tests: it keeps its own book
  (`apps.sandbox.models.SandboxTransaction`), renders the charge as a dynamic QRIS with our codec, and its "bank
  app" page (`/dompet/sandbox/`) pays a QRIS charge and then sends the notification signed
  exactly like Midtrans to our endpoint (in-process by default, or over HTTP to the same site
  with settings.PAYMENTS_SANDBOX_NOTIFY_HTTP). Server key: settings.PAYMENTS_SANDBOX_SERVER_KEY;
  the public development key below only under DEBUG (`sandbox_server_key`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import Role
from apps.core.errors import Conflict, DomainError, NotFound
from apps.sandbox import selectors as sandbox_rows
from apps.sandbox import services as sandbox_book
from apps.sandbox.models import SandboxTransaction
from apps.sandbox.services import SandboxUnavailable

from . import qris
from .models import ChargeStatus

logger = logging.getLogger(__name__)

# Public (it is in the source): it signs play money on a developer's machine and nothing else.
DEFAULT_SANDBOX_SERVER_KEY = "SB-KotaKita-sandbox-server-key"
DEFAULT_MIDTRANS_BASE_URL = "https://api.sandbox.midtrans.com"
MIDTRANS_PRODUCTION_BASE_URL = "https://api.midtrans.com"
GATEWAYS = ("midtrans", "sandbox")
NOTIFICATION_PATH = "/api/v1/payments/gateway/notifications/"


class GatewayError(DomainError):
    """The gateway could not be reached or refused the call; nothing was changed on our side."""

    status_code = 503
    code = "gateway_unavailable"


@dataclass(frozen=True)
class ChargeRequest:
    order_id: str
    gross_amount: int
    merchant: qris.Merchant
    description: str = ""
    notification_url: str = ""


@dataclass(frozen=True)
class GatewayStatus:
    order_id: str
    transaction_status: str
    gross_amount: int
    status_code: str = ""
    transaction_id: str = ""
    fraud_status: str = ""
    qr_string: str = ""
    refunded_amount: int = 0
    # Midtrans `actions[name=deeplink-redirect].url` (GoPay/ShopeePay, and the sandbox's own
    # simulator): opens the payer's app on this phone. "" when the gateway gave none.
    deeplink_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class Gateway(Protocol):
    name: str
    server_key: str

    def create_charge(self, charge: ChargeRequest) -> GatewayStatus: ...

    def check_status(self, order_id: str) -> GatewayStatus: ...

    def cancel(self, order_id: str) -> GatewayStatus: ...

    def refund(self, order_id: str, amount: int, *, refund_key: str, reason: str) -> GatewayStatus: ...


# --- signatures ---------------------------------------------------------------------------


def format_gross_amount(amount: int) -> str:
    """Midtrans writes amounts as "145000.00"."""
    return f"{amount}.00"


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """sha512_hex(order_id + status_code + gross_amount + server_key), gross_amount as sent."""
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def verify_signature(body: dict[str, Any], server_key: str) -> bool:
    expected = signature_key(
        str(body.get("order_id", "")),
        str(body.get("status_code", "")),
        str(body.get("gross_amount", "")),
        server_key,
    )
    given = body.get("signature_key")
    return isinstance(given, str) and hmac.compare_digest(given.lower(), expected)


def parse_amount(text: Any) -> int | None:
    """'145000.00' -> 145000; None when it is not a whole rupiah amount."""
    try:
        value = Decimal(str(text))
    except ArithmeticError:
        return None
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        return None
    return int(value)


def refunded_total(body: dict[str, Any], gross_amount: int) -> int:
    """Total refunded so far according to a refund/chargeback notification or status answer.

    Midtrans lists the refunds (`refunds[].refund_amount`) and/or gives `refund_amount`; a full
    `refund`/`chargeback` without either means the whole amount.
    """
    refunds = body.get("refunds")
    if isinstance(refunds, list) and refunds:
        total = 0
        for item in refunds:
            amount = parse_amount(item.get("refund_amount")) if isinstance(item, dict) else None
            total += amount or 0
        return total
    amount = parse_amount(body.get("refund_amount")) if body.get("refund_amount") is not None else None
    if amount is not None:
        return amount
    if body.get("transaction_status") in (ChargeStatus.REFUND, ChargeStatus.CHARGEBACK):
        return gross_amount
    return 0


_UNSAFE_SCHEMES = ("javascript", "data", "vbscript", "file", "blob")


def deeplink_of(body: dict[str, Any]) -> str:
    """The `deeplink-redirect` action's URL of a charge answer, if it is one a link may carry
    (an app scheme like gojek:// or http(s)://; never javascript:/data:)."""
    actions = body.get("actions")
    if not isinstance(actions, list):
        return ""
    for action in actions:
        if isinstance(action, dict) and action.get("name") == "deeplink-redirect":
            url = str(action.get("url") or "").strip()
            scheme, sep, _rest = url.partition("://")
            if sep and scheme and scheme.lower() not in _UNSAFE_SCHEMES and len(url) <= 500 and scheme.isascii():
                return url
    return ""


def _status_from_body(body: dict[str, Any], fallback_order_id: str = "") -> GatewayStatus:
    gross = parse_amount(body.get("gross_amount")) or 0
    return GatewayStatus(
        order_id=str(body.get("order_id") or fallback_order_id),
        transaction_status=str(body.get("transaction_status") or ""),
        gross_amount=gross,
        status_code=str(body.get("status_code") or ""),
        transaction_id=str(body.get("transaction_id") or ""),
        fraud_status=str(body.get("fraud_status") or ""),
        qr_string=str(body.get("qr_string") or ""),
        refunded_amount=refunded_total(body, gross),
        deeplink_url=deeplink_of(body),
        raw=body,
    )


# --- Midtrans over HTTP -------------------------------------------------------------------


class MidtransGateway:
    name = "midtrans"

    def __init__(self, base_url: str, server_key: str, *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.server_key = server_key
        self.timeout = timeout

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        if not url.startswith(("https://", "http://")):
            raise GatewayError(_("Alamat gateway tidak valid."))
        token = base64.b64encode(f"{self.server_key}:".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "Authorization": f"Basic {token}",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            try:
                payload = json.loads(exc.read().decode() or "{}")
            except ValueError:
                payload = {}
            logger.warning("midtrans %s %s: HTTP %s %s", method, path, exc.code, payload)
            raise GatewayError(
                _("Gateway menolak permintaan (HTTP %(status)s).") % {"status": exc.code}, http_status=exc.code
            ) from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            logger.warning("midtrans %s %s failed: %s", method, path, exc)
            raise GatewayError(_("Gateway pembayaran tidak bisa dihubungi.")) from exc
        if not isinstance(payload, dict):
            raise GatewayError(_("Jawaban gateway tidak bisa dibaca."))
        # Midtrans answers some errors with HTTP 200 and a status_code in the body.
        code = str(payload.get("status_code", "200"))
        if code.startswith(("4", "5")) and code != "407":  # 407 = expired, still a status answer
            raise GatewayError(
                _("Gateway menolak permintaan: %(message)s") % {"message": payload.get("status_message", code)},
                gateway_status_code=code,
            )
        return payload

    def create_charge(self, charge: ChargeRequest) -> GatewayStatus:
        headers = {"X-Override-Notification": charge.notification_url} if charge.notification_url else {}
        body = {
            "payment_type": "qris",
            "transaction_details": {"order_id": charge.order_id, "gross_amount": charge.gross_amount},
            "item_details": [
                {
                    "id": charge.order_id,
                    "price": charge.gross_amount,
                    "quantity": 1,
                    "name": (charge.description or charge.merchant.name)[:50],
                }
            ],
            "qris": {"acquirer": "gopay"},
        }
        return _status_from_body(self._call("POST", "/v2/charge", body, headers), charge.order_id)

    def check_status(self, order_id: str) -> GatewayStatus:
        payload = self._call("GET", f"/v2/{urllib.parse.quote(order_id)}/status")
        # The answer is what money moves on: it must be about this order and, when Midtrans
        # signs it (it does for transactions it knows), signed with our server key.
        if str(payload.get("order_id") or order_id) != order_id:
            raise GatewayError(_("Jawaban gateway untuk order lain."))
        if "signature_key" in payload and not verify_signature({**payload, "order_id": order_id}, self.server_key):
            logger.warning("midtrans status of %s: signature_key does not match our server key", order_id[:50])
            raise GatewayError(_("Tanda tangan jawaban gateway tidak sah."))
        return _status_from_body(payload, order_id)

    def cancel(self, order_id: str) -> GatewayStatus:
        return _status_from_body(self._call("POST", f"/v2/{urllib.parse.quote(order_id)}/cancel"), order_id)

    def refund(self, order_id: str, amount: int, *, refund_key: str, reason: str) -> GatewayStatus:
        body = {"refund_key": refund_key[:50], "amount": amount, "reason": reason[:255]}
        return _status_from_body(self._call("POST", f"/v2/{urllib.parse.quote(order_id)}/refund", body), order_id)


# --- the local sandbox --------------------------------------------------------------------


def _sandbox_off() -> GatewayError:
    """Production (or no tenant): the sandbox answers like an unreachable gateway."""
    return GatewayError(_("Gateway sandbox tidak tersedia di situs ini."))


FINAL_SANDBOX = frozenset({ChargeStatus.EXPIRE, ChargeStatus.CANCEL, ChargeStatus.DENY})


class SandboxGateway:
    """A gateway that lives next to the tenant; its state is `apps.sandbox`'s `SandboxTransaction`
    (a public table, the current tenant's rows only), refused where the sandbox is off."""

    name = "sandbox"

    def __init__(self, server_key: str) -> None:
        self.server_key = server_key

    def _status(self, tx: SandboxTransaction, status_code: str | None = None, *, charge: bool = False) -> GatewayStatus:
        status = str(tx.status)
        code = status_code or ("201" if status == ChargeStatus.PENDING else "200")
        body = notification_body(tx, code, self.server_key)
        if charge:  # like Midtrans, only the charge answer carries the actions
            body["actions"] = sandbox_actions(tx.order_id)
        return _status_from_body(body, tx.order_id)

    @staticmethod
    def _find(order_id: str, *, lock: bool = False) -> SandboxTransaction | None:
        try:
            return sandbox_rows.transaction_for(order_id, lock=lock)
        except SandboxUnavailable as exc:
            raise _sandbox_off() from exc

    def _get(self, order_id: str) -> SandboxTransaction:
        tx = self._find(order_id)
        if tx is None:
            raise GatewayError(_("Transaksi %(order)s tidak ada di gateway.") % {"order": order_id}, http_status=404)
        return tx

    def create_charge(self, charge: ChargeRequest) -> GatewayStatus:
        payload = qris.generate_dynamic(charge.merchant, charge.gross_amount, charge.order_id, terminal_label="KKPAY")
        try:
            tx = sandbox_book.open_transaction(charge.order_id, gross_amount=charge.gross_amount, qr_string=payload)
        except SandboxUnavailable as exc:
            raise _sandbox_off() from exc
        return self._status(tx, charge=True)

    def check_status(self, order_id: str) -> GatewayStatus:
        return self._status(self._get(order_id))

    @transaction.atomic
    def cancel(self, order_id: str) -> GatewayStatus:
        tx = self._find(order_id, lock=True)
        if tx is None:
            raise GatewayError(_("Transaksi %(order)s tidak ada di gateway.") % {"order": order_id}, http_status=404)
        if tx.status == ChargeStatus.PENDING:
            sandbox_book.update_transaction(tx, status=ChargeStatus.CANCEL)
        return self._status(tx)

    @transaction.atomic
    def expire(self, order_id: str) -> GatewayStatus:
        """Midtrans' POST /v2/{order_id}/expire: a pending charge can no longer be paid (the
        sandbox's stand-in for the 15 minutes a QRIS code lives)."""
        tx = self._find(order_id, lock=True)
        if tx is None:
            raise GatewayError(_("Transaksi %(order)s tidak ada di gateway.") % {"order": order_id}, http_status=404)
        if tx.status == ChargeStatus.PENDING:
            sandbox_book.update_transaction(tx, status=ChargeStatus.EXPIRE)
        return self._status(tx, "407")

    @transaction.atomic
    def refund(self, order_id: str, amount: int, *, refund_key: str, reason: str) -> GatewayStatus:
        tx = self._find(order_id, lock=True)
        if tx is None:
            raise GatewayError(_("Transaksi %(order)s tidak ada di gateway.") % {"order": order_id}, http_status=404)
        if tx.status not in (ChargeStatus.SETTLEMENT, ChargeStatus.PARTIAL_REFUND):
            raise GatewayError(_("Transaksi %(order)s belum berhasil, tidak bisa dikembalikan.") % {"order": order_id})
        refunded = min(tx.gross_amount, tx.refunded_amount + amount)
        status = ChargeStatus.REFUND if refunded >= tx.gross_amount else ChargeStatus.PARTIAL_REFUND
        sandbox_book.update_transaction(tx, status=status, refunded_amount=refunded)
        return self._status(tx)

    @transaction.atomic
    def pay(self, order_id: str) -> SandboxTransaction:
        """What the payer's bank app does: settle a pending QRIS charge (idempotent)."""
        tx = self._find(order_id, lock=True)
        if tx is None:
            raise NotFound(
                _("Tagihan %(order)s tidak dikenal oleh gateway.") % {"order": order_id}, code="unknown_bill"
            )
        if tx.status in FINAL_SANDBOX:
            raise Conflict(
                _("Tagihan %(order)s sudah %(status)s.") % {"order": order_id, "status": ChargeStatus(tx.status).label},
                code="not_payable",
            )
        if tx.status == ChargeStatus.PENDING:
            sandbox_book.update_transaction(tx, status=ChargeStatus.SETTLEMENT)
        return tx


SANDBOX_APP_PATH = "/dompet/sandbox/"


def sandbox_actions(order_id: str) -> list[dict[str, str]]:
    """The `actions` of a charge answer, shaped like Midtrans' for GoPay: the deeplink opens the
    sandbox's own "bank app" (its simulator page) on this order, where paying marks it paid."""
    from urllib.parse import urlencode

    from apps.core.db import connection

    tenant = getattr(connection, "tenant", None)
    url = getattr(tenant, "url", None)
    path = f"{SANDBOX_APP_PATH}?{urlencode({'order': order_id})}"
    deeplink = str(url(path)) if callable(url) else path
    return [{"name": "deeplink-redirect", "method": "GET", "url": deeplink}]


def notification_body(tx: SandboxTransaction, status_code: str, server_key: str) -> dict[str, Any]:
    """A Midtrans-shaped notification (and status answer) for a sandbox transaction."""
    gross = format_gross_amount(tx.gross_amount)
    body: dict[str, Any] = {
        "transaction_time": tx.created_at.strftime("%Y-%m-%d %H:%M:%S") if tx.created_at else "",
        "transaction_status": str(tx.status),
        "transaction_id": str(tx.transaction_id),
        "status_message": "KotaKita sandbox notification",
        "status_code": status_code,
        "signature_key": signature_key(tx.order_id, status_code, gross, server_key),
        "payment_type": "qris",
        "order_id": tx.order_id,
        "merchant_id": "KOTAKITA-SANDBOX",
        "gross_amount": gross,
        "fraud_status": "accept",
        "currency": "IDR",
        "acquirer": "kotakita-sandbox",
        "qr_string": tx.qr_string,
    }
    if tx.refunded_amount:
        body["refund_amount"] = format_gross_amount(tx.refunded_amount)
    return body


def configured_gateway() -> str:
    """The gateway settings.PAYMENTS_GATEWAY names ("" when none is configured)."""
    return str(getattr(settings, "PAYMENTS_GATEWAY", "") or "").strip().lower()


def midtrans_base_url() -> str:
    explicit = str(getattr(settings, "MIDTRANS_BASE_URL", "") or "")
    if explicit:
        return explicit
    live = bool(getattr(settings, "MIDTRANS_IS_PRODUCTION", False))
    return MIDTRANS_PRODUCTION_BASE_URL if live else DEFAULT_MIDTRANS_BASE_URL


def sandbox_permitted() -> bool:
    """May the sandbox gateway run here: on a developer's machine, or a declared staging site."""
    return bool(settings.DEBUG or getattr(settings, "PAYMENTS_ALLOW_SANDBOX", False))


def sandbox_server_key() -> str:
    """The key the sandbox signs with: from the settings (environment), else the public
    development key, but only under DEBUG; anywhere else a missing key is a refusal."""
    key = str(getattr(settings, "PAYMENTS_SANDBOX_SERVER_KEY", "") or "")
    if key:
        return key
    if settings.DEBUG:
        return DEFAULT_SANDBOX_SERVER_KEY
    raise ImproperlyConfigured("PAYMENTS_SANDBOX_SERVER_KEY is required to run the payments sandbox outside DEBUG.")


def get_gateway(name: str | None = None) -> Gateway:
    chosen = name or configured_gateway()
    if chosen == "midtrans":
        return MidtransGateway(midtrans_base_url(), str(getattr(settings, "MIDTRANS_SERVER_KEY", "") or ""))
    if chosen == "sandbox":
        if not sandbox_permitted():
            logger.error("payments sandbox requested but not allowed here (set PAYMENTS_GATEWAY=midtrans)")
            raise GatewayError(_("Gateway pembayaran belum dikonfigurasi."), code="gateway_not_configured")
        try:
            return SandboxGateway(sandbox_server_key())
        except ImproperlyConfigured as exc:
            logger.error("payments sandbox: %s", exc)
            raise GatewayError(_("Gateway pembayaran belum dikonfigurasi."), code="gateway_not_configured") from exc
    if not chosen:
        raise GatewayError(_("Gateway pembayaran belum dikonfigurasi."), code="gateway_not_configured")
    raise GatewayError(_("Gateway pembayaran “%(name)s” tidak dikenal.") % {"name": chosen})


def sandbox_enabled() -> bool:
    """Is the sandbox the active gateway here (and allowed to be)? Who may use its bank app is
    `apps.payments.services.may_use_sandbox`."""
    return configured_gateway() == "sandbox" and sandbox_permitted()


def may_use_sandbox(user: Any) -> bool:
    """Who may open the sandbox "bank app" (which settles charges with play money): anyone on
    a developer's machine (DEBUG); on a staging site only the kelurahan's admins and platform
    staff (superusers). Everyone else must not even see that it exists (404)."""
    if not sandbox_enabled() or not getattr(user, "is_authenticated", False):
        return False
    if settings.DEBUG:
        return True
    return bool(user.is_superuser or user.has_role(Role.ADMIN))
