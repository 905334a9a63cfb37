"""Bansos programs and recipients; lenders, loan products and loans, through the aid and lending
services (eligibility, quota and duplicate checks on enrolment; scoring, schedule and the
ledger on disbursement)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.aid import services as aid
from apps.aid.identity import build_person
from apps.aid.models import Enrolment, FundingSource, Program, TargetType
from apps.lending import services as lending
from apps.lending.models import Lender, Loan, LoanProduct

from .accounts import RtFactory, UserFactory
from .base import ServiceFactory, unique_key

REGION = "357703"  # Kota Madiun, Kec. Taman

# A steady small shop's features: the scorecard gives an offer for these.
GOOD_FEATURES: dict[str, float | int | None] = {
    "gmv_avg_3m": 12_000_000.0,
    "gmv_trend_3m": 0.05,
    "orders_3m": 240,
    "active_weeks_ratio_12w": 1.0,
    "refund_rate_3m": 0.0,
    "cancel_rate_3m": 0.01,
    "cancellations_30d": 0,
    "rating_avg": 4.8,
    "rating_count": 60,
    "tenure_months": 36,
    "permit_level": 2,
    "iuran_on_time_ratio": 1.0,
    "repay_on_time_ratio": None,
    "repay_max_dpd": None,
    "prior_loans_count": 0,
}


def nik(serial: int, born: dt.date = dt.date(1980, 5, 17), female: bool = False) -> str:
    day = born.day + 40 if female else born.day
    return f"{REGION}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def kk(serial: int) -> str:
    return f"{REGION}010120{serial:04d}"


class ProgramFactory(ServiceFactory):
    """A bansos program for individuals running this whole year, quota 10, Rp300.000."""

    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"BLT Uji {n}")
    target_type = TargetType.INDIVIDUAL
    funding_source = FundingSource.DANA_DESA
    start_date = factory.LazyFunction(lambda: dt.date(timezone.localdate().year, 1, 1))
    end_date = factory.LazyFunction(lambda: dt.date(timezone.localdate().year, 12, 31))
    quota = 10
    amount = 300_000

    @classmethod
    def _service(cls, **kwargs: Any) -> Program:
        return aid.create_program(aid.ProgramInput(**kwargs))


class RecipientFactory(ServiceFactory):
    """A bansos recipient: a person (synthetic NIK/No. KK) in an RT, enrolled in `program`."""

    class Meta:
        model = Enrolment

    program = factory.SubFactory(ProgramFactory)
    serial = factory.Sequence(lambda n: 1000 + n)
    name = factory.Faker("name", locale="id_ID")
    rt = factory.SubFactory(RtFactory)
    by: Any = None

    @classmethod
    def _service(cls, *, program: Program, serial: int, name: str, rt: Any, by: User | None) -> Enrolment:
        person = build_person(nik=nik(serial), kk=kk(serial), name=name, rw=rt.rw.number, rt=rt.number)
        return aid.enrol_person(program, person, by=by)


class LenderFactory(ServiceFactory):
    """A BPR with one officer (PETUGAS_LKM)."""

    class Meta:
        model = Lender

    name = factory.Sequence(lambda n: f"BPR Uji {n}")
    kind = "bpr"
    officers = factory.LazyFunction(lambda: [UserFactory(roles=[Role.PETUGAS_LKM])])

    @classmethod
    def _service(cls, **kwargs: Any) -> Lender:
        return lending.open_lender(**kwargs)


class LoanProductFactory(ServiceFactory):
    """Modal usaha: Rp500.000-50.000.000, 1-24 months, 18% a year declining balance."""

    class Meta:
        model = LoanProduct

    lender = factory.SubFactory(LenderFactory)
    name = "Modal Usaha"
    min_amount = 500_000
    max_amount = 50_000_000
    min_tenor_months = 1
    max_tenor_months = 24
    annual_rate = "18"
    disbursement_fee_percent = "1"
    penalty_percent = "2"
    penalty_grace_days = 3

    @classmethod
    def _service(cls, *, lender: Lender, **terms: Any) -> LoanProduct:
        return lending.create_product(lender, lending.ProductTerms(**terms))


class LoanFactory(ServiceFactory):
    """A disbursed loan to a UMKM owner: applied (scored on GOOD_FEATURES as of `on`), approved
    and disbursed on `on` by the lender's officer."""

    class Meta:
        model = Loan

    product = factory.SubFactory(LoanProductFactory)
    applicant = factory.SubFactory(UserFactory, roles=[Role.PEMILIK_UMKM])
    amount = 1_200_000
    tenor_months = 3
    on = factory.LazyFunction(timezone.localdate)

    @classmethod
    def _service(cls, *, product: LoanProduct, applicant: User, amount: int, tenor_months: int, on: dt.date) -> Loan:
        application = lending.apply(
            applicant,
            product,
            amount=amount,
            tenor_months=tenor_months,
            idempotency_key=unique_key("loan"),
            features=GOOD_FEATURES,
            as_of=on,
        )
        officer = product.lender.officers.order_by("pk").first()
        assert officer is not None, "LoanFactory needs a lender with an officer"
        lending.approve(application, officer, reason="usaha lancar")
        return lending.disburse(application, officer, on_date=on)
