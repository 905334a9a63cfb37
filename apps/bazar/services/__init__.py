"""Writes of apps.bazar: bazar events and their stalls and promotions; ArisanGo vouchers."""

from __future__ import annotations

from . import checkout
from .events import RESERVED_SLUGS, add_stall, create_bazar, may_organise, set_promotion
from .organise import close_bazar, move_stall, publish_bazar, release_stall, renumber_stall, update_bazar
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
    "RESERVED_SLUGS",
    "Redemption",
    "add_stall",
    "checkout",
    "close_bazar",
    "create_bazar",
    "expire_voucher",
    "expire_vouchers",
    "may_organise",
    "move_stall",
    "new_code",
    "pay_out_as_voucher",
    "publish_bazar",
    "redeem_voucher",
    "release_stall",
    "renumber_stall",
    "set_promotion",
    "update_bazar",
]
