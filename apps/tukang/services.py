"""GoTukang writes: one function per change, each one transaction, status changes under a row
lock of the job, notifications in the same transaction (the outbox delivers after commit).

Money goes through apps.payments only: a done job gets a bill (PaymentRequest, reference
"tukang:<job public_id>") from the tukang's merchant account; the resident pays it with the
wallet or QRIS on the bill's page, or the tukang records cash. `job_payment_settled` (registered
with apps.payments.events) marks the job paid whichever way the bill was settled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import phones
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import parse_rupiah, rupiah
from apps.core.short_text import clean_short_text
from apps.core.uploads import JPEG, PNG, WEBP, UploadRule, check_upload
from apps.feedback import services as feedback
from apps.notifications.services import notify, notify_contact
from apps.payments import services as payments
from apps.payments.events import PaymentSettled
from apps.payments.models import PaymentRequest
from apps.rtrw.models import RukunWarga

from .models import Job, Quote, RateUnit, Skill, Tukang

REFERENCE_KIND = "tukang"
MAX_RATE = 100_000_000
MAX_PHOTOS = 2
PHOTO_RULE = UploadRule(
    field="photos", allowed=(JPEG, PNG, WEBP), max_bytes=5 * 1024 * 1024, label=gettext_lazy("Foto pekerjaan")
)
MCC_CONTRACTORS = "1799"  # special trade contractors
# Bounds of the free text kept in TextFields (no column bound): what the forms and the API take.
MAX_BIO = 2000
MAX_DESCRIPTION = 2000
MAX_REVIEW = 1000
MAX_DISPUTE_TEXT = 2000


def is_kelurahan_staff(user: User) -> bool:
    return bool(user.is_superuser or user.has_any_role(Role.LURAH, Role.ADMIN))


def _clean_skills(skills: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(s for s in skills if s))
    valid = set(Skill.values)
    if not chosen or any(s not in valid for s in chosen):
        raise ValidationFailed(_("Pilih minimal satu keahlian dari daftar."), code="invalid_skills", field="skills")
    return chosen


def _clean_rws(rws: Iterable[int]) -> list[int]:
    numbers = sorted({int(n) for n in rws})
    if numbers:
        known = set(RukunWarga.objects.filter(number__in=numbers).values_list("number", flat=True))
        if set(numbers) - known:
            raise ValidationFailed(_("RW yang dipilih tidak ada di kelurahan ini."), code="invalid_rw", field="rws")
    return numbers


def _clean_amount(amount: Any, field: str) -> int:
    """Rupiah as typed or sent ("Rp25.000", "25.000,00", 25000); a fraction (25000.7) is refused, never cut."""
    value = parse_rupiah(amount, allow_negative=True)
    if value is None:
        raise ValidationFailed(_("Isi harga dalam rupiah (angka)."), code="invalid_amount", field=field)
    if value < 0 or value > MAX_RATE:
        raise ValidationFailed(_("Harga di luar batas yang wajar."), code="invalid_amount", field=field)
    return value


@transaction.atomic
def register_tukang(
    user: User,
    *,
    name: str,
    skills: Sequence[str],
    rate: int | str,
    rate_unit: str = RateUnit.DAY,
    rws: Sequence[int] = (),
    available: bool = True,
    availability_note: str = "",
    bio: str = "",
) -> Tukang:
    """Register (or update) the signed-in user's own tukang listing."""
    name = clean_short_text(name, field="name", max_length=100) or str(user)[:100]
    availability_note = clean_short_text(availability_note, field="availability_note", max_length=200)
    bio = clean_short_text(bio, field="bio", max_length=MAX_BIO)
    if rate_unit not in RateUnit.values:
        raise ValidationFailed(_("Satuan tarif tidak dikenal."), code="invalid_rate_unit", field="rate_unit")
    values: dict[str, Any] = {
        "name": name,
        "skills": _clean_skills(skills),
        "rws": _clean_rws(rws),
        "rate": _clean_amount(rate, "rate"),
        "rate_unit": rate_unit,
        "available": available,
        "availability_note": availability_note,
        "bio": bio,
        "is_active": True,
    }
    tukang = Tukang.objects.select_for_update().filter(user=user).first()
    if tukang is None:
        return Tukang.objects.create(user=user, **values)
    for key, value in values.items():
        setattr(tukang, key, value)
    tukang.save()
    return tukang


@transaction.atomic
def set_available(tukang: Tukang, *, available: bool, actor: User) -> Tukang:
    if tukang.user_id != actor.pk:
        raise Forbidden(_("Hanya tukang itu sendiri yang bisa mengubah ketersediaannya."))
    Tukang.objects.filter(pk=tukang.pk).update(available=available)
    tukang.available = available
    return tukang


def _lock(job: Job) -> Job:
    return Job.objects.select_for_update(of=("self",)).select_related("tukang", "requester").get(pk=job.pk)


def _save_photos(job: Job, photos: Sequence[UploadedFile[Any]]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("Paling banyak %(n)d foto.") % {"n": MAX_PHOTOS}, code="too_many_photos", field="photos"
        )
    for field, upload in zip(("photo", "photo_2"), photos, strict=False):
        checked = check_upload(upload, PHOTO_RULE)
        getattr(job, field).save(f"foto.{checked.kind.extension}", checked.file, save=False)


def _point(value: Any, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        point = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        raise ValidationFailed(_("Titik peta tidak valid."), code="invalid_point", field=field) from None
    if abs(point) > bound:
        raise ValidationFailed(_("Titik peta tidak valid."), code="invalid_point", field=field)
    return point


@transaction.atomic
def request_job(
    requester: User | None,
    *,
    skill: str,
    description: str,
    tukang: Tukang | None = None,
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    photos: Sequence[UploadedFile[Any]] = (),
    contact_phone: str = "",
    source: str = Job.Source.WEB,
) -> Job:
    """A resident asks for a job: to one tukang, or to every available tukang with the skill.
    `requester` is None only for a WhatsApp guest, who is reached at `contact_phone`."""
    if skill not in Skill.values:
        raise ValidationFailed(_("Pilih keahlian dari daftar."), code="invalid_skill", field="skill")
    description = clean_short_text(description, field="description", max_length=MAX_DESCRIPTION, collapse_spaces=True)
    if len(description) < 5:
        raise ValidationFailed(_("Ceritakan pekerjaannya (minimal 5 huruf)."), code="description", field="description")
    address = clean_short_text(address, field="address", max_length=200)
    if requester is None and not contact_phone:
        raise ValidationFailed(_("Nomor HP pemesan wajib ada."), code="contact_required")
    if contact_phone:
        # A number to reach the requester at is checked as a number (and stored as +62...), never cut.
        contact_phone = phones.to_e164(contact_phone)
        if not contact_phone:
            raise ValidationFailed(phones.INVALID_MOBILE, code="invalid_phone", field="contact_phone")
    if tukang is not None:
        if not (tukang.is_active and tukang.available) or skill not in tukang.skills:
            raise Conflict(_("Tukang ini sedang tidak menerima pekerjaan %(skill)s.") % {"skill": Skill(skill).label})
        if requester is not None and tukang.user_id == requester.pk:
            raise ValidationFailed(_("Anda tidak bisa memesan diri sendiri."), code="self_request")
    lat_value, lng_value = _point(lat, "lat", 90), _point(lng, "lng", 180)
    if (lat_value is None) != (lng_value is None):
        raise ValidationFailed(_("Titik peta tidak lengkap."), code="invalid_point", field="lat")
    job = Job(
        requester=requester,
        contact_phone=contact_phone or (requester.phone if requester else ""),
        tukang=tukang,
        skill=skill,
        description=description,
        address=address,
        lat=lat_value,
        lng=lng_value,
        source=source,
    )
    _save_photos(job, photos)
    job.save()
    who = str(requester) if requester else job.contact_phone
    targets = (
        [tukang.user]
        if tukang is not None
        else [
            t.user
            for t in Tukang.objects.select_related("user").filter(
                is_active=True, available=True, skills__contains=[skill]
            )
        ]
    )
    notify(
        targets,
        event="tukang.job_requested",
        title=_("Permintaan pekerjaan %(skill)s") % {"skill": job.get_skill_display()},
        body=_("%(who)s: %(text)s") % {"who": who, "text": description[:200]},
        url=f"/tukang/pekerjaan/{job.public_id}/",
        key=f"tukang-job-{job.pk}-requested",
    )
    return job


def _tukang_of(user: User) -> Tukang:
    tukang = Tukang.objects.filter(user=user, is_active=True).first()
    if tukang is None:
        raise Forbidden(_("Daftar sebagai tukang dulu."))
    return tukang


def may_quote(job: Job, tukang: Tukang) -> bool:
    if job.tukang_id is not None:
        return job.tukang_id == tukang.pk
    return job.skill in tukang.skills and job.requester_id != tukang.user_id


@transaction.atomic
def submit_quote(job: Job, *, actor: User, amount: int | str, note: str = "") -> Quote:
    """The tukang's price for an open job; quoting again replaces the price."""
    tukang = _tukang_of(actor)
    job = _lock(job)
    if job.status != Job.Status.OPEN:
        raise Conflict(_("Pekerjaan ini tidak menunggu penawaran lagi."), code="not_open")
    if not may_quote(job, tukang):
        raise Forbidden(_("Pekerjaan ini bukan untuk Anda."))
    value = _clean_amount(amount, "amount")
    if value == 0:
        raise ValidationFailed(_("Harga harus lebih dari nol."), code="invalid_amount", field="amount")
    note = clean_short_text(note, field="note", max_length=300)
    quote, _created = Quote.objects.update_or_create(
        job=job, tukang=tukang, defaults={"amount": value, "note": note, "status": Quote.Status.OFFERED}
    )
    _tell_requester(
        job,
        event="tukang.quoted",
        title=_("Penawaran dari %(name)s") % {"name": tukang.name},
        body=_("%(name)s menawarkan %(amount)s untuk pekerjaan Anda.") % {"name": tukang.name, "amount": rupiah(value)},
        key=f"tukang-quote-{quote.pk}-{value}",
    )
    return quote


def _tell_requester(job: Job, *, event: str, title: str, body: str, key: str) -> None:
    url = f"/tukang/pekerjaan/{job.public_id}/"
    if job.requester is not None:
        notify([job.requester], event=event, title=title, body=body, url=url, key=key)
    else:  # a WhatsApp guest: the job's lock serialises notify_contact's get_or_create
        notify_contact(phone=job.contact_phone, event=event, title=title, body=body, url=url, key=key)


def _require_requester(job: Job, actor: User) -> None:
    if job.requester_id != actor.pk:
        raise Forbidden(_("Hanya pemesan yang bisa melakukan ini."))


@transaction.atomic
def book_quote(job: Job, quote: Quote, *, actor: User) -> Job:
    """The resident chooses one quote: the job is booked with that tukang at that price."""
    job = _lock(job)
    _require_requester(job, actor)
    if quote.job_id != job.pk:
        raise NotFound(_("Penawaran tidak ditemukan."))
    if job.status == Job.Status.BOOKED and job.tukang_id == quote.tukang_id:
        return job  # a repeated tap
    if job.status != Job.Status.OPEN:
        raise Conflict(_("Pekerjaan ini sudah %(status)s.") % {"status": job.get_status_display()}, code="not_open")
    quote = Quote.objects.select_related("tukang__user").get(pk=quote.pk)
    Quote.objects.filter(job=job).exclude(pk=quote.pk).update(status=Quote.Status.DECLINED)
    quote.status = Quote.Status.ACCEPTED
    quote.save(update_fields=["status"])
    job.tukang = quote.tukang
    job.agreed_amount = quote.amount
    job.status = Job.Status.BOOKED
    job.booked_at = timezone.now()
    job.save(update_fields=["tukang", "agreed_amount", "status", "booked_at"])
    notify(
        [quote.tukang.user],
        event="tukang.booked",
        title=_("Penawaran Anda dipilih"),
        body=_("Pekerjaan %(skill)s dipesan seharga %(amount)s.")
        % {"skill": job.get_skill_display(), "amount": rupiah(quote.amount)},
        url=f"/tukang/pekerjaan/{job.public_id}/",
        key=f"tukang-job-{job.pk}-booked",
    )
    return job


@transaction.atomic
def cancel_job(job: Job, *, actor: User) -> Job:
    job = _lock(job)
    _require_requester(job, actor)
    if job.status == Job.Status.CANCELLED:
        return job
    if job.status != Job.Status.OPEN and not (job.status == Job.Status.BOOKED and not job.paid_method):
        raise Conflict(_("Pekerjaan ini tidak bisa dibatalkan lagi."), code="not_cancellable")
    job.status = Job.Status.CANCELLED
    job.save(update_fields=["status"])
    if job.tukang is not None:
        notify(
            [job.tukang.user],
            event="tukang.cancelled",
            title=_("Pesanan dibatalkan"),
            body=_("Pemesan membatalkan pekerjaan %(skill)s.") % {"skill": job.get_skill_display()},
            url=f"/tukang/pekerjaan/{job.public_id}/",
            key=f"tukang-job-{job.pk}-cancelled",
        )
    return job


def _bill(job: Job) -> PaymentRequest:
    """The job's bill from the tukang's merchant account (opened on first use)."""
    assert job.tukang is not None and job.agreed_amount is not None
    tukang = Tukang.objects.select_for_update().get(pk=job.tukang.pk)
    if tukang.payment_account is None:
        tukang.payment_account = payments.open_merchant_account(
            tukang.user, tukang.name, mcc=MCC_CONTRACTORS, code=f"merchant:{tukang.user_id}:tukang"
        )
        tukang.save(update_fields=["payment_account"])
    return payments.create_payment_request(
        tukang.payment_account,
        job.agreed_amount,
        description=str(_("GoTukang: %(skill)s") % {"skill": job.get_skill_display()}),
        reference=job.reference,
        actor=tukang.user,
        open_qris_charge=False,  # the QRIS charge opens when the resident chooses QRIS
    )


@transaction.atomic
def complete_job(job: Job, *, actor: User) -> Job:
    """The tukang reports the job done; the resident gets the bill to pay and may then rate."""
    job = _lock(job)
    if job.tukang is None or job.tukang.user_id != actor.pk:
        raise Forbidden(_("Hanya tukang yang mengerjakan yang bisa menandai selesai."))
    if job.status == Job.Status.DONE:
        return job
    if job.status != Job.Status.BOOKED:
        raise Conflict(_("Pekerjaan ini belum dipesan."), code="not_booked")
    job.status = Job.Status.DONE
    job.done_at = timezone.now()
    if job.payment_request_id is None and job.agreed_amount:
        job.payment_request = _bill(job)
    job.save(update_fields=["status", "done_at", "payment_request"])
    _tell_requester(
        job,
        event="tukang.done",
        title=_("Pekerjaan selesai"),
        body=_("%(name)s menandai pekerjaan selesai. Bayar %(amount)s dan beri nilai.")
        % {"name": job.tukang.name, "amount": rupiah(job.agreed_amount or 0)},
        key=f"tukang-job-{job.pk}-done",
    )
    # The tukang's own stars rate the tukang; this asks how the service worked (asked after commit).
    feedback.ask_csat(job.requester, "tukang", job.pk, reverse("tukang:job", args=[job.public_id]))
    return job


def _mark_paid(job: Job, method: str) -> None:
    if job.paid_method:
        return
    job.paid_method = method
    job.paid_at = timezone.now()
    job.save(update_fields=["paid_method", "paid_at"])


@transaction.atomic
def pay_with_wallet(job: Job, *, actor: User, idempotency_key: str) -> Job:
    job = _lock(job)
    _require_requester(job, actor)
    if job.payment_request is None:
        raise Conflict(_("Belum ada tagihan untuk pekerjaan ini."), code="no_bill")
    payments.pay_request_with_wallet(job.payment_request, actor, idempotency_key=idempotency_key)
    _mark_paid(job, Job.Payment.WALLET)
    return job


@transaction.atomic
def record_cash(job: Job, *, actor: User) -> Job:
    """The tukang received cash: the bill is closed without a ledger movement."""
    job = _lock(job)
    if job.tukang is None or job.tukang.user_id != actor.pk:
        raise Forbidden(_("Hanya tukang yang menerima uangnya yang bisa mencatat tunai."))
    if job.payment_request is None:
        raise Conflict(_("Belum ada tagihan untuk pekerjaan ini."), code="no_bill")
    payments.confirm_cash_received(job.payment_request, actor=actor)
    _mark_paid(job, Job.Payment.CASH)
    return job


def job_payment_settled(event: PaymentSettled) -> None:
    """apps.payments event (after commit): a QRIS payment (or any other) of a job's bill."""
    method = {"wallet": Job.Payment.WALLET, "qris": Job.Payment.QRIS, "cod": Job.Payment.CASH}.get(event.method, "")
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(public_id=event.key).first()
        if job is not None and method:
            _mark_paid(job, method)


@transaction.atomic
def rate_job(job: Job, *, actor: User, rating: int | str, review: str = "") -> Job:
    """One rating per job, by its requester, once it is done (the database refuses the rest)."""
    job = _lock(job)
    _require_requester(job, actor)
    if job.status != Job.Status.DONE:
        raise Conflict(_("Nilai hanya bisa diberikan setelah pekerjaan selesai."), code="not_done")
    if job.rating is not None:
        raise Conflict(_("Pekerjaan ini sudah dinilai."), code="already_rated")
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationFailed(_("Nilai harus 1 sampai 5."), code="invalid_rating", field="rating")
    job.rating = value
    job.review = clean_short_text(review, field="review", max_length=MAX_REVIEW)
    job.rated_at = timezone.now()
    job.save(update_fields=["rating", "review", "rated_at"])
    assert job.tukang_id is not None
    Tukang.objects.filter(pk=job.tukang_id).update(
        rating_sum=F("rating_sum") + value, rating_count=F("rating_count") + 1
    )
    return job


@transaction.atomic
def open_dispute(job: Job, *, actor: User, reason: str) -> Job:
    """Requester or tukang takes a booked or done job to the kelurahan."""
    job = _lock(job)
    is_party = job.requester_id == actor.pk or (job.tukang is not None and job.tukang.user_id == actor.pk)
    if not is_party:
        raise Forbidden(_("Hanya pemesan atau tukangnya yang bisa mengajukan keluhan."))
    if job.status not in (Job.Status.BOOKED, Job.Status.DONE):
        raise Conflict(_("Keluhan hanya untuk pekerjaan yang sudah dipesan."), code="not_booked")
    if job.dispute == Job.Dispute.OPEN:
        return job
    reason = clean_short_text(reason, field="reason", max_length=MAX_DISPUTE_TEXT)
    if len(reason) < 5:
        raise ValidationFailed(_("Jelaskan keluhannya."), code="reason_required", field="reason")
    job.dispute = Job.Dispute.OPEN
    job.dispute_reason = reason
    job.dispute_resolution = ""
    job.disputed_at = job.disputed_at or timezone.now()  # a reopened dispute keeps its first day
    job.save(update_fields=["dispute", "dispute_reason", "dispute_resolution", "disputed_at"])
    staff = User.objects.filter(is_active=True, groups__name__in=[Role.LURAH.value, Role.ADMIN.value]).distinct()
    notify(
        staff,
        event="tukang.dispute",
        title=_("Keluhan GoTukang #%(id)d") % {"id": job.pk},
        body=reason[:200],
        url=f"/tukang/pekerjaan/{job.public_id}/",
        key=f"tukang-job-{job.pk}-dispute-{timezone.now():%Y%m%d%H%M%S}",
    )
    return job


@transaction.atomic
def resolve_dispute(job: Job, *, actor: User, resolution: str) -> Job:
    if not is_kelurahan_staff(actor):
        raise Forbidden(_("Hanya lurah atau admin kelurahan yang memutuskan keluhan."))
    job = _lock(job)
    if job.dispute != Job.Dispute.OPEN:
        raise Conflict(_("Tidak ada keluhan terbuka."), code="no_dispute")
    resolution = clean_short_text(resolution, field="resolution", max_length=MAX_DISPUTE_TEXT)
    if len(resolution) < 5:
        raise ValidationFailed(_("Tulis keputusan kelurahan."), code="resolution_required", field="resolution")
    job.dispute = Job.Dispute.RESOLVED
    job.dispute_resolution = resolution
    job.dispute_resolved_by = actor
    job.save(update_fields=["dispute", "dispute_resolution", "dispute_resolved_by"])
    parties = [u for u in (job.requester, job.tukang.user if job.tukang else None) if u is not None]
    notify(
        parties,
        event="tukang.dispute_resolved",
        title=_("Keluhan diputuskan kelurahan"),
        body=resolution[:200],
        url=f"/tukang/pekerjaan/{job.public_id}/",
        key=f"tukang-job-{job.pk}-resolved-{timezone.now():%Y%m%d%H%M%S}",
    )
    return job
