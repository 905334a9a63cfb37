"""Every write on permits: apply, edit, each workflow step, NIB, with the event log and notifications.

Each function checks who acts (403), whether the step fits the permit's status (409) and the
input (422) before it writes anything; the writes of one call commit together. Uploaded files
are stored after validation and removed again if the transaction fails.

The NIK is validated, then kept only as a keyed digest, a Fernet ciphertext and a masked copy;
it never goes into a log line, an event, a notification or an error message.
"""

from __future__ import annotations

from ._checks import MAX_UPLOAD_BYTES, UPLOAD_RULES, clean_capital, clean_kbli, clean_location, clean_nik, clean_upload
from ._common import (
    MAX_DISTANCE_KM,
    MAX_WORKERS,
    MIN_APPLICANT_AGE,
    PERMIT_NUMBER_CODE,
    OssUnavailableError,
    due_for,
    format_number,
    next_actors,
    sla_days,
)
from .applications import EDITABLE, check_application, create_permit, update_permit
from .nib import attach_nib, register_nib
from .reminders import find_by_nik, remind_overdue
from .steps import (
    approve,
    issue,
    issue_pending,
    recommend,
    reject,
    resubmit,
    return_for_completion,
    revoke,
    submit,
    take_step,
    verify,
    withdraw,
)

__all__ = [
    "EDITABLE",
    "MAX_DISTANCE_KM",
    "MAX_UPLOAD_BYTES",
    "MAX_WORKERS",
    "MIN_APPLICANT_AGE",
    "PERMIT_NUMBER_CODE",
    "UPLOAD_RULES",
    "OssUnavailableError",
    "approve",
    "attach_nib",
    "check_application",
    "clean_capital",
    "clean_kbli",
    "clean_location",
    "clean_nik",
    "clean_upload",
    "create_permit",
    "due_for",
    "find_by_nik",
    "format_number",
    "issue",
    "issue_pending",
    "next_actors",
    "recommend",
    "register_nib",
    "reject",
    "remind_overdue",
    "resubmit",
    "return_for_completion",
    "revoke",
    "sla_days",
    "submit",
    "take_step",
    "update_permit",
    "verify",
    "withdraw",
]
