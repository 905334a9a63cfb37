"""GoTukang reads: the directory, a person's jobs, and who may see a job."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.accounts.roles import Role

from .models import Job, Quote, Skill, Tukang


def directory(*, skill: str = "", rw: int | None = None, query: str = "") -> QuerySet[Tukang]:
    """Active, available tukang; best rated first. A tukang without RWs serves everywhere."""
    found = Tukang.objects.filter(is_active=True, available=True)
    if skill in Skill.values:
        found = found.filter(skills__contains=[skill])
    if rw is not None:
        found = found.filter(Q(rws=[]) | Q(rws__contains=[rw]))
    if query.strip():
        found = found.filter(Q(name__icontains=query.strip()) | Q(bio__icontains=query.strip()))
    # Most-rated first (the stored counts: no aggregate per row), then by name.
    return found.order_by("-rating_count", "name")


def tukang_of(user: User | None) -> Tukang | None:
    if user is None or not user.is_authenticated:
        return None
    return Tukang.objects.filter(user=user).first()


def my_requests(user: User) -> QuerySet[Job]:
    return Job.objects.filter(requester=user).select_related("tukang")


def jobs_for_tukang(tukang: Tukang) -> QuerySet[Job]:
    """Jobs asked of this tukang, and open jobs for one of its skills nobody booked yet."""
    open_to_all = Q(tukang__isnull=True, status=Job.Status.OPEN, skill__in=tukang.skills) & ~Q(requester=tukang.user)
    return Job.objects.filter(Q(tukang=tukang) | open_to_all).select_related("tukang", "requester")


def disputes() -> QuerySet[Job]:
    return Job.objects.filter(dispute=Job.Dispute.OPEN).select_related("tukang", "requester")


def may_view(job: Job, user: User) -> bool:
    if job.requester_id == user.pk:
        return True
    tukang = tukang_of(user)
    if tukang is not None:
        if job.tukang_id == tukang.pk:
            return True
        if job.tukang_id is None and job.skill in tukang.skills:
            return True
        if Quote.objects.filter(job=job, tukang=tukang).exists():
            return True
    return bool(user.is_superuser or user.has_any_role(Role.LURAH, Role.ADMIN))


def job_quotes(job: Job) -> QuerySet[Quote]:
    return Quote.objects.filter(job=job).select_related("tukang")
