"""Writes of apps.bazar: bazar events and their stalls and promotions; ArisanGo vouchers."""

from __future__ import annotations

from . import checkout
from .events import add_stall, create_bazar, may_organise, set_promotion
from .vouchers import (
    DEFAULT_VALIDITY_DAYS,
    Redemption,
    expire_voucher,
    expire_vouchers,
    new_code,
    pay_out_as_voucher,
    redeem_voucher,
)

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "Redemption",
    "add_stall",
    "checkout",
    "create_bazar",
    "expire_voucher",
    "expire_vouchers",
    "may_organise",
    "new_code",
    "pay_out_as_voucher",
    "redeem_voucher",
    "set_promotion",
]
