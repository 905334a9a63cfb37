"""Names of the daily facts (`DailyFact.metric`) and the anonymous entity keys behind them.

Producers and consumers (dashboards, apps.dataservice, apps.billing) share these names; add a
metric here before producing it.

A tenant app produces its facts in `apps/<app>/facts.py`:

    def daily_facts(day: datetime.date) -> Iterable[FactRow]: ...

run inside the tenant's schema by the roll-up (apps.analytics), which writes them to the public
`DailyFact` table, replacing that tenant's rows for the day (so late data is corrected by
running the day again). A producer reads only its own app's tables and must be deterministic.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from apps.core.personal_data import secret_setting


class Metric:
    # metric name: (dimension, value, count, entities)
    UMKM_ACTIVE = "umkm_active"  # KBLI 2-digit sector; shops open that day; -; shops
    UMKM_NEW = "umkm_new"  # KBLI sector; shops created; -; shops
    GMV = "gmv"  # product category slug; rupiah of paid orders; orders; shops
    UNITS_SOLD = "units_sold"  # product category slug; units; order lines; shops
    PLATFORM_FEES = "platform_fees"  # ""; rupiah of platform fees; orders; shops
    PAYMENTS = "payments"  # ""; rupiah moved through KotaKitaPay; ledger entries; wallets
    PERMITS_SUBMITTED = "permits_submitted"  # ""; applications; -; applicants
    PERMITS_ISSUED = "permits_issued"  # ""; minutes from submission to issue; permits; applicants
    PERMITS_OVERDUE = "permits_overdue"  # ""; permits past their step SLA at day end; -; applicants
    REPORTS_OPENED = "reports_opened"  # report category; reports; -; reporters
    REPORTS_RESOLVED = "reports_resolved"  # report category; minutes to resolve; reports; reporters
    AID_DISTRIBUTED = "aid_distributed"  # program; rupiah value; distributions; beneficiaries
    ACTIVE_RESIDENTS = "active_residents"  # ""; residents who did anything that day; -; residents
    DELIVERIES = "deliveries"  # hub; metres driven; deliveries; couriers
    DELIVERIES_ON_TIME = "deliveries_on_time"  # hub; on-time deliveries; deliveries; couriers
    LOANS_OUTSTANDING = "loans_outstanding"  # ""; rupiah principal outstanding; loans; borrowers
    LOANS_AT_RISK = "loans_at_risk"  # bucket "1-30"... ; rupiah outstanding in arrears; loans; borrowers
    CSAT = "csat"  # service; sum of CSAT scores (1-5) answered that day; answers; respondents
    CSAT_SATISFIED = "csat_satisfied"  # service; answers of 4-5; answers; respondents
    NPS_PROMOTERS = "nps_promoters"  # service; NPS answers of 9-10; NPS answers; respondents
    NPS_DETRACTORS = "nps_detractors"  # service; NPS answers of 0-6; NPS answers; respondents
    # UMKM retention (apps.marketplace, issue 21): shops that sold, delivered or changed a listing.
    UMKM_TRADING = "umkm_trading"  # ""; shops active that day; -; shops
    # Sembako Pintar (apps.sembako):
    SEMBAKO_ROUNDS_OPENED = "sembako_rounds_opened"  # ""; rounds opened; -; organisers
    SEMBAKO_ROUNDS_CLOSED = "sembako_rounds_closed"  # ""; rounds closed for purchase; -; organisers
    SEMBAKO_ORDERS = "sembako_orders"  # payment method; rupiah of paid orders; orders; households
    SEMBAKO_UNITS = "sembako_units"  # commodity; units in paid orders; order lines; households
    SEMBAKO_SAVINGS = "sembako_savings"  # ""; rupiah below the reference price; priced units; households
    # GoTukang (apps.tukang):
    TUKANG_REQUESTED = "tukang_requested"  # skill; jobs requested; -; requesters
    TUKANG_CHANNEL = "tukang_channel"  # "web" / "whatsapp"; jobs requested; -; requesters
    TUKANG_BOOKED = "tukang_booked"  # skill; rupiah agreed; jobs; tukang
    TUKANG_DONE = "tukang_done"  # skill; rupiah agreed; jobs; tukang
    TUKANG_DISPUTED = "tukang_disputed"  # skill; disputes opened; -; tukang
    TUKANG_RATED = "tukang_rated"  # skill; sum of ratings (1-5); ratings; tukang
    # --- Finance facts (issue 20: levies, invoices, invoice financing) ---
    # Levies (apps.levies, kota schemas only). Dimension: the levy's code ("" = total), or for
    # the *_KEL metrics the kelurahan's region code. Entities: payers (kelurahan + account).
    LEVY_BILLED = "levy_billed"  # levy code; rupiah principal of bills issued that day; bills; payers
    LEVY_COLLECTED = "levy_collected"  # levy code; rupiah paid (principal + fine); bills paid; payers
    LEVY_FINES = "levy_fines"  # levy code; rupiah of late fines paid that day; bills paid late; payers
    LEVY_OVERDUE = "levy_overdue"  # levy code; rupiah principal past due, unpaid at day end; bills; payers
    LEVY_BILLED_KEL = "levy_billed_kel"  # kelurahan region code; as LEVY_BILLED
    LEVY_COLLECTED_KEL = "levy_collected_kel"  # kelurahan region code; as LEVY_COLLECTED
    LEVY_OVERDUE_KEL = "levy_overdue_kel"  # kelurahan region code; as LEVY_OVERDUE
    # Invoices (apps.invoicing, the seller's schema). Dimension: the buyer, "pemerintah" (an
    # office, procurement) or "usaha" (a business or person); "" = total. Entities: shops.
    INVOICES_ISSUED = "invoices_issued"  # buyer; rupiah total of invoices issued; invoices; shops
    INVOICES_PAID = "invoices_paid"  # buyer; rupiah total of invoices fully paid that day; invoices; shops
    INVOICE_PAY_DAYS = "invoice_pay_days"  # buyer; days from issue to full payment (summed); invoices; shops
    INVOICES_OVERDUE = "invoices_overdue"  # buyer; rupiah still open past due at day end; invoices; shops
    # Invoice financing (apps.factoring, the seller's schema). Dimension "". Entities: shops.
    FINANCING_DISBURSED = "financing_disbursed"  # ""; rupiah advances paid out; financings; shops
    FINANCING_OUTSTANDING = "financing_outstanding"  # ""; rupiah advance not yet back at day end; financings; shops
    FINANCING_SETTLED = "financing_settled"  # ""; rupiah advance of financings settled that day; financings; shops
    FINANCING_DEFAULTED = "financing_defaulted"  # ""; rupiah advance outstanding when declared; financings; shops
    FINANCING_FEES = "financing_fees"  # ""; rupiah of fees paid to lenders that day; financings; shops
    # Added by the dashboards (apps.analytics):
    AID_ENROLLED = "aid_enrolled"  # program; active enrolments at day end; -; beneficiaries
    RESIDENTS_REGISTERED = "residents_registered"  # ""; accounts at day end; -; -


# Metrics whose value is a number of distinct entities: several producers may emit the same
# (metric, dimension) (e.g. each app reports the residents active in it) and the roll-up merges
# them by the union of their entity keys, so one resident active in two apps counts once.
DISTINCT_METRICS = frozenset({Metric.ACTIVE_RESIDENTS})


@dataclass(frozen=True)
class FactRow:
    metric: str
    value: int
    count: int = 0
    dimension: str = ""
    entity_keys: frozenset[int] = field(default_factory=frozenset)
    # Each entity's own share of `value` and of `count` (key -> amount, keys among
    # `entity_keys`), so the Data-as-a-Service release can clamp every entity at its
    # contribution bound exactly. Every producer of a metric released as a sum fills them
    # (an entity that is counted once, e.g. a new shop, has 1); a part of `value` no entity
    # can be named for (an anonymous report) is left out of them and so never released.
    # Empty: not attributed (the release then falls back to an equal split, see dataservice).
    entity_values: Mapping[int, int] = field(default_factory=dict, hash=False)
    entity_counts: Mapping[int, int] = field(default_factory=dict, hash=False)


def entity_key(kind: str, schema_name: str, pk: object) -> int:
    """A stable 63-bit anonymous key of one entity (keyed, so it cannot be reversed by guessing)."""
    secret = secret_setting("ANALYTICS_ENTITY_KEY").encode()  # never SECRET_KEY outside development
    digest = hmac.new(secret, f"{kind}:{schema_name}:{pk}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1
