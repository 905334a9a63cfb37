"""Loan applications and loans as data (core Machines); services take every status change from them.

    application: (apply) submitted ─approve→ approved ─disburse→ disbursed (the loan opens)
                 submitted ─reject→ rejected;  submitted, approved ─withdraw→ withdrawn (the applicant)
    loan:        active ─repay→ active ─close→ closed (paid off);  active ─write_off→ written_off ─recover→ written_off

Who acts (the applicant, the borrower, a lender's officer) is checked by the services.
"""

from __future__ import annotations

from apps.core.workflow import Machine, Step

from .models import ApplicationStatus, LoanStatus

A = ApplicationStatus
L = LoanStatus

APPLICATION: Machine[None] = Machine(
    "loan_application",
    A.values,
    (
        Step("approve", (A.SUBMITTED,), A.APPROVED),
        Step("reject", (A.SUBMITTED,), A.REJECTED),
        Step("withdraw", (A.SUBMITTED, A.APPROVED), A.WITHDRAWN),
        Step("disburse", (A.APPROVED,), A.DISBURSED),
    ),
)

LOAN: Machine[None] = Machine(
    "loan",
    L.values,
    (
        Step("repay", (L.ACTIVE,), L.ACTIVE),
        Step("close", (L.ACTIVE,), L.CLOSED),
        Step("write_off", (L.ACTIVE,), L.WRITTEN_OFF),
        Step("recover", (L.WRITTEN_OFF,), L.WRITTEN_OFF),
    ),
)
