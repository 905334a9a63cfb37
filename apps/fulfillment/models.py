"""Micro-fulfillment: hubs, consigned stock, couriers, deliveries, batches, routing jobs, routes.

A `Delivery` follows one marketplace order with delivery method "hub":
pending → batched → assigned → picked_up → delivered | failed | cancelled, every change an
append-only `DeliveryEvent`. Deliveries are batched per hub at the hub's cut-off times; one
`RoutingJob` per batch calls the pure solver (`apps.fulfillment.solver`) and writes `Route`s
with `RouteStop`s. A delivery has at most one pickup stop and one drop stop (DB constraint), so
a job run twice never assigns it twice.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents
from apps.core.files import private_storage

LAT_MIN, LAT_MAX = -11.5, 6.5
LNG_MIN, LNG_MAX = 94.5, 141.5

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))


def proof_upload_to(instance: Delivery, filename: str) -> str:
    return f"antar/bukti/{uuid.uuid4().hex}/{filename}"


def _in_indonesia(prefix: str) -> Q:
    return Q(**{f"{prefix}lat__gte": LAT_MIN, f"{prefix}lat__lte": LAT_MAX}) & Q(
        **{f"{prefix}lng__gte": LNG_MIN, f"{prefix}lng__lte": LNG_MAX}
    )


class Hub(models.Model):
    """A small kelurahan hub (10-50 m²) where couriers start and consigned goods wait."""

    code = models.SlugField(_("kode"), max_length=64, db_index=False)
    name = models.CharField(_("nama"), max_length=120)
    location = models.OneToOneField(
        "marketplace.StockLocation",
        on_delete=models.PROTECT,
        related_name="fulfillment_hub",
        verbose_name=_("lokasi stok"),
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    lat = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6)
    lng = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6)
    service_radius_m = models.PositiveIntegerField(_("radius layanan (m)"), default=3_000)
    capacity_volume_l = models.PositiveIntegerField(_("kapasitas volume (liter)"), default=2_000)
    capacity_weight_kg = models.PositiveIntegerField(_("kapasitas berat (kg)"), default=500)
    capacity_slots = models.PositiveIntegerField(_("kapasitas slot paket"), default=100)
    # {"0": ["07:00", "20:00"], ...}: weekday (Monday = 0) -> opening and closing time.
    opening_hours = models.JSONField(_("jam buka"), default=dict, blank=True)
    cutoff_times = models.JSONField(_("jam tutup batch"), default=list, blank=True)  # ["09:00", "12:00"]
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="HubOperator",
        blank=True,
        related_name="operated_hubs",
        verbose_name=_("operator"),
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hub")
        verbose_name_plural = _("hub")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=_in_indonesia(""), name="fulfillment_hub_in_indonesia"),
            models.CheckConstraint(condition=Q(service_radius_m__gt=0), name="fulfillment_hub_radius_positive"),
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="fulfillment_hub_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ConsignmentMovement(models.Model):
    """Goods a UMKM brings to (inbound) or takes from (outbound) a hub; the count itself is the
    marketplace `Stock` row of the variant at the hub's stock location."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("Barang masuk")
        OUTBOUND = "out", _("Barang keluar")

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="movements", verbose_name=_("hub"))
    shop = models.ForeignKey("marketplace.Shop", on_delete=models.PROTECT, related_name="+", verbose_name=_("toko"))
    variant = models.ForeignKey(
        "marketplace.Variant", on_delete=models.PROTECT, related_name="+", verbose_name=_("varian")
    )
    direction = models.CharField(_("arah"), max_length=3, choices=Direction.choices)
    quantity = models.PositiveIntegerField(_("jumlah barang"))
    balance_after = models.IntegerField(_("sisa di hub"))
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pelaku"), db_index=False
    )
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("titipan barang")
        verbose_name_plural = _("titipan barang")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfillment_movement_positive"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="fulfillment_movement_balance"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.quantity} × {self.variant_id} @ {self.hub_id}"


class Vehicle(models.TextChoices):
    MOTOR = "motor", _("Motor")
    BECAK = "becak", _("Becak")
    SEPEDA = "sepeda", _("Sepeda")


class Courier(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courier", verbose_name=_("pengguna")
    )
    vehicle = models.CharField(_("kendaraan"), max_length=8, choices=Vehicle.choices)
    capacity_kg = models.PositiveIntegerField(_("kapasitas (kg)"))
    speed_kmh = models.DecimalField(_("kecepatan rata-rata (km/jam)"), max_digits=4, decimal_places=1)
    cost_per_km = models.PositiveIntegerField(_("biaya per km (Rp)"))
    earning_per_delivery = models.BigIntegerField(_("upah per antaran (Rp)"), default=5_000)
    home_hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="couriers", verbose_name=_("hub asal"))
    shift_start = models.TimeField(_("mulai shift"))
    shift_end = models.TimeField(_("selesai shift"))
    work_days = models.JSONField(_("hari kerja"), default=list, blank=True)  # weekdays, Monday = 0
    is_available = models.BooleanField(_("siap bertugas"), default=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    last_ping_at = models.DateTimeField(_("lokasi terakhir"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kurir")
        verbose_name_plural = _("kurir")
        ordering = ["user__full_name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(speed_kmh__gt=0), name="fulfillment_courier_speed_positive"),
            models.CheckConstraint(condition=Q(shift_end__gt=models.F("shift_start")), name="fulfillment_shift"),
            models.CheckConstraint(condition=Q(earning_per_delivery__gte=0), name="fulfillment_courier_earning"),
        ]

    def __str__(self) -> str:
        return self.user.full_name or self.user.username


class CourierPing(models.Model):
    # Not indexed alone: the index "fulfillment_ping_courier" leads with this column.
    courier = models.ForeignKey(Courier, on_delete=models.CASCADE, related_name="pings", db_index=False)
    lat = models.DecimalField(max_digits=9, decimal_places=6)
    lng = models.DecimalField(max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()  # the phone's clock
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lokasi kurir")
        verbose_name_plural = _("lokasi kurir")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["courier", "-recorded_at"], name="fulfillment_ping_courier")]

    def __str__(self) -> str:
        return f"{self.courier_id} {self.recorded_at:%H:%M:%S}"


class Batch(models.Model):
    """The deliveries of one hub for one cut-off time."""

    class Status(models.TextChoices):
        OPEN = "open", _("Terbuka")
        ROUTING = "routing", _("Sedang dirutekan")
        ROUTED = "routed", _("Sudah dirutekan")

    # Not indexed alone: the unique constraint "fulfillment_batch_once" leads with this column.
    hub = models.ForeignKey(
        Hub, on_delete=models.PROTECT, related_name="batches", verbose_name=_("hub"), db_index=False
    )
    cutoff_at = models.DateTimeField(_("jam tutup"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batch")
        ordering = ["-cutoff_at", "hub_id"]
        constraints = [models.UniqueConstraint(fields=["hub", "cutoff_at"], name="fulfillment_batch_once")]

    def __str__(self) -> str:
        return f"{self.hub} {timezone.localtime(self.cutoff_at):%Y-%m-%d %H:%M}"


class RoutingJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        SUCCEEDED = "succeeded", _("Selesai")
        FAILED = "failed", _("Gagal")

    batch = models.OneToOneField(Batch, on_delete=models.PROTECT, related_name="job", verbose_name=_("batch"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("percobaan"), default=0)
    orders_total = models.PositiveIntegerField(_("jumlah pesanan"), default=0)
    assigned_count = models.PositiveIntegerField(_("dapat kurir"), default=0)
    external_count = models.PositiveIntegerField(_("kurir luar"), default=0)
    unassigned_count = models.PositiveIntegerField(_("belum terlayani"), default=0)
    routes_count = models.PositiveIntegerField(_("jumlah rute"), default=0)
    distance_m = models.PositiveIntegerField(_("jarak total (m)"), default=0)
    cost = models.BigIntegerField(_("biaya (Rp)"), default=0)
    backend = models.CharField(_("mesin rute"), max_length=16, blank=True)
    wall_time_ms = models.PositiveIntegerField(default=0)
    # Bounded (the first ERROR_MAX characters of the exception) so the row needs no TOAST table:
    # 2 pg_class rows less per tenant schema (issue 17). The full traceback goes to the log/Sentry.
    ERROR_MAX = 400
    error = models.CharField(_("galat"), max_length=ERROR_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # Written at each step of a run; the stale-job sweep (apps.jobs) requeues a running job
    # whose heartbeat is older than JOBS_ROUTING_STALE_SECONDS (its worker was killed).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tugas perutean")
        verbose_name_plural = _("tugas perutean")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.batch} ({self.get_status_display()})"


class Route(models.Model):
    # Not indexed alone: the unique constraint "fulfillment_route_once_per_job" leads with this column.
    job = models.ForeignKey(RoutingJob, on_delete=models.CASCADE, related_name="routes", db_index=False)
    # Not indexed alone: the index "fulfillment_route_courier_day" leads with this column.
    courier = models.ForeignKey(
        Courier, on_delete=models.PROTECT, related_name="routes", verbose_name=_("kurir"), db_index=False
    )
    day = models.DateField(_("tanggal"))
    distance_m = models.PositiveIntegerField(_("jarak (m)"))
    duration_s = models.PositiveIntegerField(_("durasi (detik)"))
    cost = models.BigIntegerField(_("biaya (Rp)"))
    starts_at = models.DateTimeField(_("berangkat"))
    ends_at = models.DateTimeField(_("kembali"))
    path = models.JSONField(default=list)  # [[lat, lng], ...] including hub start and end
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rute")
        verbose_name_plural = _("rute")
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["job", "courier"], name="fulfillment_route_once_per_job")]
        indexes = [models.Index(fields=["courier", "day"], name="fulfillment_route_courier_day")]

    def __str__(self) -> str:
        return f"{self.courier} {self.day}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu dijadwalkan")
        BATCHED = "batched", _("Sudah dijadwalkan")
        ASSIGNED = "assigned", _("Dapat kurir")
        PICKED_UP = "picked_up", _("Dibawa kurir")
        DELIVERED = "delivered", _("Sudah sampai")
        FAILED = "failed", _("Gagal diantar")
        CANCELLED = "cancelled", _("Dibatalkan")

    class PickupFrom(models.TextChoices):
        SHOP = "shop", _("Ambil di toko")
        HUB = "hub", _("Dari hub")

    code = models.CharField(_("kode lacak"), max_length=16, default=new_tracking_code)
    order = models.OneToOneField(
        "marketplace.Order", on_delete=models.PROTECT, related_name="delivery", verbose_name=_("pesanan")
    )
    # Not indexed alone: the index "fulfillment_delivery_hub" leads with this column.
    hub = models.ForeignKey(
        Hub, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("hub"), db_index=False
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    pickup_from = models.CharField(_("diambil dari"), max_length=4, choices=PickupFrom.choices)
    pickup_lat = models.DecimalField(max_digits=9, decimal_places=6)
    pickup_lng = models.DecimalField(max_digits=9, decimal_places=6)
    dropoff_lat = models.DecimalField(max_digits=9, decimal_places=6)
    dropoff_lng = models.DecimalField(max_digits=9, decimal_places=6)
    dropoff_address = models.CharField(_("alamat antar"), max_length=255)
    window_start = models.DateTimeField(_("diantar mulai"))
    window_end = models.DateTimeField(_("diantar paling lambat"))
    weight_kg = models.PositiveIntegerField(_("berat (kg)"), default=1)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries")
    route = models.ForeignKey(Route, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    # Not indexed alone: the index "fulfillment_delivery_courier" leads with this column.
    courier = models.ForeignKey(
        Courier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("kurir"),
        db_index=False,
    )
    external_provider = models.CharField(_("kurir luar"), max_length=32, blank=True)
    external_booking = models.CharField(_("nomor pesanan kurir luar"), max_length=64, blank=True)
    external_price = models.BigIntegerField(_("tarif kurir luar (Rp)"), default=0)
    unassigned_reason = models.CharField(_("alasan belum dapat kurir"), max_length=32, blank=True)
    fail_reason = models.CharField(_("alasan gagal"), max_length=255, blank=True)
    otp_hash = models.CharField(max_length=64, editable=False)
    otp_attempts = models.PositiveSmallIntegerField(default=0)
    proof_photo = models.FileField(
        _("foto bukti"), upload_to=proof_upload_to, storage=private_storage, blank=True, max_length=200
    )
    proof_kind = models.CharField(_("jenis bukti"), max_length=8, blank=True)  # "otp" / "photo"
    eta = models.DateTimeField(_("perkiraan tiba"), null=True, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True, verbose_name=_("tepat waktu"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("antaran")
        verbose_name_plural = _("antaran")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "batched", "assigned", "picked_up", "delivered", "failed", "cancelled"]
                ),
                name="fulfillment_delivery_st",
            ),
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")), name="fulfillment_window"),
            models.CheckConstraint(condition=_in_indonesia("dropoff_"), name="fulfillment_dropoff_in_indonesia"),
            models.CheckConstraint(condition=_in_indonesia("pickup_"), name="fulfillment_pickup_in_indonesia"),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "picked_up", "delivered"])
                | Q(courier__isnull=False)
                | ~Q(external_booking=""),
                name="fulfillment_assigned_has_courier",
            ),
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="fulfillment_delivery_code_unique"),
        ]
        indexes = [
            models.Index(fields=["hub", "status"], name="fulfillment_delivery_hub"),
            models.Index(fields=["courier", "status"], name="fulfillment_delivery_courier"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)

    @property
    def is_external(self) -> bool:
        return bool(self.external_booking)


class RouteStop(models.Model):
    class Kind(models.TextChoices):
        PICKUP = "pickup", _("Ambil barang")
        DROPOFF = "dropoff", _("Antar ke pembeli")

    # Not indexed alone: the unique constraint "fulfillment_stop_seq" leads with this column.
    route = models.ForeignKey(
        Route, on_delete=models.CASCADE, related_name="stops", db_index=False, verbose_name=_("rute")
    )
    # Not indexed alone: the unique constraint "fulfillment_stop_once_per_delivery" leads with this column.
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="stops", db_index=False, verbose_name=_("antaran")
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("jenis"))
    seq = models.PositiveIntegerField(verbose_name=_("urutan"))
    lat = models.DecimalField(max_digits=9, decimal_places=6)
    lng = models.DecimalField(max_digits=9, decimal_places=6)
    eta = models.DateTimeField(_("perkiraan tiba"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("selesai pada"))

    class Meta:
        verbose_name = _("titik rute")
        verbose_name_plural = _("titik rute")
        ordering = ["route_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["route", "seq"], name="fulfillment_stop_seq"),
            models.UniqueConstraint(fields=["delivery", "kind"], name="fulfillment_stop_once_per_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.route_id}#{self.seq} {self.kind}"


EVENT_LABELS = {
    "create": _("Antaran dibuat"),
    "batch": _("Sudah dijadwalkan"),
    "assign": _("Dapat kurir"),
    "assign_external": _("Dapat kurir mitra"),
    "unassigned": _("Belum dapat kurir"),
    "requeue": _("Menunggu jadwal berikutnya"),
    "pick_up": _("Dibawa kurir"),
    "deliver": _("Sudah sampai"),
    "fail": _("Gagal diantar"),
    "cancel": _("Dibatalkan"),
}


class DeliveryEvent(SubjectEventMixin, Event):
    """One change of a delivery: from which status to which, who, when, why (a row of core_event,
    subject "delivery"). Never edited; a delivery's timeline is `events_for(delivery)`."""

    SUBJECTS: ClassVar[dict[str, str]] = {"delivery": "delivery"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"delivery": "fulfillment.Delivery"}
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = EVENT_LABELS

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("riwayat antaran")
        verbose_name_plural = _("riwayat antaran")

    @property
    def delivery_id(self) -> int:
        return self.subject_id

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.action}"

    @property
    def label(self) -> str:
        return self.get_action_display()


DeliveryEvent.register(Delivery)


class CourierEarning(models.Model):
    """A courier's pay for one delivery: the delivery is the key (apps.core.column_keys)."""

    courier = models.ForeignKey(Courier, on_delete=models.PROTECT, related_name="earnings", verbose_name=_("kurir"))
    delivery = models.OneToOneField(
        Delivery, on_delete=models.PROTECT, primary_key=True, related_name="earning", verbose_name=_("antaran")
    )
    amount = models.BigIntegerField(_("jumlah (Rp)"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))

    class Meta:
        verbose_name = _("upah kurir")
        verbose_name_plural = _("upah kurir")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="fulfillment_earning_not_negative")]

    def __str__(self) -> str:
        return f"{self.courier_id}: {self.amount}"


# A many-to-many link table whose primary key is the pair itself (composite key, Django 5.2):
# no surrogate id and no index of its own on the first column, which leads the key (issue 17:
# two pg_class rows fewer per kelurahan schema than an auto-created through table).


class HubOperator(models.Model):
    """A user who operates a hub (Hub.operators)."""

    pk = models.CompositePrimaryKey("hub_id", "user_id")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Not indexed: users are deactivated, never deleted, and operators are only read per hub
    # (the key); nothing lists a user's hubs.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        db_table = "fulfillment_hub_operators"
        verbose_name = _("operator hub")
        verbose_name_plural = _("operator hub")

    def __str__(self) -> str:
        return f"{self.hub_id} ← {self.user_id}"
