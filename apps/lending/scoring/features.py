"""Features for credit scoring: specs with known risk directions, the UMKM feature set, the guard.

A feature is a number per applicant (float; `NaN` = unknown, e.g. no past loan). Each
`FeatureSpec` documents what the number is, its unit, and its *direction*: how it moves the
probability of default (PD) when everything else is equal:

* `RISK_UP` (+1): a larger value never lowers PD (e.g. refund rate, days past due);
* `RISK_DOWN` (-1): a larger value never raises PD (e.g. GMV, on-time ratio);
* `UNKNOWN` (0): no a-priori direction; the model may learn any shape.

The directions become xgboost monotone constraints (`FeatureSet.monotone_constraints`), the
scorecard's points follow them, and tests check them on a grid.

UMKM features (`UMKM_FEATURES`), computed by the lending app from the tenant's own
transaction data; the window is in the name:

| name | unit | direction | meaning |
|---|---|---|---|
| gmv_avg_3m | Rp/bulan | down | mean monthly GMV (paid orders) over the last 3 months |
| gmv_trend_3m | ratio | down | GMV of the last 3 months / previous 3 months - 1 (0.12 = +12%) |
| orders_3m | count | down | paid orders in the last 3 months |
| active_weeks_ratio_12w | 0..1 | down | share of the last 12 weeks with at least one order (regularity) |
| refund_rate_3m | 0..1 | up | refunded orders / orders, last 3 months |
| cancel_rate_3m | 0..1 | up | cancelled orders / orders placed, last 3 months |
| cancellations_30d | count | up | cancelled orders in the last 30 days ("bulan ini") |
| rating_avg | 1..5 | down | mean buyer rating; NaN = no rating yet |
| rating_count | count | unknown | number of ratings (exposure; no a-priori direction) |
| tenure_months | months | down | whole months since the shop opened on KotaKita |
| permit_level | 0/1/2 | down | business permit: 0 none, 1 NIB submitted, 2 NIB/izin active |
| iuran_on_time_ratio | 0..1 | down | share of iuran/arisan dues paid on time, 12 months; NaN = none |
| repay_on_time_ratio | 0..1 | down | share of past loan instalments paid on time; NaN = no past loan |
| repay_max_dpd | days | up | worst days past due on past loans; NaN = no past loan |
| prior_loans_count | count | unknown | number of past loans (any lender on KotaKita) |
| wallet_active_days_3m | days | down | days of the last 90 with a KotaKitaPay wallet movement; NaN = no wallet |

`apps/lending/features.py` computes these from a tenant's own data (orders, reviews, permits,
iuran/arisan, wallet postings, the lending app's repayment records); its docstring gives the
exact definitions.

Protected attributes are never features: `refuse_protected` rejects names that denote gender or
sex, religion, ethnicity or race, marital status, or nationality (in English and Bahasa
Indonesia), and every `FeatureSet` calls it when it is built, so neither training nor scoring can
accept them. Age is not on the list (the UMKM set does not use it; see `german.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from apps.core.money import rupiah

from .errors import ProtectedAttributeError, ScoringError

__all__ = [
    "UMKM_FEATURES",
    "Direction",
    "FeatureSet",
    "FeatureSpec",
    "FeatureValue",
    "UmkmFeatures",
    "protected_reason",
    "refuse_protected",
]

FeatureValue = float | int | None


class Direction(IntEnum):
    """How a larger value moves the probability of default (xgboost monotone constraint sign)."""

    RISK_DOWN = -1
    UNKNOWN = 0
    RISK_UP = 1


# --- protected attributes -------------------------------------------------------------------

# Whole words (after splitting the name on non-letters) that denote a protected attribute.
_PROTECTED_WORDS: dict[str, str] = {
    "sex": "sex",
    "gender": "gender",
    "kelamin": "gender",  # jenis_kelamin
    "jk": "gender",
    "female": "gender",
    "male": "gender",
    "pria": "gender",
    "wanita": "gender",
    "religion": "religion",
    "religious": "religion",
    "agama": "religion",
    "kepercayaan": "religion",
    "ethnicity": "ethnicity",
    "ethnic": "ethnicity",
    "etnis": "ethnicity",
    "etnik": "ethnicity",
    "race": "ethnicity",
    "ras": "ethnicity",
    "suku": "ethnicity",
    "marital": "marital status",
    "married": "marital status",
    "perkawinan": "marital status",
    "kawin": "marital status",
    "nikah": "marital status",
    "spouse": "marital status",
    "nationality": "nationality",
    "kewarganegaraan": "nationality",
    "citizenship": "nationality",
}
# Word sequences that denote a protected attribute although no single word does.
_PROTECTED_PHRASES: dict[tuple[str, ...], str] = {
    ("personal", "status"): "marital status",
    ("foreign", "worker"): "nationality",
    ("warga", "negara"): "nationality",
}
# Phrases that contain a protected word but mean something else ("suku bunga" = interest rate).
_ALLOWED_PHRASES: tuple[tuple[str, ...], ...] = (("suku", "bunga"),)


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)  # camelCase -> camel Case
    return [w for w in re.split(r"[^a-z]+", spaced.lower()) if w]


def protected_reason(name: str) -> str | None:
    """The protected attribute a feature name denotes ("gender", ...), or None."""
    words = _words(name)
    masked = list(words)
    for phrase in _ALLOWED_PHRASES:
        for i in range(len(words) - len(phrase) + 1):
            if tuple(words[i : i + len(phrase)]) == phrase:
                for j in range(i, i + len(phrase)):
                    masked[j] = ""
    for word in masked:
        if word in _PROTECTED_WORDS:
            return _PROTECTED_WORDS[word]
    for phrase, what in _PROTECTED_PHRASES.items():
        for i in range(len(masked) - len(phrase) + 1):
            if tuple(masked[i : i + len(phrase)]) == phrase:
                return what
    return None


def refuse_protected(names: Iterable[str]) -> None:
    """Raise `ProtectedAttributeError` if any name denotes a protected attribute."""
    bad = [name for name in names if protected_reason(name) is not None]
    if bad:
        raise ProtectedAttributeError(bad)


# --- formatting (Bahasa Indonesia) ----------------------------------------------------------


def _pct(value: float) -> str:
    text = f"{abs(value) * 100:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _int(value: float) -> int:
    return round(value)


def _missing(value: float) -> bool:
    return math.isnan(value)


# --- specs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: name, Bahasa label, unit, risk direction, and the applicant-facing sentence.

    `describe(value)` states the fact in plain Bahasa Indonesia ("Ada 2 pembatalan pesanan bulan
    ini"); whether it helped or hurt comes from the model's contribution, not from the sentence.
    `tone(value)` says how the sentence sounds: +1 good, -1 bad, 0 neutral (default: good for a
    risk-down feature, bad for a positive risk-up value, neutral when missing). When the
    contribution contradicts the tone, `reason_text` adds `low_note` (a good-sounding fact that
    weighs: the value is low) or `small_note` (a bad-sounding fact that helps: it is small).
    `optional` features may be missing (NaN); required ones must be given.
    """

    name: str
    label: str
    unit: str
    direction: Direction
    description: str
    describe: Callable[[float], str] | None = None
    optional: bool = False
    tone: Callable[[float], int] | None = None
    low_note: str = "masih tergolong rendah"
    small_note: str = "masih tergolong kecil"

    def sentence(self, value: float) -> str:
        if self.describe is not None:
            return self.describe(value)
        if _missing(value):
            return f"{self.label}: tidak ada data"
        shown = f"{value:g}".replace(".", ",")
        return f"{self.label}: {shown} {self.unit}".rstrip()

    def tone_of(self, value: float) -> int:
        if _missing(value):
            return 0
        if self.tone is not None:
            return self.tone(value)
        if self.direction is Direction.RISK_DOWN:
            return 1
        if self.direction is Direction.RISK_UP:
            return -1 if value > 0 else 1
        return 0

    def reason_text(self, value: float, raises_risk: bool) -> str:
        """The applicant's sentence, with a note when the effect contradicts how it sounds."""
        text = self.sentence(value)
        tone = self.tone_of(value)
        if tone > 0 and raises_risk:
            return f"{text} ({self.low_note})"
        if tone < 0 and not raises_risk:
            return f"{text} ({self.small_note})"
        return text


@dataclass(frozen=True)
class FeatureSet:
    """An ordered set of feature specs; the column order of every matrix the engine sees."""

    name: str
    specs: tuple[FeatureSpec, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [s.name for s in self.specs]
        if len(set(names)) != len(names):
            raise ScoringError("duplicate_feature", f"feature set {self.name!r} names a feature twice")
        if not names:
            raise ScoringError("empty_feature_set", f"feature set {self.name!r} has no features")
        refuse_protected(names)
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(names)})

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    @property
    def directions(self) -> tuple[int, ...]:
        return tuple(int(s.direction) for s in self.specs)

    @property
    def monotone_constraints(self) -> str:
        """xgboost's `monotone_constraints` parameter, e.g. "(-1,0,1)"."""
        return "(" + ",".join(str(d) for d in self.directions) + ")"

    def index(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise ScoringError("unknown_feature", f"{name!r} is not a feature of {self.name!r}", field=name) from None

    def spec(self, name: str) -> FeatureSpec:
        return self.specs[self.index(name)]

    def check_names(self, names: Iterable[str]) -> None:
        """Refuse protected names first, then names this set does not know."""
        names = list(names)
        refuse_protected(names)
        unknown = [n for n in names if n not in self._index]
        if unknown:
            raise ScoringError(
                "unknown_feature", f"not features of {self.name!r}: {', '.join(sorted(unknown))}", field=unknown[0]
            )

    def row(self, values: Mapping[str, FeatureValue]) -> npt.NDArray[np.float64]:
        """One applicant's mapping -> a 1-D float array in this set's order (NaN = missing)."""
        return self.matrix([values])[0]

    def matrix(self, rows: Sequence[Mapping[str, FeatureValue]]) -> npt.NDArray[np.float64]:
        """Mappings -> an (n, d) float array. Protected or unknown keys and missing required
        features raise; optional features may be absent or None (-> NaN)."""
        out = np.full((len(rows), len(self.specs)), np.nan, dtype=np.float64)
        for r, values in enumerate(rows):
            self.check_names(values.keys())
            for c, spec in enumerate(self.specs):
                value = values.get(spec.name)
                if value is None:
                    if not spec.optional:
                        raise ScoringError(
                            "missing_feature", f"required feature {spec.name!r} is missing", field=spec.name
                        )
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ScoringError(
                        "bad_feature_value", f"feature {spec.name!r} must be a number, got {value!r}", field=spec.name
                    )
                number = float(value)
                if math.isinf(number) or (math.isnan(number) and not spec.optional):
                    raise ScoringError(
                        "bad_feature_value", f"feature {spec.name!r} must be finite, got {value!r}", field=spec.name
                    )
                out[r, c] = number
        return out

    def check_matrix(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """A 2-D float64 array with one column per feature; +-inf refused, NaN allowed."""
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != len(self.specs):
            raise ScoringError(
                "bad_shape", f"expected an (n, {len(self.specs)}) array for {self.name!r}, got shape {arr.shape}"
            )
        if np.isinf(arr).any():
            raise ScoringError("bad_feature_value", "feature matrix contains infinite values")
        return arr


# --- UMKM feature set -----------------------------------------------------------------------


class UmkmFeatures(TypedDict, total=False):
    """One UMKM applicant's features as the lending app (later) will compute them; see the table
    in the module docstring. Optional keys may be absent or None."""

    gmv_avg_3m: float
    gmv_trend_3m: float
    orders_3m: int
    active_weeks_ratio_12w: float
    refund_rate_3m: float
    cancel_rate_3m: float
    cancellations_30d: int
    rating_avg: float | None
    rating_count: int
    tenure_months: int
    permit_level: int
    iuran_on_time_ratio: float | None
    repay_on_time_ratio: float | None
    repay_max_dpd: int | None
    prior_loans_count: int
    wallet_active_days_3m: int | None


def _gmv_trend(v: float) -> str:
    if v >= 0.02:
        return f"Omzet 3 bulan terakhir naik {_pct(v)}% dibanding 3 bulan sebelumnya"
    if v <= -0.02:
        return f"Omzet 3 bulan terakhir turun {_pct(v)}% dibanding 3 bulan sebelumnya"
    return "Omzet 3 bulan terakhir stabil dibanding 3 bulan sebelumnya"


def _refunds(v: float) -> str:
    if v <= 0:
        return "Tidak ada pengembalian dana (refund) dalam 3 bulan terakhir"
    return f"{_pct(v)}% pesanan 3 bulan terakhir berakhir dengan pengembalian dana (refund)"


def _cancel_rate(v: float) -> str:
    if v <= 0:
        return "Tidak ada pesanan yang dibatalkan dalam 3 bulan terakhir"
    return f"{_pct(v)}% pesanan 3 bulan terakhir dibatalkan"


def _cancellations(v: float) -> str:
    n = _int(v)
    return "Tidak ada pembatalan pesanan bulan ini" if n == 0 else f"Ada {n} pembatalan pesanan bulan ini"


def _rating(v: float) -> str:
    if _missing(v):
        return "Belum ada rating dari pembeli"
    return f"Rating rata-rata dari pembeli {v:.1f} dari 5".replace(".", ",", 1)


def _permit(v: float) -> str:
    level = _int(v)
    if level >= 2:
        return "Izin usaha (NIB) sudah aktif"
    if level == 1:
        return "Izin usaha (NIB) masih dalam proses"
    return "Belum memiliki izin usaha (NIB)"


def _iuran(v: float) -> str:
    if _missing(v):
        return "Belum ada catatan iuran/arisan"
    return f"{_pct(v)}% iuran/arisan 12 bulan terakhir dibayar tepat waktu"


def _repay_on_time(v: float) -> str:
    if _missing(v):
        return "Belum ada riwayat pinjaman sebelumnya"
    return f"{_pct(v)}% cicilan pinjaman sebelumnya dibayar tepat waktu"


def _repay_dpd(v: float) -> str:
    if _missing(v):
        return "Belum ada riwayat pinjaman sebelumnya"
    n = _int(v)
    return "Tidak pernah terlambat membayar cicilan" if n <= 0 else f"Pernah terlambat membayar cicilan hingga {n} hari"


def _wallet_days(v: float) -> str:
    if _missing(v):
        return "Belum memiliki dompet KotaKitaPay"
    return f"Dompet KotaKitaPay dipakai pada {_int(v)} dari 90 hari terakhir"


UMKM_FEATURES = FeatureSet(
    "umkm-v1",
    (
        FeatureSpec(
            "gmv_avg_3m",
            "Rata-rata omzet bulanan (3 bulan)",
            "Rp/bulan",
            Direction.RISK_DOWN,
            "Mean monthly GMV of paid orders over the last 3 months.",
            lambda v: f"Rata-rata omzet bulanan 3 bulan terakhir {rupiah(v)}",
        ),
        FeatureSpec(
            "gmv_trend_3m",
            "Tren omzet (3 bulan vs 3 bulan sebelumnya)",
            "rasio",
            Direction.RISK_DOWN,
            "GMV of the last 3 months over the previous 3 months, minus 1.",
            _gmv_trend,
            tone=lambda v: 1 if v >= 0.02 else -1 if v <= -0.02 else 0,
        ),
        FeatureSpec(
            "orders_3m",
            "Jumlah pesanan (3 bulan)",
            "pesanan",
            Direction.RISK_DOWN,
            "Paid orders in the last 3 months.",
            lambda v: f"{_int(v)} pesanan dalam 3 bulan terakhir",
            low_note="masih tergolong sedikit",
        ),
        FeatureSpec(
            "active_weeks_ratio_12w",
            "Keteraturan pesanan (minggu aktif dari 12)",
            "rasio",
            Direction.RISK_DOWN,
            "Share of the last 12 weeks with at least one order.",
            lambda v: f"Ada pesanan pada {_int(v * 12)} dari 12 minggu terakhir",
        ),
        FeatureSpec(
            "refund_rate_3m",
            "Tingkat refund (3 bulan)",
            "rasio",
            Direction.RISK_UP,
            "Refunded orders / orders, last 3 months.",
            _refunds,
        ),
        FeatureSpec(
            "cancel_rate_3m",
            "Tingkat pembatalan (3 bulan)",
            "rasio",
            Direction.RISK_UP,
            "Cancelled orders / orders placed, last 3 months.",
            _cancel_rate,
        ),
        FeatureSpec(
            "cancellations_30d",
            "Pembatalan pesanan (30 hari)",
            "pesanan",
            Direction.RISK_UP,
            "Cancelled orders in the last 30 days.",
            _cancellations,
        ),
        FeatureSpec(
            "rating_avg",
            "Rating rata-rata pembeli",
            "dari 5",
            Direction.RISK_DOWN,
            "Mean buyer rating 1-5; missing when there is no rating yet.",
            _rating,
            optional=True,
        ),
        FeatureSpec(
            "rating_count",
            "Jumlah ulasan pembeli",
            "ulasan",
            Direction.UNKNOWN,
            "Number of buyer ratings (exposure; no a-priori direction).",
            lambda v: f"{_int(v)} ulasan dari pembeli",
        ),
        FeatureSpec(
            "tenure_months",
            "Lama berjualan di KotaKita",
            "bulan",
            Direction.RISK_DOWN,
            "Whole months since the shop opened on KotaKita.",
            lambda v: f"Sudah {_int(v)} bulan berjualan di KotaKita",
            low_note="masih tergolong baru",
        ),
        FeatureSpec(
            "permit_level",
            "Status izin usaha",
            "kode",
            Direction.RISK_DOWN,
            "0 no permit, 1 NIB submitted, 2 NIB/izin active.",
            _permit,
            tone=lambda v: 1 if v >= 2 else 0 if v >= 1 else -1,
        ),
        FeatureSpec(
            "iuran_on_time_ratio",
            "Ketepatan iuran/arisan (12 bulan)",
            "rasio",
            Direction.RISK_DOWN,
            "Share of iuran/arisan dues paid on time, last 12 months; missing when none.",
            _iuran,
            optional=True,
        ),
        FeatureSpec(
            "repay_on_time_ratio",
            "Ketepatan cicilan pinjaman sebelumnya",
            "rasio",
            Direction.RISK_DOWN,
            "Share of past loan instalments paid on time; missing when no past loan.",
            _repay_on_time,
            optional=True,
        ),
        FeatureSpec(
            "repay_max_dpd",
            "Keterlambatan terlama pinjaman sebelumnya",
            "hari",
            Direction.RISK_UP,
            "Worst days past due on past loans; missing when no past loan.",
            _repay_dpd,
            optional=True,
        ),
        FeatureSpec(
            "prior_loans_count",
            "Jumlah pinjaman sebelumnya",
            "pinjaman",
            Direction.UNKNOWN,
            "Number of past loans on KotaKita (no a-priori direction).",
            lambda v: f"{_int(v)} pinjaman sebelumnya di KotaKita",
        ),
        FeatureSpec(
            "wallet_active_days_3m",
            "Hari aktif dompet KotaKitaPay (90 hari)",
            "hari",
            Direction.RISK_DOWN,
            "Days of the last 90 with at least one KotaKitaPay wallet movement; missing when no wallet.",
            _wallet_days,
            optional=True,
            low_note="masih tergolong jarang",
        ),
    ),
)
