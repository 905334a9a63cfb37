"""Lending writes: one atomic function per action, row locks, idempotency keys, a LoanEvent each.

Life cycle (Fineract): application (from an offer or direct, scored at submission) -> officer
decision (approve / reject with reason; only the lender's officers, never the applicant) ->
disbursement into the applicant's KotaKitaPay wallet (receivable -> wallet, then the
disbursement fee wallet -> lender income) -> instalments (schedule.py) -> repayments (manual,
early/partial, or the nightly standing-instruction auto-debit) -> closed, or written off (the
principal outstanding moves loss -> receivable) and later recovered (wallet -> loss).

Repayment allocation (Fineract's "penalties, fees, interest, principal" order): oldest due
instalment first, within it penalty -> fee -> interest -> principal. What is left after every
due instalment is paid is an early repayment of principal on the schedule (`schedule.prepay`,
reduce-instalment): exactly the payoff closes the loan, less reschedules what is left.

Locks: the loan row first (`select_for_update`), then its instalments, then the ledger accounts
(inside apps.payments.services.move, in ascending id order).
"""

from __future__ import annotations

from ._common import (
    MAX_REASON,
    clean_count,
    clean_key,
    clean_percent,
    clean_rupiah,
    is_officer,
    require_officer,
    rupiah,
    schedule_error,
    today,
)
from .applications import apply, approve, approve_and_disburse, disburse, reject, withdraw
from .arrears import auto_debit, charge_penalties, expire_offers, recover, run_nightly, write_off
from .products import ProductTerms, add_officer, create_product, loan_terms, open_lender
from .quotes import LoanQuote, check_terms, quote, quote_terms
from .repayments import current_schedule, due_amount, payoff_quote, repay, set_standing_instruction, update_arrears

__all__ = [
    "MAX_REASON",
    "LoanQuote",
    "ProductTerms",
    "add_officer",
    "apply",
    "approve",
    "approve_and_disburse",
    "auto_debit",
    "charge_penalties",
    "check_terms",
    "clean_count",
    "clean_key",
    "clean_percent",
    "clean_rupiah",
    "create_product",
    "current_schedule",
    "disburse",
    "due_amount",
    "expire_offers",
    "is_officer",
    "loan_terms",
    "open_lender",
    "payoff_quote",
    "quote",
    "quote_terms",
    "recover",
    "reject",
    "repay",
    "require_officer",
    "run_nightly",
    "rupiah",
    "schedule_error",
    "set_standing_instruction",
    "today",
    "update_arrears",
    "withdraw",
    "write_off",
]
