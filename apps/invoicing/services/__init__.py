"""Every write of UMKM invoices: issue (by hand, from an accepted procurement delivery, from a
delivered marketplace order on invoice terms), view, bill the remainder, record a payment,
overdue and reminders, cancel, dispute.

An invoice paid in full settles its source document in the same transaction: the marketplace
order is stamped paid (`marketplace.services.mark_paid_by_invoice`), the purchase order's payment
is recorded (`procurement.services.record_invoice_payment`), each once. Cancelling an order's
invoice changes nothing in the marketplace (the goods were delivered; no stock comes back): the
seller forgoes the claim, and only then may refund the order there (which restocks).

Each write locks the invoice row (money and status), writes its `InvoiceEvent` and notifies in
the same transaction. Money moves only in apps.payments: the buyer pays a `PaymentRequest`
("invoice:<number>") into the shop's KotaKitaPay account; `record_payment` reads the paid bill.

The writes live in one module per section (issuing, sources, paying, opd, cancelling,
reminders; what they share in `_common`); this package re-exports the public names, so
`from apps.invoicing import services` and `services.X` work unchanged.
"""

from ._common import (
    INVOICE_COUNTER,
    JAKARTA,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TOTAL,
    REFERENCE_KIND,
    REMIND_AT,
    buyer_recipients,
    invoice_url,
    is_buyer,
    is_office_staff,
    is_seller,
    may_see,
    reference_of,
    seller_shop,
    today,
)
from .cancelling import cancel, set_dispute
from .issuing import clean_lines, issue_invoice
from .opd import mark_viewed_by_opd, notify_opd_buyer, request_payment_by_opd
from .paying import mark_viewed, record_payment, request_payment
from .reminders import next_due, remind_due
from .sources import issue_from_order, issue_from_procurement, refuse_while_invoiced

__all__ = [
    "INVOICE_COUNTER",
    "JAKARTA",
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_TOTAL",
    "REFERENCE_KIND",
    "REMIND_AT",
    "buyer_recipients",
    "cancel",
    "clean_lines",
    "invoice_url",
    "is_buyer",
    "is_office_staff",
    "is_seller",
    "issue_from_order",
    "issue_from_procurement",
    "issue_invoice",
    "mark_viewed",
    "mark_viewed_by_opd",
    "may_see",
    "next_due",
    "notify_opd_buyer",
    "record_payment",
    "reference_of",
    "refuse_while_invoiced",
    "remind_due",
    "request_payment",
    "request_payment_by_opd",
    "seller_shop",
    "set_dispute",
    "today",
]
