"""Writes of the bansos app: programs, beneficiaries, enrolment rules, imports, distributions.

Enrolment enforces the program's eligibility rules, one enrolment per person (or per No. KK
for family programs), mutual exclusion between programs and the quota, under row locks so
that two operators cannot overfill a program or slip a person into two exclusive programs.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import Conflict, ValidationFailed
from apps.core.money import rupiah, thousands
from apps.core.nik import age_on, mask
from apps.core.short_text import clean_short_text
from apps.core.uploads import JPEG, PNG, WEBP, UploadRule, check_upload
from apps.notifications.services import notify
from apps.rtrw.models import RukunTetangga

from .identity import Person, check_kk, hash_number
from .models import (
    FAMILY_TARGETS,
    PERIOD_REGEX,
    Beneficiary,
    Distribution,
    Enrolment,
    FundingSource,
    ImportBatch,
    JobPhase,
    Program,
    TargetType,
)

MAX_PROOF_BYTES = 2 * 1024 * 1024
# The photo formats a phone camera or browser produces, judged by their magic bytes.
PROOF_RULE = UploadRule(
    field="proof",
    allowed=(JPEG, PNG, WEBP),
    max_bytes=MAX_PROOF_BYTES,
    label=gettext_lazy("Foto bukti"),
    too_large_code="proof_too_large",
    wrong_type_code="proof_not_image",
)


def is_aid_staff(user: object) -> bool:
    """Bansos data is personal data: only kelurahan staff (Django staff) work with it."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False))


# --- Programs ---------------------------------------------------------------------------


@dataclass
class ProgramInput:
    name: str
    target_type: str
    funding_source: str
    start_date: date
    end_date: date
    quota: int
    amount: int = 0
    description: str = ""
    max_household_income: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    allowed_rt_ids: list[int] = field(default_factory=list)
    exclude_program_ids: list[int] = field(default_factory=list)


def validate_program(data: ProgramInput, program: Program | None) -> tuple[list[RukunTetangga], list[Program]]:
    name = " ".join(data.name.split())
    if not name:
        raise ValidationFailed(_("Nama program wajib diisi."), code="name_required", field="name")
    if len(name) > 200:
        raise ValidationFailed(_("Nama program terlalu panjang (maks. 200 karakter)."), code="too_long", field="name")
    if data.target_type not in TargetType.values:
        raise ValidationFailed(_("Sasaran program tidak dikenal."), code="invalid_target", field="target_type")
    if data.funding_source not in FundingSource.values:
        raise ValidationFailed(_("Sumber dana tidak dikenal."), code="invalid_funding", field="funding_source")
    if data.end_date < data.start_date:
        raise ValidationFailed(
            _("Tanggal selesai tidak boleh sebelum tanggal mulai."), code="end_before_start", field="end_date"
        )
    if data.quota < 1:
        raise ValidationFailed(_("Kuota minimal 1 penerima."), code="invalid_quota", field="quota")
    if data.amount < 0 or (data.max_household_income is not None and data.max_household_income < 0):
        raise ValidationFailed(_("Nilai rupiah tidak boleh negatif."), code="negative_amount", field="amount")
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        raise ValidationFailed(
            _("Usia minimum tidak boleh lebih dari usia maksimum."), code="invalid_age_range", field="min_age"
        )
    duplicate = Program.objects.filter(name__iexact=name)
    if program is not None:
        duplicate = duplicate.exclude(pk=program.pk)
    if duplicate.exists():
        raise Conflict(_("Program dengan nama ini sudah ada."), code="duplicate_program", field="name")
    rts = list(RukunTetangga.objects.filter(pk__in=set(data.allowed_rt_ids)))
    if len(rts) != len(set(data.allowed_rt_ids)):
        raise ValidationFailed(_("Ada RT yang tidak dikenal."), code="unknown_rt", field="allowed_rts")
    excluded_ids = set(data.exclude_program_ids)
    if program is not None and program.pk in excluded_ids:
        raise ValidationFailed(
            _("Program tidak bisa mengecualikan dirinya sendiri."), code="self_exclusion", field="excludes"
        )
    excluded = list(Program.objects.filter(pk__in=excluded_ids))
    if len(excluded) != len(excluded_ids):
        raise ValidationFailed(
            _("Ada program pengecualian yang tidak dikenal."), code="unknown_program", field="excludes"
        )
    data.name = name
    return rts, excluded


@transaction.atomic
def create_program(data: ProgramInput) -> Program:
    rts, excluded = validate_program(data, None)
    program = Program.objects.create(
        name=data.name,
        description=data.description.strip(),
        target_type=data.target_type,
        funding_source=data.funding_source,
        start_date=data.start_date,
        end_date=data.end_date,
        quota=data.quota,
        amount=data.amount,
        max_household_income=data.max_household_income,
        min_age=data.min_age,
        max_age=data.max_age,
    )
    program.allowed_rts.set(rts)
    program.excludes.set(excluded)
    return program


@transaction.atomic
def update_program(program: Program, data: ProgramInput) -> Program:
    """Rules may tighten after people are enrolled (a lower quota, a new exclusion): that is
    allowed and shows up on the conflict list for the operator to resolve."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    rts, excluded = validate_program(data, program)
    for name in (
        "name",
        "target_type",
        "funding_source",
        "start_date",
        "end_date",
        "quota",
        "amount",
        "max_household_income",
        "min_age",
        "max_age",
    ):
        setattr(program, name, getattr(data, name))
    program.description = data.description.strip()
    program.save()
    program.allowed_rts.set(rts)
    program.excludes.set(excluded)
    return program


# --- Beneficiaries ----------------------------------------------------------------------


def unknown_rt(rw: int, rt: int) -> ValidationFailed:
    return ValidationFailed(
        _("RT %(rt)02d/RW %(rw)02d tidak ada di kelurahan ini.") % {"rt": rt, "rw": rw}, code="unknown_rt", field="rt"
    )


def resolve_rt(rw: int, rt: int) -> RukunTetangga:
    unit = RukunTetangga.objects.select_related("rw").filter(rw__number=rw, number=rt).first()
    if unit is None:
        raise unknown_rt(rw, rt)
    return unit


# The fields an import or a save sets from a person's data (all but the NIK hash and the account).
BENEFICIARY_DATA_FIELDS = (
    "nik_masked",
    "kk_hash",
    "kk_masked",
    "birth_date",
    "sex",
    "name",
    "address",
    "rt",
    "household_income",
)


def beneficiary_values(person: Person, rt: RukunTetangga) -> dict[str, object]:
    """BENEFICIARY_DATA_FIELDS from a person's data."""
    return {
        "nik_masked": person.nik_masked,
        "kk_hash": person.kk_hash,
        "kk_masked": person.kk_masked,
        "birth_date": person.birth_date,
        "sex": Beneficiary.Sex.FEMALE if person.female else Beneficiary.Sex.MALE,
        "name": person.name,
        "address": person.address,
        "rt": rt,
        "household_income": person.household_income,
    }


@transaction.atomic
def save_beneficiary(person: Person, *, user: User | None = None) -> Beneficiary:
    """Create the beneficiary with this NIK, or bring an existing one up to date (the newest
    data wins: name, address, RT, No. KK, income)."""
    values = beneficiary_values(person, resolve_rt(person.rw, person.rt))
    beneficiary = Beneficiary.objects.select_for_update().filter(nik_hash=person.nik_hash).first()
    if beneficiary is None:
        try:
            with transaction.atomic():
                return Beneficiary.objects.create(nik_hash=person.nik_hash, user=user, **values)
        except IntegrityError:  # created concurrently: update that one
            beneficiary = Beneficiary.objects.select_for_update().get(nik_hash=person.nik_hash)
    for name, value in values.items():
        setattr(beneficiary, name, value)
    if user is not None:
        beneficiary.user = user
    beneficiary.save()
    return beneficiary


@transaction.atomic
def update_beneficiary(
    beneficiary: Beneficiary,
    *,
    name: str,
    address: str,
    rt: RukunTetangga,
    household_income: int | None,
    user: User | None,
    new_kk: str = "",
) -> Beneficiary:
    """Edit a beneficiary's details; the NIK never changes (a different NIK is a different
    person). A new No. KK replaces the old one."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    clean_name = " ".join((name or "").split())
    if not clean_name:
        raise ValidationFailed(_("Nama wajib diisi."), code="name_required", field="name")
    clean_name = clean_short_text(clean_name, field="name", max_length=150)
    clean_address = clean_short_text(address, field="address", max_length=255, collapse_spaces=True)
    if household_income is not None and household_income < 0:
        raise ValidationFailed(_("Penghasilan tidak boleh negatif."), code="invalid_number", field="household_income")
    if new_kk.strip():
        kk = check_kk(new_kk)
        beneficiary.kk_hash, beneficiary.kk_masked = hash_number("kk", kk), mask(kk)
    beneficiary.name = clean_name
    beneficiary.address = clean_address
    beneficiary.rt = rt
    beneficiary.household_income = household_income
    beneficiary.user = user
    beneficiary.save()
    return beneficiary


# --- Enrolment --------------------------------------------------------------------------


def _lock_key(text: str) -> None:
    """A transaction-scoped advisory lock (per schema and key), e.g. on a family's No. KK."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{connection.schema_name}:{text}"])


def check_eligibility(
    program: Program, beneficiary: Beneficiary, *, today: date, allowed_rt_ids: list[int] | None = None
) -> None:
    """`allowed_rt_ids`: the program's RT rule when the caller has read it already (a bulk import)."""
    if today > program.end_date:
        raise ValidationFailed(_("Program %(program)s sudah berakhir.") % {"program": program}, code="program_ended")
    if program.is_family_target and not beneficiary.kk_hash:
        raise ValidationFailed(_("No. KK wajib untuk program sasaran keluarga."), code="kk_required", field="kk")
    allowed = list(program.allowed_rts.values_list("pk", flat=True)) if allowed_rt_ids is None else allowed_rt_ids
    if allowed and beneficiary.rt_id not in allowed:
        raise ValidationFailed(
            _("%(rt)s bukan RT sasaran program ini.") % {"rt": beneficiary.rt}, code="not_eligible", field="rt"
        )
    age = age_on(beneficiary.birth_date, today)
    if program.min_age is not None and age < program.min_age:
        raise ValidationFailed(
            _("Usia %(age)d tahun, di bawah usia minimum %(min)d tahun.") % {"age": age, "min": program.min_age},
            code="not_eligible",
            field="nik",
        )
    if program.max_age is not None and age > program.max_age:
        raise ValidationFailed(
            _("Usia %(age)d tahun, di atas usia maksimum %(max)d tahun.") % {"age": age, "max": program.max_age},
            code="not_eligible",
            field="nik",
        )
    if program.max_household_income is not None:
        if beneficiary.household_income is None:
            raise ValidationFailed(
                _("Penghasilan rumah tangga wajib diisi untuk program ini."),
                code="income_required",
                field="household_income",
            )
        if beneficiary.household_income > program.max_household_income:
            raise ValidationFailed(
                _("Penghasilan rumah tangga melebihi batas program (Rp%(max)s).")
                % {"max": thousands(program.max_household_income)},
                code="not_eligible",
                field="household_income",
            )


def match_key_for(program: Program, beneficiary: Beneficiary) -> str:
    return beneficiary.kk_hash if program.is_family_target else beneficiary.nik_hash


def already_enrolled(beneficiary: Beneficiary, enrolment: Enrolment) -> Conflict:
    return Conflict(
        _("%(name)s sudah terdaftar di program ini.") % {"name": beneficiary.name},
        code="duplicate",
        enrolment=enrolment.pk,
    )


def family_enrolled(beneficiary: Beneficiary, family: Enrolment) -> Conflict:
    return Conflict(
        _("Keluarga (No. KK %(kk)s) sudah terdaftar di program ini lewat %(name)s.")
        % {"kk": beneficiary.kk_masked, "name": family.beneficiary.name},
        code="duplicate",
        enrolment=family.pk,
    )


def excluded_by(program: Program, beneficiary: Beneficiary, clash: Enrolment) -> Conflict:
    return Conflict(
        _("%(name)s (atau keluarganya) sudah menerima %(other)s, yang tidak boleh bersamaan dengan %(program)s.")
        % {"name": beneficiary.name, "other": clash.program.name, "program": program.name},
        code="excluded",
        program=clash.program_id,
    )


def quota_full(program: Program) -> Conflict:
    return Conflict(
        _("Kuota %(program)s sudah penuh (%(quota)d penerima).") % {"program": program.name, "quota": program.quota},
        code="over_quota",
    )


def _exclusion_clash(program: Program, beneficiary: Beneficiary) -> Enrolment | None:
    """An active enrolment of this person (or, where a family program is involved, of their
    family) in a program that excludes `program`."""
    excluded_ids = list(program.excludes.values_list("pk", flat=True))
    if not excluded_ids:
        return None
    match = Q(beneficiary=beneficiary)
    if beneficiary.kk_hash:
        same_family = Q(beneficiary__kk_hash=beneficiary.kk_hash)
        if not program.is_family_target:
            same_family &= Q(program__target_type__in=FAMILY_TARGETS)
        match |= same_family
    return (
        Enrolment.objects.filter(match, program_id__in=excluded_ids, status=Enrolment.Status.ACTIVE)
        .select_related("program")
        .order_by("program__name")
        .first()
    )


@transaction.atomic
def enrol(
    program: Program,
    beneficiary: Beneficiary,
    *,
    by: User | None,
    source: str = Enrolment.Source.MANUAL,
    batch: ImportBatch | None = None,
) -> Enrolment:
    """Enrol after checking eligibility (422), duplicates, exclusions and quota (409)."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    beneficiary = Beneficiary.objects.select_for_update(of=("self",)).select_related("rt__rw").get(pk=beneficiary.pk)
    if beneficiary.kk_hash:
        _lock_key(f"aid:kk:{beneficiary.kk_hash}")
    check_eligibility(program, beneficiary, today=timezone.localdate())
    existing = Enrolment.objects.filter(program=program, beneficiary=beneficiary).first()
    if existing is not None and existing.status == Enrolment.Status.ACTIVE:
        raise already_enrolled(beneficiary, existing)
    key = match_key_for(program, beneficiary)
    if program.is_family_target:
        family = (
            Enrolment.objects.filter(program=program, match_key=key, status=Enrolment.Status.ACTIVE)
            .select_related("beneficiary")
            .first()
        )
        if family is not None:
            raise family_enrolled(beneficiary, family)
    clash = _exclusion_clash(program, beneficiary)
    if clash is not None:
        raise excluded_by(program, beneficiary, clash)
    active = Enrolment.objects.filter(program=program, status=Enrolment.Status.ACTIVE).count()
    if active >= program.quota:
        raise quota_full(program)
    try:
        with transaction.atomic():
            if existing is not None:  # withdrawn earlier: enrol again
                existing.status = Enrolment.Status.ACTIVE
                existing.match_key = key
                existing.source = source
                existing.import_batch = batch
                existing.enrolled_by = by
                existing.save()
                return existing
            return Enrolment.objects.create(
                program=program,
                beneficiary=beneficiary,
                match_key=key,
                source=source,
                import_batch=batch,
                enrolled_by=by,
            )
    except IntegrityError:
        raise Conflict(
            _("%(name)s sudah terdaftar di program ini.") % {"name": beneficiary.name}, code="duplicate"
        ) from None


@transaction.atomic
def enrol_person(
    program: Program, person: Person, *, by: User | None, source: str = Enrolment.Source.MANUAL
) -> Enrolment:
    return enrol(program, save_beneficiary(person), by=by, source=source)


@transaction.atomic
def withdraw(enrolment: Enrolment, *, by: User | None) -> Enrolment:
    """Take a person out of a program (e.g. to resolve a conflict). Idempotent."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != Enrolment.Status.WITHDRAWN:
        enrolment.status = Enrolment.Status.WITHDRAWN
        enrolment.save(update_fields=["status", "updated_at"])
    return enrolment


# --- Import: dry run, then confirm ------------------------------------------------------


def preview_import(program: Program, *, file_name: str, content: bytes, by: User | None) -> ImportBatch:
    """Dry run: store the file and queue the job that checks every row against the database
    and stages the result for the operator's confirmation (apps.aid.jobs). No
    beneficiary, enrolment or distribution is written. Without a broker it runs at once."""
    from .jobs import start_import

    return start_import(program, file_name=file_name, content=content, by=by)


def confirm_import(batch: ImportBatch, *, by: User | None) -> ImportBatch:
    """Write all rows or none: refused while the preview has row errors; the job re-validates
    every row against the database as it is now (another operator may have enrolled people
    since) and writes them in chunks (apps.aid.jobs). Without a broker it runs at once."""
    from .jobs import start_confirm

    return start_confirm(batch, by=by)


@transaction.atomic
def discard_import(batch: ImportBatch, *, by: User | None) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportBatch.Status.CONFIRMED:
        raise Conflict(_("Impor ini sudah dikonfirmasi."), code="import_confirmed")
    if batch.job_phase == JobPhase.APPLY and (batch.in_progress or batch.rows_written):
        # Rows are being (or were partly) written: only finishing the confirm leaves them whole.
        raise Conflict(_("Impor ini sedang disimpan dan tidak bisa dibatalkan lagi."), code="import_confirming")
    batch.status = ImportBatch.Status.DISCARDED
    batch.rows = []
    name = batch.upload.name
    batch.upload.name = ""
    batch.save(update_fields=["status", "rows", "upload"])
    if name:  # the upload of a preview still being computed: the job stops at its next claim
        storage = batch.upload.storage
        transaction.on_commit(lambda: storage.delete(name))
    return batch


# --- Distributions ----------------------------------------------------------------------


def check_period(program: Program, period: str) -> str:
    period = (period or "").strip()
    if not re.fullmatch(PERIOD_REGEX, period):
        raise ValidationFailed(
            _("Periode harus berformat TTTT-BB, mis. 2026-03."), code="invalid_period", field="period"
        )
    year, month = int(period[:4]), int(period[5:7])
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    if last < program.start_date or first > program.end_date:
        raise ValidationFailed(
            _("Periode %(period)s di luar masa program %(program)s.") % {"period": period, "program": program.name},
            code="period_outside_program",
            field="period",
        )
    return period


@transaction.atomic
def plan_distribution(enrolment: Enrolment, *, period: str, amount: int | None = None) -> tuple[Distribution, bool]:
    """Plan aid for one enrolment and period. Idempotent: the same period returns the same row
    (and False: nothing new)."""
    enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("program").get(pk=enrolment.pk)
    period = check_period(enrolment.program, period)
    if amount is not None and amount < 0:
        raise ValidationFailed(_("Nilai rupiah tidak boleh negatif."), code="negative_amount", field="amount")
    existing = Distribution.objects.filter(enrolment=enrolment, period=period).first()
    if existing is not None:
        return existing, False
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise Conflict(_("Kepesertaan ini sudah dicabut."), code="enrolment_withdrawn")
    distribution = Distribution.objects.create(
        enrolment=enrolment, period=period, amount=enrolment.program.amount if amount is None else amount
    )
    return distribution, True


@transaction.atomic
def plan_period(program: Program, *, period: str) -> int:
    """Plan aid for every active enrolment of the program in a period; returns how many rows
    were new. Running it again plans nothing twice."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    period = check_period(program, period)
    planned = set(
        Distribution.objects.filter(enrolment__program=program, period=period).values_list("enrolment_id", flat=True)
    )
    new = [
        Distribution(enrolment=enrolment, period=period, amount=program.amount)
        for enrolment in program.enrolments.filter(status=Enrolment.Status.ACTIVE).exclude(pk__in=planned)
    ]
    Distribution.objects.bulk_create(new)
    return len(new)


def check_proof(upload: UploadedFile[bytes] | None) -> tuple[bytes, str]:
    """The photo's bytes and extension, or ValidationFailed: required, ≤ 2 MB, JPEG/PNG/WebP by
    its magic bytes (the name and Content-Type sent by the client are not trusted)."""
    if upload is None:
        raise ValidationFailed(_("Foto bukti penyaluran wajib diunggah."), code="proof_required", field="proof")
    checked = check_upload(upload, PROOF_RULE, keep_content=True)
    assert checked.content is not None
    return checked.content, checked.kind.extension


def _locked_distribution(distribution: Distribution) -> Distribution:
    return (
        Distribution.objects.select_for_update(of=("self",))
        .select_related("enrolment__program", "enrolment__beneficiary__user")
        .get(pk=distribution.pk)
    )


@transaction.atomic
def mark_distributed(
    distribution: Distribution, *, by: User, distributed_on: date, proof: UploadedFile[bytes] | None
) -> Distribution:
    """planned/failed → distributed, with date, photo and officer. Repeating the same change is a
    no-op (same row, no second notification); a different date for aid already distributed is a
    conflict."""
    distribution = _locked_distribution(distribution)
    program = distribution.enrolment.program
    if distribution.status == Distribution.Status.DISTRIBUTED:
        if distribution.distributed_on == distributed_on:
            return distribution
        raise Conflict(
            _("Bantuan ini sudah tercatat tersalurkan pada %(date)s.")
            % {"date": date_format(distribution.distributed_on, "DATE_FORMAT") if distribution.distributed_on else "-"},
            code="already_distributed",
        )
    if distributed_on > timezone.localdate():
        raise ValidationFailed(
            _("Tanggal penyaluran tidak boleh di masa depan."), code="future_date", field="distributed_on"
        )
    if distributed_on < program.start_date:
        raise ValidationFailed(
            _("Tanggal penyaluran sebelum program dimulai."), code="before_program", field="distributed_on"
        )
    content, extension = check_proof(proof)
    distribution.status = Distribution.Status.DISTRIBUTED
    distribution.distributed_on = distributed_on
    distribution.officer = by
    distribution.failure_reason = ""
    distribution.proof.save(f"bukti.{extension}", ContentFile(content), save=False)
    distribution.save()
    beneficiary = distribution.enrolment.beneficiary
    if beneficiary.user is not None:
        notify(
            [beneficiary.user],
            event="aid.distributed",
            title=_("Bantuan %(program)s sudah disalurkan") % {"program": program.name},
            body=_("Bantuan %(program)s periode %(period)s senilai %(amount)s tercatat diterima pada %(date)s.")
            % {
                "program": program.name,
                "period": distribution.period,
                "amount": rupiah(distribution.amount),
                "date": date_format(distributed_on, "DATE_FORMAT"),
            },
            key=f"aid-distribution-{distribution.pk}-distributed",
        )
    return distribution


@transaction.atomic
def mark_failed(distribution: Distribution, *, by: User, reason: str) -> Distribution:
    """planned → failed with a reason. Repeating it with the same reason is a no-op; aid that was
    already distributed cannot fail afterwards (409)."""
    distribution = _locked_distribution(distribution)
    reason = " ".join((reason or "").split())
    if distribution.status == Distribution.Status.DISTRIBUTED:
        raise Conflict(_("Bantuan ini sudah tersalurkan; tidak bisa ditandai gagal."), code="already_distributed")
    if distribution.status == Distribution.Status.FAILED and reason == distribution.failure_reason:
        return distribution
    if not reason:
        raise ValidationFailed(_("Alasan gagal wajib diisi."), code="reason_required", field="reason")
    if len(reason) > 255:
        raise ValidationFailed(
            _("Alasan terlalu panjang (maks. 255 karakter)."), code="reason_too_long", field="reason"
        )
    if distribution.status == Distribution.Status.FAILED:
        raise Conflict(_("Bantuan ini sudah ditandai gagal dengan alasan lain."), code="already_failed")
    distribution.status = Distribution.Status.FAILED
    distribution.failure_reason = reason
    distribution.officer = by
    distribution.save()
    return distribution


@transaction.atomic
def redeem_in_kind(distribution: Distribution, *, by: User, reference: str, on: date | None = None) -> Distribution:
    """A planned distribution received in kind through another app (apps.sembako: a household's
    staples paid by its bansos entitlement). Marks it distributed once: the receipt naming the
    `reference` is its proof. Already distributed (or failed) is a conflict: an entitlement is
    redeemed once (the caller keeps its own replay answer)."""
    distribution = _locked_distribution(distribution)
    reference = reference.strip()[:100]  # built by the caller (apps.sembako "sembako:<pk>"), never typed
    if distribution.status == Distribution.Status.DISTRIBUTED:
        raise Conflict(_("Hak bansos ini sudah pernah ditebus."), code="already_distributed")
    if distribution.status != Distribution.Status.PLANNED:
        raise Conflict(_("Hak bansos ini tidak bisa ditebus."), code="not_redeemable")
    if distribution.enrolment.status != Enrolment.Status.ACTIVE:
        raise Conflict(_("Kepesertaan ini sudah dicabut."), code="enrolment_withdrawn")
    day = on or timezone.localdate()
    receipt = (
        f"{distribution.enrolment.program.name}\n{distribution.period}\n{reference}\n{day.isoformat()}\n{by.pk}\n"
    ).encode()
    distribution.status = Distribution.Status.DISTRIBUTED
    distribution.distributed_on = day
    distribution.officer = by
    distribution.proof.save("tebus.txt", ContentFile(receipt), save=False)
    distribution.save()
    return distribution
