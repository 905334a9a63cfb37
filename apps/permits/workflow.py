"""The permit workflow as data: states, steps, who takes each step (a core Machine). No Django model import.

    draft ─submit→ submitted ─recommend→ recommended ─verify→ verified ─approve→ approved ─issue→ issued
                     │ (RT/RW head)          │ (staff)            │ (lurah)            (staff)   │
                     └── return / reject by whoever must act at that step ──┘        revoke (lurah)
    returned ─resubmit→ submitted;  draft/submitted/recommended/verified/returned ─withdraw→ withdrawn
    approved ─bill→ awaiting_payment ─issue→ issued   (only where the permit's risk level carries a fee)

Where the kelurahan charges a fee (retribusi izin, `PermitFee` per risk level), approval does not
issue: the lurah's approval also takes `bill` (a bill to the applicant, paid to the kota's kas
daerah clearing account) and the permit waits in *awaiting_payment*; the bill's payment issues it
(the `issue` event then has no actor: the payment took the step). Without a fee nothing changes.

The lurah's approval issues the permit in the same transaction when nothing is pending
(services.steps.issue_pending): `approve` then `issue` are recorded together, both by the lurah.
`issue` by staff remains for a permit that had something pending when it was approved.

Staff = admin_kelurahan or staf_opd. Whoever acts on a step may instead return the permit for
completion or reject it (both with a reason). Only the applicant withdraws, and only before a
decision (approval or rejection). Nobody takes an official step on their own permit.
"""

from __future__ import annotations

from enum import StrEnum

from apps.core.workflow import Machine, Step

DRAFT = "draft"
SUBMITTED = "submitted"
RECOMMENDED = "recommended"
VERIFIED = "verified"
APPROVED = "approved"
ISSUED = "issued"
RETURNED = "returned"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
REVOKED = "revoked"
AWAITING_PAYMENT = "awaiting_payment"

STATUSES = (
    DRAFT,
    SUBMITTED,
    RECOMMENDED,
    VERIFIED,
    APPROVED,
    AWAITING_PAYMENT,
    ISSUED,
    RETURNED,
    REJECTED,
    WITHDRAWN,
    REVOKED,
)
# Statuses in which someone has to act, with an SLA clock running (awaiting_payment has none:
# the applicant pays when they pay; the bill's due date and reminders are the payments app's).
WAITING = (SUBMITTED, RECOMMENDED, VERIFIED, APPROVED, RETURNED)
# No further step except revocation of an issued permit.
CLOSED = (REJECTED, WITHDRAWN, REVOKED)
# Days allowed per waiting status unless the tenant (SlaRule) or settings.PERMITS_SLA_DAYS say otherwise.
DEFAULT_SLA_DAYS = {SUBMITTED: 3, RECOMMENDED: 5, VERIFIED: 3, APPROVED: 2, RETURNED: 14}


class Actor(StrEnum):
    APPLICANT = "applicant"  # the permit's applicant only
    APPLICANT_OR_STAFF = "applicant_or_staff"  # the applicant, or staff acting on their behalf
    RT_RW = "rt_rw"  # ketua RT or ketua RW of the applicant's RT
    STAFF = "staff"  # admin_kelurahan / staf_opd
    LURAH = "lurah"


# Who has to act next in each waiting status.
RESPONSIBLE = {
    DRAFT: Actor.APPLICANT_OR_STAFF,
    SUBMITTED: Actor.RT_RW,
    RECOMMENDED: Actor.STAFF,
    VERIFIED: Actor.LURAH,
    APPROVED: Actor.STAFF,
    AWAITING_PAYMENT: Actor.APPLICANT,
    RETURNED: Actor.APPLICANT_OR_STAFF,
    ISSUED: Actor.LURAH,
}
OFFICIAL = (Actor.RT_RW, Actor.STAFF, Actor.LURAH)


# A step's actor None means: whoever is RESPONSIBLE for the current status.
SUBMIT = Step("submit", (DRAFT,), SUBMITTED, Actor.APPLICANT_OR_STAFF)
RECOMMEND = Step("recommend", (SUBMITTED,), RECOMMENDED, Actor.RT_RW)
VERIFY = Step("verify", (RECOMMENDED,), VERIFIED, Actor.STAFF)
APPROVE = Step("approve", (VERIFIED,), APPROVED, Actor.LURAH)
BILL = Step("bill", (APPROVED,), AWAITING_PAYMENT, Actor.LURAH)
# From awaiting_payment only once the fee is paid (services.steps.issue_pending says so).
ISSUE = Step("issue", (APPROVED, AWAITING_PAYMENT), ISSUED, Actor.STAFF)
RETURN: Step[Actor] = Step("return", (SUBMITTED, RECOMMENDED, VERIFIED), RETURNED, None, reason_required=True)
REJECT: Step[Actor] = Step("reject", (SUBMITTED, RECOMMENDED, VERIFIED), REJECTED, None, reason_required=True)
RESUBMIT = Step("resubmit", (RETURNED,), SUBMITTED, Actor.APPLICANT_OR_STAFF)
WITHDRAW = Step("withdraw", (DRAFT, SUBMITTED, RECOMMENDED, VERIFIED, RETURNED), WITHDRAWN, Actor.APPLICANT)
REVOKE = Step("revoke", (ISSUED,), REVOKED, Actor.LURAH, reason_required=True)

PERMIT = Machine(
    "permit", STATUSES, (SUBMIT, RECOMMEND, VERIFY, APPROVE, BILL, ISSUE, RETURN, REJECT, RESUBMIT, WITHDRAW, REVOKE)
)


def actor_for(step: Step[Actor], status: str) -> Actor:
    """Who may take `step` while the permit is in `status`."""
    if step.actor is not None:
        return step.actor
    return RESPONSIBLE.get(status, Actor.STAFF)
