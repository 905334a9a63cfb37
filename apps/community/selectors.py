"""Reads of apps.community: balances, dues and arrears, the monthly report, arisan state."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.payments.models import Account
from apps.rtrw.models import Residency, RukunTetangga

from . import draw, policy
from .models import (
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    Category,
    IuranExemption,
    IuranPayment,
    IuranSchedule,
    Treasurer,
)
from .services import add_months, this_month

Direction = CashBookEntry.Direction

# --- balances -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balances:
    digital: int  # held in KotaKitaPay (ledger)
    cash: int  # banknotes with the treasurer (ledger)

    @property
    def total(self) -> int:
        return self.digital + self.cash


def balances(book: CashBook) -> Balances:
    """The RT's money according to the ledger (balances kept by the database)."""
    accounts = dict(
        Account.objects.filter(pk__in=[book.digital_account_id, book.cash_account_id]).values_list("pk", "balance")
    )
    return Balances(int(accounts.get(book.digital_account_id, 0)), int(accounts.get(book.cash_account_id, 0)))


def live_entries(book: CashBook) -> QuerySet[CashBookEntry]:
    return CashBookEntry.objects.filter(cash_book=book, voided_at__isnull=True)


def book_totals(book: CashBook, *, before: date | None = None) -> tuple[int, int]:
    """(income, expenses) of the non-voided lines (dated before `before`, if given)."""
    qs = live_entries(book)
    if before is not None:
        qs = qs.filter(occurred_on__lt=before)
    sums = qs.aggregate(
        income=Sum("amount", filter=Q(direction=Direction.INCOME)),
        expense=Sum("amount", filter=Q(direction=Direction.EXPENSE)),
    )
    return int(sums["income"] or 0), int(sums["expense"] or 0)


def current_treasurer(rt: RukunTetangga) -> Treasurer | None:
    return Treasurer.objects.filter(rt=rt, ended_at__isnull=True).select_related("user").first()


def book_for_rt(rt: RukunTetangga) -> CashBook | None:
    return CashBook.objects.filter(rt=rt).select_related("rt__rw").first()


def books_visible_to(user: User) -> QuerySet[CashBook]:
    qs = CashBook.objects.select_related("rt__rw", "rt__ketua")
    if policy.is_staff_officer(user):
        return qs
    # One query: the RTs they keep (treasurer, ketua RT), their home RT, the RTs of the RW they lead.
    kept = Treasurer.objects.filter(user=user, ended_at__isnull=True).values("rt_id")
    home = Residency.objects.filter(user=user).values("rt_id")
    return qs.filter(Q(rt_id__in=kept) | Q(rt__ketua=user) | Q(rt_id__in=home) | Q(rt__rw__ketua=user))


# --- iuran dues ---------------------------------------------------------------------------------


def members(book: CashBook) -> QuerySet[User]:
    """Households of the RT: its residents (one Residency = one household)."""
    return User.objects.filter(residency__rt=book.rt, is_active=True).order_by("full_name", "username")


@dataclass
class MemberDues:
    member: User
    unpaid: list[tuple[date, int]] = field(default_factory=list)  # (month, amount), oldest first
    paid: list[date] = field(default_factory=list)
    exempt: list[date] = field(default_factory=list)

    @property
    def total_unpaid(self) -> int:
        return sum(amount for _month, amount in self.unpaid)

    def overdue(self, current: date) -> list[tuple[date, int]]:
        return [(m, a) for m, a in self.unpaid if m < current]


def _months(start: date, end: date) -> list[date]:
    out: list[date] = []
    month = start
    while month <= end and len(out) < 240:
        out.append(month)
        month = add_months(month, 1)
    return out


def all_member_dues(book: CashBook, *, until: date, only: User | None = None) -> list[MemberDues]:
    """For each household: months from the first schedule to `until` still unpaid."""
    schedules = list(IuranSchedule.objects.filter(cash_book=book).order_by("start_month"))
    people = [only] if only is not None else list(members(book))
    if not schedules:
        return [MemberDues(p) for p in people]
    months = _months(schedules[0].start_month, until)

    def amount(month: date) -> int:
        current = 0
        for schedule in schedules:
            if schedule.start_month <= month:
                current = schedule.amount
        return current

    paid: dict[int, set[date]] = defaultdict(set)
    for member_id, month in IuranPayment.objects.filter(member__in=people, status=IuranPayment.Status.PAID).values_list(
        "member_id", "month"
    ):
        paid[member_id].add(month)
    exemptions: dict[int, list[IuranExemption]] = defaultdict(list)
    for exemption in IuranExemption.objects.filter(cash_book=book, member__in=people):
        exemptions[exemption.member_id].append(exemption)
    result = []
    for person in people:
        dues = MemberDues(person)
        for month in months:
            if month in paid[person.pk]:
                dues.paid.append(month)
            elif any(e.covers(month) for e in exemptions[person.pk]):
                dues.exempt.append(month)
            elif amount(month) > 0:
                dues.unpaid.append((month, amount(month)))
        result.append(dues)
    return result


def member_dues(book: CashBook, member: User, *, until: date | None = None) -> MemberDues:
    return all_member_dues(book, until=until or this_month(), only=member)[0]


def arrears(book: CashBook, *, today: date | None = None) -> list[MemberDues]:
    """Households with months before the current one unpaid, most owed first (treasurer only)."""
    current = this_month(today or timezone.localdate())
    late = [d for d in all_member_dues(book, until=current) if d.overdue(current)]
    return sorted(late, key=lambda d: (-sum(a for _m, a in d.overdue(current)), str(d.member)))


# --- the monthly report -------------------------------------------------------------------------


@dataclass
class CategoryTotal:
    category: str
    label: str
    total: int


@dataclass
class MonthlyReport:
    book: CashBook
    month: date
    opening: int
    income_by_category: list[CategoryTotal]
    incomes: list[CashBookEntry]  # income lines other than iuran (iuran: totals and names only)
    expenses: list[CashBookEntry]
    iuran_total: int
    iuran_paid_names: list[str]  # households that paid this month's iuran
    households: int
    closing_cash: int
    closing_digital: int

    @property
    def income_total(self) -> int:
        return sum(c.total for c in self.income_by_category)

    @property
    def expense_total(self) -> int:
        return sum(e.amount for e in self.expenses)

    @property
    def closing(self) -> int:
        return self.opening + self.income_total - self.expense_total

    @property
    def iuran_unpaid_count(self) -> int:
        return max(self.households - len(self.iuran_paid_names), 0)

    @property
    def expenses_without_receipt(self) -> int:
        return sum(1 for e in self.expenses if not e.receipt)


def monthly_report(book: CashBook, month: date) -> MonthlyReport:
    """Opening balance, income by category, expenses with receipts, closing balance, and who
    paid this month's iuran. Computed from the non-voided cash-book lines dated in the month,
    so a month's closing balance is by construction the next month's opening balance.

    Privacy: the report lists the households that paid (their neighbours paid the same
    scheduled amount, so nothing more is revealed), and only the *number* of households not
    yet paid — never who is in arrears or how much, which only the treasurer and ketua see."""
    start = month.replace(day=1)
    end = add_months(start, 1)
    income_before, expense_before = book_totals(book, before=start)
    lines = list(
        live_entries(book)
        .filter(occurred_on__gte=start, occurred_on__lt=end)
        .select_related("member")
        .order_by("occurred_on", "id")
    )
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.direction == Direction.INCOME:
            totals[line.category] += line.amount
    labels = dict(Category.choices)
    income_by_category = [CategoryTotal(c, str(labels[c]), totals[c]) for c in Category.values if totals.get(c)]
    cash_before = live_entries(book).filter(occurred_on__lt=end, channel=CashBookEntry.Channel.CASH)
    cash = sum(line.signed_amount for line in cash_before)
    closing_all = income_before - expense_before + sum(line.signed_amount for line in lines)
    names = sorted(
        str(p.member)
        for p in IuranPayment.objects.filter(
            cash_book=book, month=start, status=IuranPayment.Status.PAID
        ).select_related("member")
    )
    return MonthlyReport(
        book=book,
        month=start,
        opening=income_before - expense_before,
        income_by_category=income_by_category,
        incomes=[x for x in lines if x.direction == Direction.INCOME and x.category != Category.IURAN],
        expenses=[x for x in lines if x.direction == Direction.EXPENSE],
        iuran_total=totals.get(Category.IURAN, 0),
        iuran_paid_names=names,
        households=members(book).count(),
        closing_cash=cash,
        closing_digital=closing_all - cash,
    )


def payable_months(book: CashBook, *, today: date | None = None, ahead: int = 3) -> list[date]:
    """Months a treasurer may record iuran for: from the first schedule to a few months ahead,
    newest first (at most two years back)."""
    current = this_month(today or timezone.localdate())
    first = IuranSchedule.objects.filter(cash_book=book).order_by("start_month").first()
    if first is None:
        return []
    start = max(first.start_month, add_months(current, -24))
    return list(reversed(_months(start, add_months(current, ahead))))


def report_months(book: CashBook) -> list[date]:
    """Months that have lines or schedules, newest first, always including this month."""
    first = (
        live_entries(book).order_by("occurred_on").values_list("occurred_on", flat=True).first() or timezone.localdate()
    )
    schedule = IuranSchedule.objects.filter(cash_book=book).order_by("start_month").first()
    start = min(first.replace(day=1), schedule.start_month if schedule else first.replace(day=1))
    return list(reversed(_months(start, this_month())))


# --- arisan ---------------------------------------------------------------------------------------


def groups_of(user: User) -> QuerySet[ArisanGroup]:
    """Groups the user belongs to or organises (staff: all)."""
    qs = ArisanGroup.objects.select_related("rt__rw", "organiser")
    if policy.is_staff_officer(user):
        return qs
    return qs.filter(Q(organiser=user) | Q(members__user=user)).distinct()


@dataclass(frozen=True)
class Missed:
    round: ArisanRound
    member: ArisanMember


def missed_contributions(group: ArisanGroup, *, today: date | None = None) -> list[Missed]:
    """Shares of rounds past their due date that were not paid (open rounds only)."""
    today = today or timezone.localdate()
    members_ = list(group.members.select_related("user"))
    out = []
    for round_ in group.rounds.filter(status=ArisanRound.Status.OPEN, due_date__lt=today).order_by("number"):
        paid = set(
            ArisanContribution.objects.filter(round=round_, status=ArisanContribution.Status.PAID).values_list(
                "member_id", flat=True
            )
        )
        out += [Missed(round_, m) for m in members_ if m.pk not in paid]
    return out


def round_progress(round_: ArisanRound) -> tuple[int, int]:
    """(members paid, members) for a round."""
    paid = ArisanContribution.objects.filter(round=round_, status=ArisanContribution.Status.PAID).count()
    return paid, round_.group.members.count()


def pool_balance(group: ArisanGroup) -> int:
    return int(Account.objects.filter(pk=group.pool_account_id).values_list("balance", flat=True).first() or 0)


def published_order(group: ArisanGroup) -> list[int]:
    return list(group.rounds.order_by("number").values_list("winner_id", flat=True))


def verification(group: ArisanGroup, seed: str | None = None) -> draw.Verification | None:
    """Check the group's draw with the revealed seed (or a seed someone typed in)."""
    if group.draw_method != ArisanGroup.DrawMethod.RANDOM or not group.seed_commitment:
        return None
    candidate = seed if seed is not None else group.public_seed
    if not candidate:
        return None
    ids = list(group.members.values_list("pk", flat=True))
    return draw.verify(candidate, group.seed_commitment, ids, published_order(group))
