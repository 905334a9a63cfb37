"""The procurement workflow as data: statuses, steps and who takes them (a core Machine). No Django model import.

    draft ─publish→ open ─(deadline passes)─ evaluate → evaluated ─award→ awarded ─order→ ordered
      │               │  (UMKM quote/revise until      │ (re-evaluate)                     │
      │               │   the deadline)                │                              deliver
      └── cancel (reason) ─────────────────────────────┘                                 ▼
                                       paid ←pay─ accepted ←accept (full or partial)─ delivered

Staff = admin_kelurahan, staf_opd or lurah. Quotes come from eligible UMKM (pemilik_umkm with an
issued izin usaha mikro of a matching KBLI division). The winning UMKM (or staff for them)
reports delivery; staff accept it and record payment.
"""

from __future__ import annotations

from enum import StrEnum

from apps.core.workflow import Machine, Step

DRAFT = "draft"
OPEN = "open"
EVALUATED = "evaluated"
AWARDED = "awarded"
ORDERED = "ordered"
DELIVERED = "delivered"
ACCEPTED = "accepted"
PAID = "paid"
CANCELLED = "cancelled"

STATUSES = (DRAFT, OPEN, EVALUATED, AWARDED, ORDERED, DELIVERED, ACCEPTED, PAID, CANCELLED)
# After the award: the statuses shown on the transparency page.
AWARDED_OR_LATER = (AWARDED, ORDERED, DELIVERED, ACCEPTED, PAID)


class Actor(StrEnum):
    STAFF = "staff"  # admin_kelurahan / staf_opd / lurah
    SUPPLIER = "supplier"  # an eligible pemilik_umkm
    WINNER_OR_STAFF = "winner_or_staff"  # the awarded UMKM, or staff on its behalf


PUBLISH = Step("publish", (DRAFT,), OPEN, Actor.STAFF)
QUOTE = Step("quote", (OPEN,), OPEN, Actor.SUPPLIER)
EVALUATE = Step("evaluate", (OPEN, EVALUATED), EVALUATED, Actor.STAFF, reason_required=True)
AWARD = Step("award", (EVALUATED,), AWARDED, Actor.STAFF)
CANCEL = Step("cancel", (DRAFT, OPEN, EVALUATED), CANCELLED, Actor.STAFF, reason_required=True)
ORDER = Step("order", (AWARDED,), ORDERED, Actor.STAFF)
DELIVER = Step("deliver", (ORDERED,), DELIVERED, Actor.WINNER_OR_STAFF)
ACCEPT = Step("accept", (DELIVERED,), ACCEPTED, Actor.STAFF)
PAY = Step("pay", (ACCEPTED,), PAID, Actor.STAFF)

PURCHASE = Machine("purchase_request", STATUSES, (PUBLISH, QUOTE, EVALUATE, AWARD, CANCEL, ORDER, DELIVER, ACCEPT, PAY))
STAFF_STEPS = tuple(s.action for s in PURCHASE.steps.values() if s.actor == Actor.STAFF)
