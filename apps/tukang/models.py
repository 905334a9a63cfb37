"""GoTukang: local tradespeople, the jobs residents ask them for, quotes, and the WhatsApp bot's
conversations. Few tables on purpose (issue 17: every table costs each kelurahan schema): the
booking, payment, rating and dispute of a job are columns of the job itself, which also makes
"one rating per job" structural."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.files import private_storage


class Skill(models.TextChoices):
    BATU = "batu", _("Tukang batu")
    LISTRIK = "listrik", _("Listrik")
    LEDENG = "ledeng", _("Ledeng / pipa air")
    AC = "ac", _("Servis AC")
    JAHIT = "jahit", _("Jahit")
    CAT = "cat", _("Tukang cat")
    KAYU = "kayu", _("Tukang kayu")
    ATAP = "atap", _("Atap / genteng")
    ELEKTRONIK = "elektronik", _("Servis elektronik")


class RateUnit(models.TextChoices):
    DAY = "hari", _("per hari")
    HOUR = "jam", _("per jam")
    JOB = "pekerjaan", _("per pekerjaan")


class Tukang(models.Model):
    """A tradesperson's listing. `rws` empty = serves the whole kelurahan. The rating sum and
    count are kept by the rating service, so the list shows stars without an aggregate query."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tukang", verbose_name=_("pengguna")
    )
    name = models.CharField(_("nama"), max_length=100)
    skills = ArrayField(models.CharField(max_length=16, choices=Skill.choices), verbose_name=_("keahlian"))
    rws = ArrayField(models.PositiveSmallIntegerField(), blank=True, default=list, verbose_name=_("RW yang dilayani"))
    rate = models.BigIntegerField(_("tarif (Rp)"))
    rate_unit = models.CharField(_("satuan tarif"), max_length=10, choices=RateUnit.choices, default=RateUnit.DAY)
    available = models.BooleanField(_("siap menerima pekerjaan"), default=True)
    availability_note = models.CharField(_("waktu kerja"), max_length=200, blank=True)
    bio = models.TextField(_("tentang saya"), blank=True)
    # The merchant account that receives wallet/QRIS payments (opened with the first bill).
    payment_account = models.ForeignKey(
        "payments.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("terdaftar"), auto_now_add=True)

    class Meta:
        verbose_name = _("tukang")
        verbose_name_plural = _("tukang")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="tukang_rate_not_negative"),
            models.CheckConstraint(condition=~Q(skills=[]), name="tukang_has_a_skill"),
            models.CheckConstraint(condition=Q(rating_sum__lte=5 * models.F("rating_count")), name="tukang_rating_sum"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    def skill_labels(self) -> list[str]:
        names = dict(Skill.choices)
        return [str(names.get(code, code)) for code in self.skills]


def _photo_to(instance: models.Model, filename: str) -> str:
    return f"tukang/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1][:5]}"


class Job(models.Model):
    """A resident's request: to one tukang (from the directory or WhatsApp) or open to every
    tukang with the skill. Quoted → booked (one quote) → done → rated; or cancelled; a dispute
    is open/resolved on the side of any booked or done job."""

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu penawaran")
        BOOKED = "booked", _("Dipesan")
        DONE = "done", _("Selesai")
        CANCELLED = "cancelled", _("Dibatalkan")

    class Source(models.TextChoices):
        WEB = "web", _("Aplikasi")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class Payment(models.TextChoices):
        NONE = "", _("Belum dibayar")
        WALLET = "wallet", _("KotaKitaPay")
        QRIS = "qris", _("QRIS")
        CASH = "cash", _("Tunai")

    class Dispute(models.TextChoices):
        NONE = "", _("Tidak ada")
        OPEN = "open", _("Diajukan ke kelurahan")
        RESOLVED = "resolved", _("Diselesaikan kelurahan")

    public_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Null for a guest request made over WhatsApp by a number without an account.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tukang_jobs",
        verbose_name=_("pemesan"),
    )
    contact_phone = models.CharField(_("nomor HP pemesan"), max_length=20, blank=True)
    # The tukang asked directly; null = open to every tukang with the skill.
    tukang = models.ForeignKey(
        Tukang, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("tukang")
    )
    skill = models.CharField(_("keahlian"), max_length=16, choices=Skill.choices)
    description = models.TextField(_("pekerjaan"))
    address = models.CharField(_("alamat"), max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    photo = models.FileField(_("foto"), upload_to=_photo_to, storage=private_storage, blank=True, max_length=200)
    photo_2 = models.FileField(_("foto 2"), upload_to=_photo_to, storage=private_storage, blank=True, max_length=200)
    source = models.CharField(_("lewat"), max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Booking copies the chosen quote's tukang and price here (the quote is marked accepted).
    agreed_amount = models.BigIntegerField(_("harga disepakati (Rp)"), null=True, blank=True)
    # The bill (payments.PaymentRequest, reference "tukang:<public_id>") once the tukang asks to be paid.
    # No index: the payment event finds the job by the reference's public_id.
    payment_request = models.ForeignKey(
        "payments.PaymentRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    paid_method = models.CharField(_("dibayar dengan"), max_length=8, choices=Payment.choices, blank=True)
    paid_at = models.DateTimeField(_("dibayar pada"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("nilai"), null=True, blank=True)
    review = models.TextField(_("ulasan"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    dispute = models.CharField(_("keluhan"), max_length=10, choices=Dispute.choices, blank=True)
    dispute_reason = models.TextField(_("isi keluhan"), blank=True)
    dispute_resolution = models.TextField(_("keputusan kelurahan"), blank=True)
    # When a party first took the job to the kelurahan (kept when the dispute is resolved, so the
    # GoTukang facts count a dispute once, on that day).
    disputed_at = models.DateTimeField(_("keluhan diajukan"), null=True, blank=True)
    dispute_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("pekerjaan tukang")
        verbose_name_plural = _("pekerjaan tukang")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A rating exists only on a completed job, 1-5; being a column, there is one per job.
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(status="done") & Q(rating__gte=1) & Q(rating__lte=5)),
                name="tukang_rating_only_done_1_5",
            ),
            models.CheckConstraint(
                condition=Q(requester__isnull=False) | ~Q(contact_phone=""), name="tukang_job_has_a_contact"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "cancelled"])
                | (Q(agreed_amount__isnull=False) & Q(tukang__isnull=False)),
                name="tukang_job_booked_has_quote",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_skill_display()}"

    @property
    def reference(self) -> str:
        return f"tukang:{self.public_id}"


class Quote(models.Model):
    """A tukang's price for a job; at most one per tukang and job (a new price replaces it)."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Ditawarkan")
        ACCEPTED = "accepted", _("Dipilih")
        DECLINED = "declined", _("Tidak dipilih")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="quotes", db_index=False)
    # No index of its own: a tukang's quote is always looked up with its job (the unique index).
    tukang = models.ForeignKey(
        Tukang, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("tukang"), db_index=False
    )
    amount = models.BigIntegerField(_("harga (Rp)"))
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("penawaran tukang")
        verbose_name_plural = _("penawaran tukang")
        ordering = ["amount", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "tukang"], name="tukang_quote_once_per_job"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tukang_quote_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.tukang} Rp{self.amount}"


class Conversation(models.Model):
    """The WhatsApp bot's state for one phone number (apps.tukang.bot is the pure engine).
    `last_message_id` makes a redelivered step a no-op; `transcript` keeps the last turns for
    the sandbox page and for staff looking into a complaint. One per number: the number is the
    key (apps.core.column_keys)."""

    phone = models.CharField(_("nomor WhatsApp"), max_length=20, primary_key=True)
    state = models.CharField(_("langkah"), max_length=20, default="idle")
    data = models.JSONField(default=dict, blank=True)
    transcript = models.JSONField(default=list, blank=True)
    last_message_id = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("percakapan WhatsApp")
        verbose_name_plural = _("percakapan WhatsApp")

    def __str__(self) -> str:
        return self.phone
