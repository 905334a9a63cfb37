"""Kelurahan events: when, where, who organises, and for whom (everyone, one RW, one RT, staff)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.rtrw.models import RukunTetangga, RukunWarga

ICAL_UID_DOMAIN = "kotakita.id"


class Audience(models.TextChoices):
    PUBLIC = "umum", _("Umum")
    RW = "rw", _("Warga satu RW")
    RT = "rt", _("Warga satu RT")
    STAFF = "staf", _("Staf kelurahan")


class Event(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("judul"), max_length=200)
    description = models.TextField(_("keterangan"), blank=True)
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    place_name = models.CharField(_("tempat"), max_length=200)
    lat = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    organiser = models.CharField(_("penyelenggara"), max_length=150)
    audience = models.CharField(_("sasaran"), max_length=8, choices=Audience.choices, default=Audience.PUBLIC)
    rw = models.ForeignKey(
        RukunWarga, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("RW")
    )
    rt = models.ForeignKey(
        RukunTetangga, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("RT")
    )
    # RFC 5545 SEQUENCE: bumped when the time or place changes, so calendars take the update.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kegiatan")
        verbose_name_plural = _("kegiatan")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="agenda_event_ends_after_start"),
            models.CheckConstraint(
                condition=(
                    (Q(audience__in=["umum", "staf"]) & Q(rw__isnull=True, rt__isnull=True))
                    | (Q(audience="rw") & Q(rw__isnull=False, rt__isnull=True))
                    | (Q(audience="rt") & Q(rw__isnull=True, rt__isnull=False))
                ),
                name="agenda_event_audience_unit",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__isnull=False, lng__isnull=False, lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="agenda_event_point",
            ),
        ]
        indexes = [models.Index(fields=["audience", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def unit_label(self) -> str:
        if self.audience == Audience.RT and self.rt is not None:
            return str(self.rt)
        if self.audience == Audience.RW and self.rw is not None:
            return str(self.rw)
        return str(self.get_audience_display())

    @property
    def ical_uid(self) -> str:
        """Stable for the life of the event, whatever host or port the feed is fetched from."""
        return f"{self.uuid}@{ICAL_UID_DOMAIN}"

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None
