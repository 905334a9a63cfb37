"""Every write of laporan warga: filing, "saya juga", the lifecycle, SLA reminders, API keys.

Lifecycle (FixMyStreet-like, mapped onto Open311 open/closed):

    open ──verify──▶ verified ──start──▶ in_progress ──resolve──▶ resolved ──close──▶ closed
      │ └──────────────start──────────────▲   (resolve also from open/verified/reopened)
      ├──duplicate──▶ duplicate (merged into another report: its people follow the original)
      └──not_responsible──▶ not_responsible (bukan wewenang, with a reason)
    resolved/closed ──reopen (by the reporter, within `reopen_days` of resolution)──▶ reopened

Handlers (the category's unit, kelurahan admins, the lurah) verify, start, resolve, close,
mark duplicate / not responsible and add notes; the reporter may close a resolved report or
reopen it. Each change is a public timeline entry and notifies the reporter, the followers
and the unit staff (never the person who made the change), in the same transaction.
"""

from __future__ import annotations

from ._common import (
    MAX_DESCRIPTION,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    PHOTO_RULE,
    Status,
    follow,
    parse_point,
    report_url,
    resolve_category,
    validate_attributes,
    validate_photos,
)
from .api_keys import authenticate_api_key, create_api_key, revoke_api_key
from .filing import me_too, submit_report
from .lifecycle import (
    ACTIONS,
    TRANSITIONS,
    add_note,
    allowed,
    apply_action,
    close,
    mark_duplicate,
    mark_not_responsible,
    reopen,
    resolve,
    start_work,
    verify,
)
from .setup import ensure_category, ensure_opd
from .sla import SlaRun, close_expired_resolutions, next_due, run_sla

__all__ = [
    "ACTIONS",
    "MAX_DESCRIPTION",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "PHOTO_RULE",
    "TRANSITIONS",
    "SlaRun",
    "Status",
    "add_note",
    "allowed",
    "apply_action",
    "authenticate_api_key",
    "close",
    "close_expired_resolutions",
    "create_api_key",
    "ensure_category",
    "ensure_opd",
    "follow",
    "mark_duplicate",
    "mark_not_responsible",
    "me_too",
    "next_due",
    "parse_point",
    "reopen",
    "report_url",
    "resolve",
    "resolve_category",
    "revoke_api_key",
    "run_sla",
    "start_work",
    "submit_report",
    "validate_attributes",
    "validate_photos",
    "verify",
]
