"""What apps built on apps.community plug into it (registered in their AppConfig.ready()).

Voucher payouts: a round flagged "pay as voucher" (`services.choose_payout`) is paid out by
apps.bazar as an ArisanGo UMKM voucher, which builds on community (it pays the round into the
voucher's own ledger account through `services.pay_out(into=...)`). Without a provider (bazar
not installed) the flag cannot be set and every payout is cash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import ArisanRound

# (round, actor or None for the scheduled job) -> anything; pays the round out as a voucher.
VoucherPayout = Callable[["ArisanRound", Any], object]
_voucher_payout: list[VoucherPayout] = []


def provide_voucher_payout(payout: VoucherPayout) -> None:
    _voucher_payout[:] = [payout]


def voucher_payout() -> VoucherPayout | None:
    return _voucher_payout[0] if _voucher_payout else None
