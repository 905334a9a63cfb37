"""One question asked of one user after one completed service, and its answer.

A row is written when the question is asked (CSAT after a permit issued, a report resolved, an
order delivered, a loan disbursed; NPS at most once a quarter) and filled in when answered. The
unique (kind, event_key, user) is what makes "never twice for one event" hold under retries and
races: the NPS row of a quarter has `kind` "nps" and `event_key` "2026Q4", so the same constraint
is the quarterly limit. One table on purpose (every kelurahan schema pays for each table).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Service(models.TextChoices):
    PERMIT = "permit", _("Perizinan")
    REPORT = "report", _("Laporan warga")
    ORDER = "order", _("Pesanan pasar")
    LOAN = "loan", _("Pinjaman")
    TUKANG = "tukang", _("Jasa tukang")


class Kind(models.TextChoices):
    PERMIT = "permit", _("Perizinan")
    REPORT = "report", _("Laporan warga")
    ORDER = "order", _("Pesanan pasar")
    LOAN = "loan", _("Pinjaman")
    TUKANG = "tukang", _("Jasa tukang")
    NPS = "nps", _("Rekomendasi (NPS)")


class Prompt(models.Model):
    # No index of its own: the unique (user, kind, event_key) leads with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feedback_prompts",
        verbose_name=_("pengguna"),
        db_index=False,
    )
    kind = models.CharField(_("jenis"), max_length=8, choices=Kind.choices)
    # The service that completed: equal to `kind` for CSAT; for NPS the service whose
    # completion asked it (NPS per service on the dashboards).
    service = models.CharField(_("layanan"), max_length=8, choices=Service.choices)
    event_key = models.CharField(_("kejadian"), max_length=64)
    url = models.CharField(_("tautan layanan"), max_length=200, blank=True)
    score = models.PositiveSmallIntegerField(_("nilai"), null=True, blank=True)
    comment = models.TextField(_("komentar"), blank=True)
    asked_at = models.DateTimeField(_("ditanyakan"), auto_now_add=True)
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)

    class Meta:
        verbose_name = _("pertanyaan kepuasan")
        verbose_name_plural = _("pertanyaan kepuasan")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "event_key"], name="feedback_prompt_once_per_event"),
            models.CheckConstraint(
                condition=Q(score__isnull=True)
                | (Q(kind="nps") & Q(score__lte=10))
                | (~Q(kind="nps") & Q(score__gte=1) & Q(score__lte=5)),
                name="feedback_prompt_score_range",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True, answered_at__isnull=True)
                | Q(score__isnull=False, answered_at__isnull=False),
                name="feedback_prompt_answered_with_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_key} → {self.user_id}"

    @property
    def is_nps(self) -> bool:
        return self.kind == Kind.NPS

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def scale(self) -> range:
        return range(0, 11) if self.is_nps else range(1, 6)
