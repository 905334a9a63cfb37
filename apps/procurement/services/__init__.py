"""Every write of B2G procurement: requests, quotes, evaluation, award, order, delivery,
acceptance and payment, each with its event and notifications.

Each function checks who acts (403), whether the step fits the request's status and time (409)
and the input (422) before it writes anything; the writes of one call commit together under a
row lock on the request. See workflow.py for the steps and README.md for the rules.
"""

from __future__ import annotations

from ._common import (
    JAKARTA,
    MIN_RATIONALE,
    Action,
    Status,
    clean_date,
    clean_datetime,
    clean_items,
    clean_kbli,
    clean_point,
    clean_quantity,
    clean_rupiah,
    local_date,
    request_url,
)
from .evaluation import award, evaluate
from .orders import (
    accept_delivery,
    format_number,
    issue_order,
    mark_delivered,
    record_invoice_payment,
    record_payment,
)
from .quotes import submit_quote
from .requests import cancel, create_request, publish

__all__ = [
    "JAKARTA",
    "MIN_RATIONALE",
    "Action",
    "Status",
    "accept_delivery",
    "award",
    "cancel",
    "clean_date",
    "clean_datetime",
    "clean_items",
    "clean_kbli",
    "clean_point",
    "clean_quantity",
    "clean_rupiah",
    "create_request",
    "evaluate",
    "format_number",
    "issue_order",
    "local_date",
    "mark_delivered",
    "publish",
    "record_invoice_payment",
    "record_payment",
    "request_url",
    "submit_quote",
]
