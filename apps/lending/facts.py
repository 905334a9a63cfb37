"""Daily facts of apps.lending for the public roll-up (see apps.facts.metrics).

At the end of `day`, from the loans' own transactions (so an old day can be recomputed):

* LOANS_OUTSTANDING (dimension ""): principal outstanding of loans disbursed by then and not
  written off by then; count = loans; entities = borrowers.
* LOANS_AT_RISK (dimension = bucket "1-30", "31-60", "61-90", "90+"): the outstanding of the
  loans whose oldest instalment not fully paid by day end fell due before `day`, by days past
  due; count = loans; entities = borrowers. Buckets without loans produce no row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Sum

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import keys

from .models import Instalment, Loan, LoanTransaction, TransactionKind
from .schedule import delinquency_bucket

REPAID = (TransactionKind.REPAYMENT, TransactionKind.AUTO_DEBIT, TransactionKind.PREPAYMENT)


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    loans = list(Loan.objects.filter(disbursed_on__lte=day).values("pk", "borrower_id", "principal"))
    if not loans:
        return
    ids = [loan["pk"] for loan in loans]
    repaid = dict(
        LoanTransaction.objects.filter(loan_id__in=ids, kind__in=REPAID, on_date__lte=day)
        .values("loan_id")
        .annotate(s=Sum("principal"))
        .values_list("loan_id", "s")
    )
    written_off = set(
        LoanTransaction.objects.filter(loan_id__in=ids, kind=TransactionKind.WRITE_OFF, on_date__lte=day).values_list(
            "loan_id", flat=True
        )
    )
    oldest: dict[int, datetime.date] = {}
    unpaid = (
        Instalment.objects.filter(loan_id__in=ids, due_date__lt=day)
        .exclude(paid_on__lte=day)
        .order_by("loan_id", "due_date")
        .values_list("loan_id", "due_date")
    )
    for loan_id, due in unpaid:
        oldest.setdefault(loan_id, due)
    total, borrowers, count = 0, [], 0
    at_risk: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for loan in loans:
        if loan["pk"] in written_off:
            continue
        outstanding = loan["principal"] - (repaid.get(loan["pk"]) or 0)
        if outstanding <= 0:
            continue
        total += outstanding
        count += 1
        borrowers.append(loan["borrower_id"])
        if loan["pk"] in oldest:
            bucket = delinquency_bucket((day - oldest[loan["pk"]]).days).value
            at_risk[bucket].append((outstanding, loan["borrower_id"]))
    if count:
        yield FactRow(Metric.LOANS_OUTSTANDING, total, count, "", keys("user", borrowers))
    for bucket in ("1-30", "31-60", "61-90", "90+"):
        rows = at_risk.get(bucket)
        if rows:
            yield FactRow(
                Metric.LOANS_AT_RISK, sum(o for o, _b in rows), len(rows), bucket, keys("user", [b for _o, b in rows])
            )
