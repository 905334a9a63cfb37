"""KotaKitaPay data: a double-entry ledger, payment requests, gateway charges and their logs.

The ledger's rules live in the database, not only here (migrations 0002 and 0008, RunSQL
triggers, which work on Citus too: docs/operations.md "Citus"):

* a journal entry's postings sum to zero and there are at least two of them (deferred
  constraint triggers on both tables, checked at commit; the services also check the entry
  they wrote at once, so a fault surfaces inside the call);
* journal entries and postings are never updated, deleted or truncated (corrections are
  reversing entries);
* `Account.balance` is a cache kept by the database itself: inserting a posting adds its
  amount to its account (and stores the result in `Posting.balance_after`); any other change of
  the balance is refused, and an account starts at zero;
* an account that may not go negative (wallets, merchant settlement, fee revenue, RT cash,
  arisan pools; see KIND_RULES) has `allow_negative = false`, and a CHECK constraint refuses a
  negative balance.

Sign convention: a posting's amount is what it adds to its account's balance. Money in a
wallet is positive; the gateway clearing account goes negative by the money the gateway holds
for us (top-ups in) and back up when it pays out. The sum of all balances is always zero.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """What an account is for. New kinds (e.g. from the marketplace or lending apps) are added
    here with their rules in KIND_RULES; the ledger itself never branches on the kind."""

    WALLET = "wallet", _("Dompet warga")
    MERCHANT = "merchant", _("Rekening penjualan")
    PLATFORM_FEE = "platform_fee", _("Pendapatan biaya layanan")
    GATEWAY_CLEARING = "gateway_clearing", _("Kliring gateway pembayaran")
    RT_CASH = "rt_cash", _("Kas RT")
    ARISAN_POOL = "arisan_pool", _("Dana arisan")
    LOAN_RECEIVABLE = "loan_receivable", _("Piutang pinjaman")
    # Counterpart of money that enters or leaves outside KotaKitaPay (banknotes an RT treasurer
    # holds): the physical-money twin of the gateway clearing account, so it may go negative.
    CASH_CLEARING = "cash_clearing", _("Kliring kas tunai")
    # A lender's income from loans (interest, fees, penalties) collected from borrowers' wallets.
    LENDER_INCOME = "lender_income", _("Pendapatan pinjaman")
    # A lender's credit losses: principal written off (charged from here into the receivable, so
    # the balance goes negative by the loss recognised) and recoveries paid back into it from the
    # borrower's wallet (reducing the loss). Accumulates the expense, so it may go negative.
    LOAN_LOSS = "loan_loss", _("Kerugian kredit (hapus buku)")
    # Levies collected in this kelurahan for a kota (apps.levies): the bills' payee until the
    # daily settlement pays it out to the kas daerah. One per kota, no owner, never negative.
    TREASURY_CLEARING = "treasury_clearing", _("Kliring kas daerah")
    # One per UMKM voucher (apps.bazar, ArisanGo): the money a voucher still promises; its
    # balance is the voucher's remaining value, paid to a shop on redemption or back to the
    # holder's wallet at expiry.
    VOUCHER = "voucher", _("Voucher UMKM")
    # One per lender that buys UMKM invoices (apps.factoring): advances go out of it to the
    # seller's wallet (so it goes negative by what the lender's financings still owe it) and the
    # buyer's payments and recourse come back into it.
    FACTORING_RECEIVABLE = "factoring_receivable", _("Piutang anjak piutang")


# kind -> may the balance go below zero? (copied onto the account row, where the DB checks it)
KIND_RULES: dict[str, bool] = {
    AccountKind.WALLET: False,
    AccountKind.MERCHANT: False,
    AccountKind.PLATFORM_FEE: False,
    AccountKind.GATEWAY_CLEARING: True,
    AccountKind.RT_CASH: False,
    AccountKind.ARISAN_POOL: False,
    AccountKind.LOAN_RECEIVABLE: True,
    AccountKind.CASH_CLEARING: True,
    AccountKind.LENDER_INCOME: False,
    AccountKind.LOAN_LOSS: True,
    AccountKind.TREASURY_CLEARING: False,
    AccountKind.VOUCHER: False,
    AccountKind.FACTORING_RECEIVABLE: True,
}

# (source kind, destination kind) pairs `services.move` may post between; a new kind that
# takes part in internal movements is added here too. Anything else is refused: merchant, fee,
# gateway and loan accounts move only through their own services (pay, payout, top_up,
# refund...), wallet -> wallet is `transfer`, and a cash clearing account only ever faces an
# RT cash account (never a wallet or a pool directly).
MOVE_RULES: frozenset[tuple[str, str]] = frozenset(
    {
        (AccountKind.WALLET, AccountKind.RT_CASH),  # iuran paid from a wallet
        (AccountKind.RT_CASH, AccountKind.WALLET),  # RT expense paid to someone, iuran refund
        (AccountKind.WALLET, AccountKind.ARISAN_POOL),  # arisan contribution
        (AccountKind.ARISAN_POOL, AccountKind.WALLET),  # arisan payout to the winner, refund
        (AccountKind.CASH_CLEARING, AccountKind.RT_CASH),  # cash received by the treasurer
        (AccountKind.RT_CASH, AccountKind.CASH_CLEARING),  # cash spent by the treasurer
        (AccountKind.LOAN_RECEIVABLE, AccountKind.WALLET),  # loan disbursement (apps.lending)
        (AccountKind.WALLET, AccountKind.LOAN_RECEIVABLE),  # principal repaid
        (AccountKind.WALLET, AccountKind.LENDER_INCOME),  # interest, fees and penalties paid
        (AccountKind.LOAN_LOSS, AccountKind.LOAN_RECEIVABLE),  # principal written off (apps.lending)
        (AccountKind.WALLET, AccountKind.LOAN_LOSS),  # recovery on a written-off loan
        (AccountKind.ARISAN_POOL, AccountKind.VOUCHER),  # arisan payout taken as a voucher (apps.bazar)
        (AccountKind.VOUCHER, AccountKind.MERCHANT),  # voucher redeemed at a shop
        (AccountKind.VOUCHER, AccountKind.WALLET),  # expired voucher's rest back to its holder
        (AccountKind.FACTORING_RECEIVABLE, AccountKind.WALLET),  # invoice advance (apps.factoring)
        (AccountKind.MERCHANT, AccountKind.FACTORING_RECEIVABLE),  # buyer's payment repays the advance
        (AccountKind.MERCHANT, AccountKind.LENDER_INCOME),  # factoring fee out of the buyer's payment
        (AccountKind.WALLET, AccountKind.FACTORING_RECEIVABLE),  # recourse after the buyer defaulted
        # MDR above the seller's remainder of a financed invoice's payment, given back (apps.factoring)
        (AccountKind.PLATFORM_FEE, AccountKind.MERCHANT),
        (AccountKind.MERCHANT, AccountKind.VOUCHER),  # a pasar order paid by voucher undone: back onto it
    }
)


class Account(models.Model):
    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    # A stable natural key: "wallet:<user id>", "merchant:<user id>:<n>", "system:platform_fee", ...
    code = models.CharField(_("kode"), max_length=64)
    kind = models.CharField(_("jenis"), max_length=32, choices=AccountKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pemilik"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_accounts",
    )
    name = models.CharField(_("nama"), max_length=100)
    allow_negative = models.BooleanField(_("boleh negatif"), default=False, editable=False)
    # Cache of SUM(postings.amount), maintained by the database (see the module docstring).
    balance = models.BigIntegerField(_("saldo"), default=0, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True)
    # Merchant accounts: their static QRIS and what it is built from.
    nmid = models.CharField(_("NMID"), max_length=15, blank=True)
    mcc = models.CharField(_("kode kategori usaha (MCC)"), max_length=4, blank=True)
    city = models.CharField(_("kota"), max_length=15, blank=True)
    qris_payload = models.TextField(_("QRIS statis"), blank=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("akun")
        verbose_name_plural = _("akun")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allow_negative=True) | Q(balance__gte=0), name="payments_account_no_overdraft"
            ),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(kind="wallet"), name="payments_account_one_wallet_per_user"
            ),
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="payments_account_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The balance belongs to the database; never write a (possibly stale) copy back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "balance"
            ]
        super().save(*args, **kwargs)


class EntryKind(models.TextChoices):
    TOP_UP = "topup", _("Isi saldo")
    PAYMENT = "payment", _("Pembayaran")
    TRANSFER = "transfer", _("Transfer")
    REFUND = "refund", _("Pengembalian dana")
    PAYOUT = "payout", _("Penarikan dana")
    REVERSAL = "reversal", _("Jurnal balik")


class JournalEntry(models.Model):
    """One money movement. Immutable: the database refuses UPDATE and DELETE."""

    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("jenis"), max_length=16, choices=EntryKind.choices)
    # Same key -> same result and no second movement; same key with other parameters -> 409.
    idempotency_key = models.CharField(_("kunci idempotensi"), max_length=200)
    request_hash = models.CharField(_("sidik parameter"), max_length=64)
    amount = models.BigIntegerField(_("jumlah"))
    fee = models.BigIntegerField(_("biaya layanan"), default=0)
    description = models.CharField(_("keterangan"), max_length=255, blank=True)
    # Indexed once, by "payments_entry_reference" (varchar_pattern_ops): reconciliation reads it by
    # prefix (reference__startswith="charge:"), and a pattern-ops index serves equality as well.
    reference = models.CharField(_("referensi"), max_length=100, blank=True)
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("membalik jurnal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("jurnal")
        verbose_name_plural = _("jurnal")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["reference"], name="payments_entry_reference", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_entry_amount_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="payments_entry_fee_not_negative"),
            # idempotency_key: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["idempotency_key"], name="payments_entry_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} Rp{self.amount:,} ({self.public_id.hex[:8]})"


class Posting(models.Model):
    """One line of an entry: what it adds to (or takes from) one account. Immutable."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    # Not indexed alone: the index "payments_posting_account_idx" leads with this column.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_index=False)
    amount = models.BigIntegerField(_("jumlah"))
    # The account's balance right after this posting, written by the database trigger.
    balance_after = models.BigIntegerField(_("saldo setelah"), default=0, editable=False)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("posting")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "-id"], name="payments_posting_account_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="payments_posting_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+,}"


class PaymentRequest(models.Model):
    """A bill a merchant presents (dynamic QRIS); the marketplace makes one per order."""

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu pembayaran")
        AWAITING_CASH = "awaiting_cash", _("Bayar tunai saat diterima")
        PAID = "paid", _("Lunas")
        CANCELLED = "cancelled", _("Dibatalkan")

    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    merchant = models.ForeignKey(
        Account, verbose_name=_("rekening penjualan"), on_delete=models.PROTECT, related_name="payment_requests"
    )
    amount = models.BigIntegerField(_("jumlah"))
    description = models.CharField(_("keterangan"), max_length=255, blank=True)
    reference = models.CharField(_("referensi"), max_length=100, blank=True)
    bill_number = models.CharField(_("nomor tagihan"), max_length=25)
    qris_payload = models.TextField(_("QRIS dinamis"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    paid_method = models.CharField(_("dibayar dengan"), max_length=16, blank=True)
    paid_entry = models.ForeignKey(
        JournalEntry, verbose_name=_("jurnal pembayaran"), null=True, blank=True, on_delete=models.PROTECT
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    refunded_amount = models.BigIntegerField(_("sudah dikembalikan"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # Who must pay it, when the bill is addressed to a person (a kota levy's copy: /tagihan/);
    # a shop's bill shown at the till has none. Not indexed alone: "payments_request_payer" leads with it.
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("wajib bayar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    due_on = models.DateField(_("jatuh tempo"), null=True, blank=True)
    # Why a cancelled bill was withdrawn, shown to its payer (e.g. the issuing kota left KotaKita).
    cancel_reason = models.CharField(_("alasan pembatalan"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("tagihan")
        verbose_name_plural = _("tagihan")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_request_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payments_request_refund_within_amount",
            ),
            # bill_number: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["bill_number"], name="payments_request_bill_unique"),
        ]
        indexes = [
            # reference: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.Index(fields=["reference"], name="payments_request_reference"),
            # A person's bills to pay (/tagihan/); partial: most bills have no payer.
            models.Index(fields=["payer", "status"], name="payments_request_payer", condition=Q(payer__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.bill_number} Rp{self.amount:,}"


class ChargeStatus(models.TextChoices):
    """Midtrans transaction_status values, plus `created` before the gateway answered."""

    CREATED = "created", _("Dibuat")
    PENDING = "pending", _("Menunggu")
    AUTHORIZE = "authorize", _("Diotorisasi")
    CAPTURE = "capture", _("Ditangkap")
    SETTLEMENT = "settlement", _("Berhasil")
    DENY = "deny", _("Ditolak")
    CANCEL = "cancel", _("Dibatalkan")
    EXPIRE = "expire", _("Kedaluwarsa")
    REFUND = "refund", _("Dikembalikan")
    PARTIAL_REFUND = "partial_refund", _("Dikembalikan sebagian")
    CHARGEBACK = "chargeback", _("Chargeback")
    PARTIAL_CHARGEBACK = "partial_chargeback", _("Chargeback sebagian")
    FAILURE = "failure", _("Gagal")


class GatewayCharge(models.Model):
    """Our side of one gateway transaction (a QRIS top-up or a QRIS payment of a request)."""

    class Purpose(models.TextChoices):
        TOP_UP = "topup", _("Isi saldo")
        PAYMENT = "payment", _("Pembayaran tagihan")

    public_id = models.UUIDField(_("ID publik"), default=uuid.uuid4, unique=True, editable=False)
    order_id = models.CharField(_("order ID"), max_length=50)
    gateway = models.CharField(_("gateway"), max_length=20)
    purpose = models.CharField(_("tujuan"), max_length=16, choices=Purpose.choices)
    wallet = models.ForeignKey(
        Account, verbose_name=_("dompet tujuan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_request = models.ForeignKey(
        PaymentRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    gross_amount = models.BigIntegerField(_("jumlah"))
    # A top-up for another app's object: "<kind>:<key>" (apps.payments.events), "" for a wallet's own.
    reference = models.CharField(_("referensi"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.CREATED)
    fraud_status = models.CharField(_("status fraud"), max_length=16, blank=True)
    transaction_id = models.CharField(_("ID transaksi gateway"), max_length=64, blank=True)
    qr_string = models.TextField(_("QRIS"), blank=True)
    # The gateway's `deeplink-redirect` action (opens the payer's app on the same phone).
    deeplink_url = models.CharField(_("tautan aplikasi pembayaran"), max_length=500, blank=True)
    settlement_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refunded_amount = models.BigIntegerField(_("sudah dikembalikan"), default=0)
    needs_attention = models.CharField(_("perlu ditangani"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    settled_at = models.DateTimeField(_("diselesaikan"), null=True, blank=True)

    class Meta:
        verbose_name = _("transaksi gateway")
        verbose_name_plural = _("transaksi gateway")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(gross_amount__gt=0), name="payments_charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(purpose="topup", wallet__isnull=False)
                | Q(purpose="payment", payment_request__isnull=False),
                name="payments_charge_has_target",
            ),
            # order_id: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["order_id"], name="payments_charge_order_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.status})"


class GatewayNotification(models.Model):
    """Every notification received, accepted or not (the audit trail of the endpoint)."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Diterapkan")
        DUPLICATE = "duplicate", _("Duplikat")
        STALE = "stale", _("Terlambat/mundur, diabaikan")
        REJECTED = "rejected", _("Ditolak")

    received_at = models.DateTimeField(_("diterima"), auto_now_add=True, db_index=True)
    order_id = models.CharField(_("order ID"), max_length=100, blank=True)
    transaction_status = models.CharField(_("status transaksi"), max_length=32, blank=True)
    status_code = models.CharField(_("kode status"), max_length=8, blank=True)
    gross_amount = models.CharField(_("jumlah (teks)"), max_length=32, blank=True)
    signature_valid = models.BooleanField(_("tanda tangan sah"), default=False)
    outcome = models.CharField(_("hasil"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("alasan"), max_length=255, blank=True)
    charge = models.ForeignKey(
        GatewayCharge, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    remote_addr = models.GenericIPAddressField(_("alamat pengirim"), null=True, blank=True)
    payload = models.JSONField(_("isi"), default=dict)

    class Meta:
        verbose_name = _("notifikasi gateway")
        verbose_name_plural = _("notifikasi gateway")
        ordering = ["-id"]
        indexes = [
            # order_id: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.Index(fields=["order_id"], name="payments_notif_order_id"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.transaction_status} ({self.outcome})"


class ReconciliationRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Berjalan")
        OK = "ok", _("Cocok")
        MISMATCH = "mismatch", _("Ada selisih")
        FAILED = "failed", _("Gagal")

    started_at = models.DateTimeField(_("mulai"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    triggered_by = models.CharField(_("dipicu oleh"), max_length=32, blank=True)
    entries_checked = models.PositiveIntegerField(_("jurnal diperiksa"), default=0)
    accounts_checked = models.PositiveIntegerField(_("akun diperiksa"), default=0)
    charges_checked = models.PositiveIntegerField(_("transaksi gateway diperiksa"), default=0)
    mismatch_count = models.PositiveIntegerField(_("jumlah selisih"), default=0)
    # Bounded (the first ERROR_MAX characters of the exception) so the row needs no TOAST table:
    # 2 pg_class rows less per tenant schema (issue 17). The full traceback goes to the log/Sentry.
    ERROR_MAX = 400
    error = models.CharField(_("galat"), max_length=ERROR_MAX, blank=True)

    class Meta:
        verbose_name = _("rekonsiliasi")
        verbose_name_plural = _("rekonsiliasi")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ReconciliationMismatch(models.Model):
    class Kind(models.TextChoices):
        ENTRY_UNBALANCED = "entry_unbalanced", _("Jurnal tidak seimbang")
        LEDGER_TOTAL = "ledger_total", _("Total buku besar bukan nol")
        BALANCE_DRIFT = "balance_drift", _("Saldo tersimpan berbeda dari posting")
        RUNNING_BALANCE = "running_balance", _("Saldo berjalan tidak urut")
        NEGATIVE_BALANCE = "negative_balance", _("Saldo negatif")
        CHARGE_WITHOUT_ENTRY = "charge_without_entry", _("Transaksi gateway berhasil tanpa jurnal")
        ENTRY_WITHOUT_CHARGE = "entry_without_charge", _("Jurnal gateway tanpa transaksi berhasil")
        AMOUNT_MISMATCH = "amount_mismatch", _("Jumlah berbeda")
        REFUND_MISMATCH = "refund_mismatch", _("Pengembalian dana berbeda")
        GATEWAY_STATUS = "gateway_status", _("Status di gateway berbeda")
        GATEWAY_UNREACHABLE = "gateway_unreachable", _("Gateway tidak bisa dihubungi")
        NEEDS_ATTENTION = "needs_attention", _("Transaksi gateway perlu ditangani")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="mismatches")
    kind = models.CharField(_("jenis"), max_length=32, choices=Kind.choices)
    reference = models.CharField(_("referensi"), max_length=100)
    expected = models.CharField(_("seharusnya"), max_length=100, blank=True)
    actual = models.CharField(_("kenyataan"), max_length=100, blank=True)
    detail = models.TextField(_("rincian"), blank=True)

    class Meta:
        verbose_name = _("selisih rekonsiliasi")
        verbose_name_plural = _("selisih rekonsiliasi")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"
