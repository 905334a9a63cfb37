"""Template helpers of apps.payments for other apps' pages: the QRIS payment panels."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from apps.payments import services
from apps.payments.models import ChargeStatus, GatewayCharge, PaymentRequest

register = template.Library()


def _deeplink(charge: GatewayCharge, request: Any) -> str:
    """The gateway's "open the payment app" link, except the sandbox's for whoever may not use
    the sandbox (a warga on a staging site must not find the demo bank)."""
    from apps.payments.gateways import may_use_sandbox

    if charge.gateway == "sandbox" and not may_use_sandbox(getattr(request, "user", None)):
        return ""
    return charge.deeplink_url


@register.inclusion_tag("payments/_qris_panel.html", takes_context=True)
def qris_panel(context: template.Context, bill: PaymentRequest | None, label: str = "") -> dict[str, Any]:
    """How to pay a bill's QRIS from another phone (scan) or from this one (copy the code,
    save the QR to the gallery, or open the payment app by the gateway's deeplink), with its
    status refreshing by itself. An expired or cancelled code says so and offers a new one."""
    from apps.payments.views import qr_svg

    request = context.get("request")
    if bill is None:
        return {"bill": None}
    charge = services.live_charge(bill)
    dead = charge is not None and charge.status in services.DEAD_CHARGE
    payload = "" if dead else (charge.qr_string if charge is not None and charge.qr_string else bill.qris_payload)
    return {
        "bill": bill,
        "charge": charge,
        "dead": dead,
        "payload": payload,
        "qr": qr_svg(payload, label=label or bill.bill_number) if payload else "",
        "deeplink": "" if dead or charge is None else _deeplink(charge, request),
        "charge_status": str(charge.status) if charge is not None else "",
        "png_url": reverse("payments:request_qr_png", args=[bill.public_id]),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("payments/_qris_charge_panel.html", takes_context=True)
def qris_charge_panel(context: template.Context, charge: GatewayCharge | None) -> dict[str, Any]:
    """The same panel for a QRIS charge that is not a bill (a wallet top-up, an iuran or arisan
    payment): scan, or pay from this phone by the deeplink, the copied code or the downloaded
    QR. Only while the charge waits for the payment; the page shows its status itself."""
    if charge is None or charge.status not in (ChargeStatus.CREATED, ChargeStatus.PENDING) or not charge.qr_string:
        return {"payload": ""}
    from apps.payments.views import qr_svg

    return {
        "payload": charge.qr_string,
        "qr": qr_svg(charge.qr_string, label=charge.order_id),
        "deeplink": _deeplink(charge, context.get("request")),
        "code_id": charge.order_id,
        "png_url": reverse("payments:charge_qr_png", args=[charge.public_id]),
    }
