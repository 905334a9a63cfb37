"""Reads of the bansos app: programs with their fill, distributions by filter, conflicts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from .models import Distribution, Enrolment, Program


def programs_with_counts() -> QuerySet[Program]:
    return Program.objects.annotate(
        active_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ACTIVE))
    ).order_by("-start_date", "name")


def distributions(
    *, program: int | str | None = None, period: str = "", status: str = "", q: str = ""
) -> QuerySet[Distribution]:
    qs = Distribution.objects.select_related(
        "enrolment__program", "enrolment__beneficiary__rt__rw", "officer"
    ).order_by("-period", "enrolment__program__name", "enrolment__beneficiary__name", "pk")
    if program:
        qs = qs.filter(enrolment__program_id=program) if str(program).isdigit() else qs.none()
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(enrolment__beneficiary__name__icontains=q)
    return qs


def periods() -> list[str]:
    return list(Distribution.objects.order_by("-period").values_list("period", flat=True).distinct())


@dataclass
class ConflictItem:
    kind: str  # "exclusion" | "over_quota" | "duplicate"
    message: str
    programs: list[Program]
    enrolments: list[Enrolment] = field(default_factory=list)


def conflicts() -> list[ConflictItem]:
    """Everything that breaks a program rule among active enrolments: the same person (or
    family, for family programs) in programs that exclude each other, the same person or
    family twice in one program, and programs over quota. Enrolment refuses all three; they
    appear when rules tighten afterwards (a new exclusion, a lower quota, a changed No. KK)."""
    programs = {p.pk: p for p in Program.objects.prefetch_related("excludes").order_by("name")}
    by_program: dict[int, list[Enrolment]] = defaultdict(list)
    active = Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).select_related("program", "beneficiary__rt__rw")
    for enrolment in active.order_by("beneficiary__name", "pk"):
        by_program[enrolment.program_id].append(enrolment)
    items: list[ConflictItem] = []

    seen_pairs: set[tuple[int, int]] = set()
    for program in programs.values():
        for other in program.excludes.all():
            pair = (min(program.pk, other.pk), max(program.pk, other.pk))
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
            first, second = programs[pair[0]], programs[pair[1]]
            family = first.is_family_target or second.is_family_target
            by_nik: dict[str, list[Enrolment]] = defaultdict(list)
            by_kk: dict[str, list[Enrolment]] = defaultdict(list)
            for enrolment in by_program[second.pk]:
                by_nik[enrolment.beneficiary.nik_hash].append(enrolment)
                if family and enrolment.beneficiary.kk_hash:
                    by_kk[enrolment.beneficiary.kk_hash].append(enrolment)
            for enrolment in by_program[first.pk]:
                found = {e.pk: e for e in by_nik.get(enrolment.beneficiary.nik_hash, [])}
                if family and enrolment.beneficiary.kk_hash:
                    found.update({e.pk: e for e in by_kk.get(enrolment.beneficiary.kk_hash, [])})
                for match in found.values():
                    same = match.beneficiary_id == enrolment.beneficiary_id
                    message = (
                        _("%(name)s menerima %(a)s dan %(b)s, yang tidak boleh bersamaan.")
                        if same
                        else _("Satu keluarga (No. KK %(kk)s) menerima %(a)s dan %(b)s, yang tidak boleh bersamaan.")
                    ) % {
                        "name": enrolment.beneficiary.name,
                        "kk": enrolment.beneficiary.kk_masked,
                        "a": first.name,
                        "b": second.name,
                    }
                    items.append(ConflictItem("exclusion", message, [first, second], [enrolment, match]))

    for program in programs.values():
        groups: dict[str, list[Enrolment]] = defaultdict(list)
        for enrolment in by_program[program.pk]:
            key = enrolment.beneficiary.kk_hash if program.is_family_target else enrolment.beneficiary.nik_hash
            if key:
                groups[key].append(enrolment)
        for group in groups.values():
            if len(group) > 1:
                message = _("%(count)d penerima dari satu keluarga (No. KK %(kk)s) terdaftar di %(program)s.") % {
                    "count": len(group),
                    "kk": group[0].beneficiary.kk_masked,
                    "program": program.name,
                }
                items.append(ConflictItem("duplicate", message, [program], group))

    for program in programs.values():
        count = len(by_program[program.pk])
        if count > program.quota:
            message = _("%(program)s punya %(count)d penerima aktif, melebihi kuota %(quota)d.") % {
                "program": program.name,
                "count": count,
                "quota": program.quota,
            }
            items.append(ConflictItem("over_quota", message, [program]))
    return items


def redeemable_distribution(program: Program, user: object) -> Distribution | None:
    """The oldest planned distribution of `program` whose beneficiary is this signed-in user
    (an active enrolment): what a bansos-in-kind redemption (apps.sembako) may settle."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return None
    return (
        Distribution.objects.filter(
            enrolment__program=program,
            enrolment__status=Enrolment.Status.ACTIVE,
            enrolment__beneficiary__user_id=user_id,
            status=Distribution.Status.PLANNED,
        )
        .select_related("enrolment__program")
        .order_by("period", "pk")
        .first()
    )
