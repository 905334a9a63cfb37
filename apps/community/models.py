"""Community finance data: RT cash books (kas RT), iuran, arisan. Money is integer rupiah.

The money itself lives in KotaKitaPay's ledger (`apps.payments`): every row here that moved
money points at the immutable `JournalEntry` that moved it. See the package docstring for the
double-entry design.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.files import private_storage
from apps.payments.models import Account, GatewayCharge, JournalEntry
from apps.rtrw.models import RukunTetangga


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


# --- kas RT ----------------------------------------------------------------------------------


class Treasurer(models.Model):
    """Bendahara RT: a role assignment per RT (one active at a time), by the ketua RT or staff."""

    # No index of its own: every read by RT asks for the current treasurer (`ended_at IS NULL`),
    # which the partial unique "community_one_active_treasurer_per_rt" serves; the history is a
    # few rows per RT, so the PROTECT check of an RT's deletion (admin) scans a tiny table.
    rt = models.ForeignKey(
        RukunTetangga, verbose_name=_("RT"), on_delete=models.PROTECT, related_name="treasurers", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("bendahara"), on_delete=models.PROTECT, related_name="treasurer_of"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditunjuk oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    started_at = models.DateTimeField(_("mulai"), default=timezone.now)
    ended_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("bendahara RT")
        verbose_name_plural = _("bendahara RT")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rt"], condition=Q(ended_at__isnull=True), name="community_one_active_treasurer_per_rt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.rt}"


class CashBook(models.Model):
    """Kas RT: the RT's three ledger accounts (see the package docstring)."""

    rt = models.OneToOneField(RukunTetangga, verbose_name=_("RT"), on_delete=models.PROTECT, related_name="cash_book")
    # Money held in KotaKitaPay (wallet and QRIS payments land here).
    digital_account = models.OneToOneField(
        Account, verbose_name=_("saldo KotaKitaPay"), on_delete=models.PROTECT, related_name="+"
    )
    # Banknotes in the treasurer's hands, as recorded by the treasurer.
    cash_account = models.OneToOneField(
        Account, verbose_name=_("kas tunai"), on_delete=models.PROTECT, related_name="+"
    )
    # The counterpart of cash that enters or leaves outside KotaKitaPay (goes negative by the net
    # cash received, like the gateway clearing account does for QRIS money).
    clearing_account = models.OneToOneField(
        Account, verbose_name=_("kliring kas tunai"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuka"), auto_now_add=True)

    class Meta:
        verbose_name = _("kas RT")
        verbose_name_plural = _("kas RT")
        ordering = ["rt__rw__number", "rt__number"]

    def __str__(self) -> str:
        return str(_("Kas %(rt)s") % {"rt": self.rt})


class Category(models.TextChoices):
    IURAN = "iuran", _("Iuran warga")
    DONASI = "donasi", _("Sumbangan/donasi")
    BANTUAN = "bantuan", _("Bantuan kelurahan/pemerintah")
    KEGIATAN = "kegiatan", _("Kegiatan warga")
    KEBERSIHAN = "kebersihan", _("Kebersihan dan sampah")
    KEAMANAN = "keamanan", _("Keamanan (ronda, satpam)")
    SOSIAL = "sosial", _("Sosial (duka, sakit)")
    PERLENGKAPAN = "perlengkapan", _("Perlengkapan dan perbaikan")
    ADMINISTRASI = "administrasi", _("Administrasi")
    LAINNYA = "lainnya", _("Lain-lain")


INCOME_CATEGORIES = (Category.IURAN, Category.DONASI, Category.BANTUAN, Category.KEGIATAN, Category.LAINNYA)
EXPENSE_CATEGORIES = (
    Category.KEBERSIHAN,
    Category.KEAMANAN,
    Category.SOSIAL,
    Category.KEGIATAN,
    Category.PERLENGKAPAN,
    Category.ADMINISTRASI,
    Category.LAINNYA,
)


def receipt_upload_to(instance: CashBookEntry, filename: str) -> str:
    # The name is chosen by the service; the storage puts it under the private <schema>/ prefix.
    return f"kas/rt-{instance.cash_book_id}/{timezone.localdate():%Y/%m}/{filename}"


class CashBookEntry(models.Model):
    """One line of the cash book: money into or out of the RT's kas, with its ledger entry."""

    class Direction(models.TextChoices):
        INCOME = "in", _("Pemasukan")
        EXPENSE = "out", _("Pengeluaran")

    class Channel(models.TextChoices):
        CASH = "cash", _("Tunai")
        WALLET = "wallet", _("Saldo KotaKitaPay")
        QRIS = "qris", _("QRIS")
        TRANSFER = "transfer", _("Transfer dari saldo kas")

    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    # Not indexed alone: the index "community_entry_book_day_idx" leads with this column.
    cash_book = models.ForeignKey(
        CashBook, on_delete=models.PROTECT, related_name="entries", db_index=False, verbose_name=_("buku kas")
    )
    direction = models.CharField(_("arah"), max_length=3, choices=Direction.choices)
    category = models.CharField(_("kategori"), max_length=16, choices=Category.choices)
    channel = models.CharField(_("cara"), max_length=10, choices=Channel.choices)
    amount = models.BigIntegerField(_("jumlah"))
    description = models.CharField(_("keterangan"), max_length=255)
    occurred_on = models.DateField(_("tanggal"), default=timezone.localdate, db_index=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("warga/penerima"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt = models.FileField(
        _("bukti"), upload_to=receipt_upload_to, storage=private_storage, blank=True, max_length=200
    )
    receipt_type = models.CharField(_("jenis bukti"), max_length=40, blank=True)
    journal_entry = models.OneToOneField(
        JournalEntry, verbose_name=_("jurnal"), on_delete=models.PROTECT, related_name="community_line"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    voided_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    void_reason = models.CharField(_("alasan pembatalan"), max_length=255, blank=True)
    void_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="community_void"
    )

    class Meta:
        verbose_name = _("catatan kas")
        verbose_name_plural = _("catatan kas")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["cash_book", "occurred_on"], name="community_entry_book_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="community_entry_amount_positive"),
            models.CheckConstraint(
                condition=Q(direction="in", channel__in=["cash", "wallet", "qris"])
                | Q(direction="out", channel__in=["cash", "transfer"]),
                name="community_entry_channel_matches_direction",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | Q(void_entry__isnull=False),
                name="community_entry_void_has_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} Rp{self.amount:,} {self.description}"

    @property
    def signed_amount(self) -> int:
        return self.amount if self.direction == self.Direction.INCOME else -self.amount

    @property
    def is_digital(self) -> bool:
        return self.channel != self.Channel.CASH


# --- iuran -----------------------------------------------------------------------------------


class IuranSchedule(models.Model):
    """From `start_month` on, each household of the RT owes `amount` per month."""

    # Not indexed alone: the unique constraint "community_schedule_one_per_month" leads with this column.
    cash_book = models.ForeignKey(
        CashBook, on_delete=models.PROTECT, related_name="schedules", db_index=False, verbose_name=_("buku kas")
    )
    amount = models.BigIntegerField(_("iuran per rumah per bulan"))
    start_month = models.DateField(_("mulai bulan"))
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dibuat oleh"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("jadwal iuran")
        verbose_name_plural = _("jadwal iuran")
        ordering = ["start_month"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="community_schedule_amount_positive"),
            models.CheckConstraint(condition=Q(start_month__day=1), name="community_schedule_first_of_month"),
            models.UniqueConstraint(fields=["cash_book", "start_month"], name="community_schedule_one_per_month"),
        ]

    def __str__(self) -> str:
        return f"Rp{self.amount:,} / {month_label(self.start_month)}"


class IuranExemption(models.Model):
    """Months a resident owes nothing (moved in later, second adult of the same house, hardship)."""

    cash_book = models.ForeignKey(
        CashBook, on_delete=models.PROTECT, related_name="exemptions", verbose_name=_("buku kas")
    )
    # No index: every read also filters by cash_book (indexed), and users are deactivated, never
    # deleted (the CASCADE never runs).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("warga"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    from_month = models.DateField(_("dari bulan"))
    until_month = models.DateField(_("sampai bulan"), null=True, blank=True)
    reason = models.CharField(_("alasan"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembebasan iuran")
        verbose_name_plural = _("pembebasan iuran")
        ordering = ["-from_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until_month__isnull=True) | Q(until_month__gte=models.F("from_month")),
                name="community_exemption_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {month_label(self.from_month)}…"

    def covers(self, month: date) -> bool:
        return self.from_month <= month and (self.until_month is None or month <= self.until_month)


class IuranPayment(models.Model):
    """One household's iuran for one month: paid by wallet, QRIS (pending until the gateway
    settles) or cash recorded by the treasurer. Paid at most once per member and month."""

    class Method(models.TextChoices):
        WALLET = "wallet", _("Saldo KotaKitaPay")
        QRIS = "qris", _("QRIS")
        CASH = "cash", _("Tunai ke bendahara")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu pembayaran")
        PAID = "paid", _("Lunas")
        CANCELLED = "cancelled", _("Batal")
        DUPLICATE = "duplicate", _("Pembayaran ganda (perlu dikembalikan)")

    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    cash_book = models.ForeignKey(
        CashBook, on_delete=models.PROTECT, related_name="iuran_payments", verbose_name=_("buku kas")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("warga"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("bulan"))
    amount = models.BigIntegerField(_("jumlah"))
    method = models.CharField(_("cara bayar"), max_length=10, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    entry = models.OneToOneField(
        CashBookEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="iuran_payment"
    )
    charge = models.OneToOneField(
        GatewayCharge, null=True, blank=True, on_delete=models.PROTECT, related_name="community_iuran"
    )
    client_key = models.CharField(_("kunci idempotensi"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    paid_at = models.DateTimeField(_("lunas"), null=True, blank=True)

    class Meta:
        verbose_name = _("pembayaran iuran")
        verbose_name_plural = _("pembayaran iuran")
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="community_iuran_amount_positive"),
            models.CheckConstraint(condition=Q(month__day=1), name="community_iuran_first_of_month"),
            # Paid at most once and at most one pending QRIS per member and month (a paid and a
            # pending row may coexist: a QRIS cancelled by a new one can still settle, and becomes
            # paid or a duplicate). One index for both rules: rows clash only with the same status.
            # Status first: the QRIS poll's `status='pending'` reads only the pending entries.
            models.UniqueConstraint(
                fields=["status", "member", "month"],
                condition=Q(status__in=["paid", "pending"]),
                name="community_iuran_paid_once_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "duplicate"]) | Q(entry__isnull=False),
                name="community_iuran_paid_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {month_label(self.month)} ({self.status})"


# --- arisan ----------------------------------------------------------------------------------


class ArisanGroup(models.Model):
    class Period(models.TextChoices):
        WEEKLY = "weekly", _("Mingguan")
        MONTHLY = "monthly", _("Bulanan")

    class DrawMethod(models.TextChoices):
        AGREED = "agreed", _("Urutan disepakati (diatur penyelenggara)")
        RANDOM = "random", _("Undian acak dengan seed terbuka")

    class Status(models.TextChoices):
        FORMING = "forming", _("Pendaftaran anggota")
        COMMITTED = "committed", _("Komitmen undian diterbitkan")
        RUNNING = "running", _("Berjalan")
        FINISHED = "finished", _("Selesai")

    name = models.CharField(_("nama"), max_length=100)
    rt = models.ForeignKey(
        RukunTetangga,
        verbose_name=_("RT"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arisan_groups",
        help_text=_("Kosong: arisan bebas (anggota dari RT mana pun)."),
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penyelenggara"), on_delete=models.PROTECT, related_name="+"
    )
    contribution = models.BigIntegerField(_("setoran per putaran"))
    period = models.CharField(_("periode"), max_length=8, choices=Period.choices, default=Period.MONTHLY)
    draw_method = models.CharField(_("cara menentukan urutan"), max_length=8, choices=DrawMethod.choices)
    start_date = models.DateField(_("tanggal putaran pertama"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.FORMING)
    seed_commitment = models.CharField(_("komitmen seed (sha256)"), max_length=64, blank=True)
    # Secret until `drawn_at`; never shown before (see draw.py).
    seed = models.CharField(_("seed"), max_length=128, blank=True)
    committed_at = models.DateTimeField(_("komitmen diterbitkan"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("diundi"), null=True, blank=True)
    pool_account = models.OneToOneField(
        Account, verbose_name=_("rekening dana arisan"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("kelompok arisan")
        verbose_name_plural = _("kelompok arisan")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(contribution__gt=0), name="community_arisan_contribution_positive"),
            models.CheckConstraint(
                condition=Q(status="forming") | Q(draw_method="agreed") | Q(seed_commitment__regex=r"^[0-9a-f]{64}$"),
                name="community_arisan_committed_has_commitment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def seed_revealed(self) -> bool:
        return self.drawn_at is not None and bool(self.seed)

    @property
    def public_seed(self) -> str:
        return self.seed if self.seed_revealed else ""


class ArisanMember(models.Model):
    # Not indexed alone: the unique constraint "community_arisan_member_once" leads with this column.
    group = models.ForeignKey(ArisanGroup, on_delete=models.CASCADE, related_name="members", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("anggota"), on_delete=models.PROTECT, related_name="arisan_memberships"
    )
    position = models.PositiveSmallIntegerField(_("giliran"), null=True, blank=True)
    joined_at = models.DateTimeField(_("bergabung"), auto_now_add=True)

    class Meta:
        verbose_name = _("anggota arisan")
        verbose_name_plural = _("anggota arisan")
        ordering = ["group", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="community_arisan_member_once"),
            models.UniqueConstraint(
                fields=["group", "position"], condition=Q(position__isnull=False), name="community_arisan_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user}"


class ArisanRound(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Mengumpulkan setoran")
        PAID_OUT = "paid_out", _("Sudah dibayarkan")

    # Not indexed alone: the unique constraint "community_round_winner_once" leads with this column.
    group = models.ForeignKey(
        ArisanGroup, on_delete=models.CASCADE, related_name="rounds", db_index=False, verbose_name=_("kelompok")
    )
    number = models.PositiveSmallIntegerField(_("putaran ke"))
    due_date = models.DateField(_("jatuh tempo"))
    winner = models.ForeignKey(ArisanMember, verbose_name=_("penerima"), on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("dana yang diterima"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    payout_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="community_arisan_payout"
    )
    paid_out_at = models.DateTimeField(_("dibayarkan"), null=True, blank=True)
    # Chosen before the payout by the organiser or the winner: the payout (the organiser's or the
    # scheduled job's) is a UMKM voucher (apps.bazar, through community.events) instead of cash.
    payout_as_voucher = models.BooleanField(_("dibayarkan sebagai voucher UMKM"), default=False)

    class Meta:
        verbose_name = _("putaran arisan")
        verbose_name_plural = _("putaran arisan")
        ordering = ["group", "number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="community_round_number_once"),
            # Nobody wins twice in a group (one cycle: as many rounds as members).
            models.UniqueConstraint(fields=["group", "winner"], name="community_round_winner_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="community_round_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(payout_entry__isnull=False), name="community_round_paid_has_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} #{self.number}"


class ArisanContribution(models.Model):
    class Method(models.TextChoices):
        WALLET = "wallet", _("Saldo KotaKitaPay")
        QRIS = "qris", _("QRIS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu pembayaran")
        PAID = "paid", _("Lunas")
        CANCELLED = "cancelled", _("Batal")
        DUPLICATE = "duplicate", _("Pembayaran ganda (perlu dikembalikan)")

    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: every read by round also asks for paid or pending shares, which the
    # partial unique (status, round, member) "community_contribution_paid_once_one_pending"
    # serves; rounds are never deleted (groups neither; the admin is read-only).
    round = models.ForeignKey(
        ArisanRound, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("putaran"), db_index=False
    )
    member = models.ForeignKey(
        ArisanMember, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("anggota")
    )
    amount = models.BigIntegerField(_("jumlah"))
    method = models.CharField(_("cara bayar"), max_length=10, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibayar oleh"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    journal_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="community_arisan_contribution"
    )
    charge = models.OneToOneField(
        GatewayCharge, null=True, blank=True, on_delete=models.PROTECT, related_name="community_arisan"
    )
    # A second payment for the same round and member (QRIS settled after a wallet payment) is
    # given back to the payer's wallet at once, so the pool always holds exactly what is owed.
    refund_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="community_arisan_refund"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    paid_at = models.DateTimeField(_("lunas"), null=True, blank=True)

    class Meta:
        verbose_name = _("setoran arisan")
        verbose_name_plural = _("setoran arisan")
        ordering = ["round", "member"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="community_contribution_amount_positive"),
            # Paid at most once and at most one pending QRIS per round and member (paid and pending
            # may coexist, as for iuran). One index for both rules: rows clash only with the same
            # status. Status first: the QRIS poll's `status='pending'` reads only pending entries.
            models.UniqueConstraint(
                fields=["status", "round", "member"],
                condition=Q(status__in=["paid", "pending"]),
                name="community_contribution_paid_once_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "duplicate"]) | Q(journal_entry__isnull=False),
                name="community_contribution_paid_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.round} ({self.status})"


def new_client_key() -> str:
    return secrets.token_hex(16)
