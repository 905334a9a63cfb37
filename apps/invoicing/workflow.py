"""The invoice workflow as data (a core Machine). No Django model import.

    sent ─view→ viewed ─┐            (partial payments)
      │                 ├─pay_part→ partly_paid ─pay_full→ paid
      └─────────────────┴─overdue (after the due date)→ overdue ─pay_full→ paid
    sent / viewed / overdue ─cancel (reason)→ cancelled

An invoice is issued as "sent" (the buyer is notified at once). "viewed" when the buyer first
opens it. A partial payment on an overdue invoice keeps it overdue (`pay_part_late`): the
amount still open is late. Once money arrived an invoice is not cancelled (settle or refund).
"""

from __future__ import annotations

from apps.core.workflow import Machine, Step

SENT = "sent"
VIEWED = "viewed"
PARTLY_PAID = "partly_paid"
PAID = "paid"
OVERDUE = "overdue"
CANCELLED = "cancelled"

STATUSES = (SENT, VIEWED, PARTLY_PAID, PAID, OVERDUE, CANCELLED)
OPEN = (SENT, VIEWED, PARTLY_PAID, OVERDUE)  # money still expected

VIEW = Step("view", (SENT,), VIEWED, "buyer")
PAY_PART = Step("pay_part", (SENT, VIEWED, PARTLY_PAID), PARTLY_PAID, "payment")
PAY_PART_LATE = Step("pay_part_late", (OVERDUE,), OVERDUE, "payment")
PAY_FULL = Step("pay_full", OPEN, PAID, "payment")
MARK_OVERDUE = Step("overdue", (SENT, VIEWED, PARTLY_PAID), OVERDUE, "sweep")
CANCEL = Step("cancel", (SENT, VIEWED, OVERDUE), CANCELLED, "seller", reason_required=True)

INVOICE = Machine("invoice", STATUSES, (VIEW, PAY_PART, PAY_PART_LATE, PAY_FULL, MARK_OVERDUE, CANCEL))
