"""Sembako Pintar and GoTukang on the lurah and kota dashboards (issue 21): their indicators,
computed from the facts of apps.sembako and apps.tukang, and their breakdowns for the pages and
exports. apps.analytics.dashboards appends these indicators to its own."""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy

from apps.facts.metrics import Metric
from apps.sembako.models import HouseholdOrder
from apps.tukang.models import Job, Skill

from .indicator import Indicator, ratio
from .selectors import Aggregate


def _money_paid(a: Aggregate) -> int:
    """Sembako paid with the household's own money (KotaKitaPay or QRIS), not bansos in kind."""
    return a.flow(Metric.SEMBAKO_ORDERS)[0] - a.flow(Metric.SEMBAKO_ORDERS, "bansos")[0]


SEMBAKO = gettext_lazy("Sembako")
TUKANG = gettext_lazy("GoTukang")
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "sembako_rounds_opened",
        gettext_lazy("Putaran sembako dibuka"),
        "count",
        SEMBAKO,
        (Metric.SEMBAKO_ROUNDS_OPENED, Metric.SEMBAKO_ROUNDS_CLOSED),
        lambda a: a.flow(Metric.SEMBAKO_ROUNDS_OPENED)[0],
    ),
    Indicator(
        "sembako_rounds_closed",
        gettext_lazy("Putaran sembako ditutup"),
        "count",
        SEMBAKO,
        (Metric.SEMBAKO_ROUNDS_CLOSED, Metric.SEMBAKO_ROUNDS_OPENED),
        lambda a: a.flow(Metric.SEMBAKO_ROUNDS_CLOSED)[0],
    ),
    Indicator(
        "sembako_households",
        gettext_lazy("Rumah tangga memesan sembako"),
        "count",
        SEMBAKO,
        (Metric.SEMBAKO_ORDERS,),
        lambda a: a.distinct.get(Metric.SEMBAKO_ORDERS, 0),
    ),
    Indicator(
        "sembako_units",
        gettext_lazy("Barang sembako dipesan"),
        "count",
        SEMBAKO,
        (Metric.SEMBAKO_UNITS,),
        lambda a: a.flow(Metric.SEMBAKO_UNITS)[0],
        hint=gettext_lazy("Jumlah satuan barang (kg, liter, butir…) dalam pesanan yang sudah lunas."),
    ),
    Indicator(
        "sembako_amount",
        gettext_lazy("Nilai pesanan sembako"),
        "rupiah",
        SEMBAKO,
        (Metric.SEMBAKO_ORDERS,),
        lambda a: a.flow(Metric.SEMBAKO_ORDERS)[0],
    ),
    Indicator(
        "sembako_bansos",
        gettext_lazy("Dibayar dengan bansos sembako"),
        "rupiah",
        SEMBAKO,
        (Metric.SEMBAKO_ORDERS,),
        lambda a: a.flow(Metric.SEMBAKO_ORDERS, "bansos")[0],
        hint=gettext_lazy("Pesanan yang ditebus dengan hak bansos dalam bentuk barang."),
    ),
    Indicator(
        "sembako_money",
        gettext_lazy("Dibayar dengan uang"),
        "rupiah",
        SEMBAKO,
        (Metric.SEMBAKO_ORDERS,),
        _money_paid,
        hint=gettext_lazy("Pesanan yang dibayar sendiri oleh warga lewat KotaKitaPay atau QRIS."),
    ),
    Indicator(
        "sembako_savings",
        gettext_lazy("Hemat dibanding harga pasar"),
        "rupiah",
        SEMBAKO,
        (Metric.SEMBAKO_SAVINGS,),
        lambda a: a.flow(Metric.SEMBAKO_SAVINGS)[0],
        hint=gettext_lazy(
            "Selisih harga putaran dengan harga pangan acuan pada hari pembayaran, untuk barang yang punya harga acuan."
        ),
    ),
    Indicator(
        "tukang_requested",
        gettext_lazy("Pekerjaan tukang diminta"),
        "count",
        TUKANG,
        (Metric.TUKANG_REQUESTED,),
        lambda a: a.flow(Metric.TUKANG_REQUESTED)[0],
    ),
    Indicator(
        "tukang_booked",
        gettext_lazy("Pekerjaan tukang dipesan"),
        "count",
        TUKANG,
        (Metric.TUKANG_BOOKED, Metric.TUKANG_REQUESTED),
        lambda a: a.flow(Metric.TUKANG_BOOKED)[1],
    ),
    Indicator(
        "tukang_done",
        gettext_lazy("Pekerjaan tukang selesai"),
        "count",
        TUKANG,
        (Metric.TUKANG_DONE, Metric.TUKANG_BOOKED),
        lambda a: a.flow(Metric.TUKANG_DONE)[1],
    ),
    Indicator(
        "tukang_completion",
        gettext_lazy("Tingkat penyelesaian pekerjaan tukang"),
        "percent",
        TUKANG,
        (Metric.TUKANG_BOOKED,),
        lambda a: ratio(a.flow(Metric.TUKANG_DONE)[1], a.flow(Metric.TUKANG_BOOKED)[1], 100),
        hint=gettext_lazy(
            "Pekerjaan selesai dibanding pekerjaan dipesan dalam rentang yang sama "
            "(bisa lebih dari 100% bila pesanan lama selesai sekarang)."
        ),
    ),
    Indicator(
        "tukang_disputed",
        gettext_lazy("Keluhan GoTukang"),
        "count",
        TUKANG,
        (Metric.TUKANG_DISPUTED, Metric.TUKANG_BOOKED),
        lambda a: a.flow(Metric.TUKANG_DISPUTED)[0],
        higher_is_better=False,
    ),
    Indicator(
        "tukang_rating",
        gettext_lazy("Nilai rata-rata tukang"),
        "score",
        TUKANG,
        (Metric.TUKANG_RATED,),
        lambda a: ratio(*a.flow(Metric.TUKANG_RATED)),
    ),
    Indicator(
        "tukang_whatsapp",
        gettext_lazy("Pekerjaan diminta lewat WhatsApp"),
        "percent",
        TUKANG,
        (Metric.TUKANG_CHANNEL,),
        lambda a: ratio(a.flow(Metric.TUKANG_CHANNEL, "whatsapp")[0], a.flow(Metric.TUKANG_CHANNEL)[0], 100),
        hint=gettext_lazy("Bagian permintaan tukang yang masuk lewat WhatsApp, sisanya lewat aplikasi."),
    ),
)


def _named(agg: Aggregate, metric: str, choices: type[TextChoices], field: int) -> list[tuple[str, int]]:
    """A metric's rows per dimension (field 0: value, 1: count) under the choices' names."""
    labels = dict(choices.choices)
    return [(str(labels.get(dim, dim)), (v, c)[field]) for dim, v, c in agg.breakdown(metric)]


def breakdowns(agg: Aggregate) -> dict[str, Any]:
    """The sembako and GoTukang breakdowns of the pages and exports."""
    return {
        "sembako_by_payment": _named(agg, Metric.SEMBAKO_ORDERS, HouseholdOrder.Payment, 0),
        "tukang_by_skill": _named(agg, Metric.TUKANG_REQUESTED, Skill, 0),
        "tukang_done_by_skill": _named(agg, Metric.TUKANG_DONE, Skill, 1),
        "tukang_by_channel": _named(agg, Metric.TUKANG_CHANNEL, Job.Source, 0),
    }
