"""Holiday calendars turned into weekly features.

A calendar maps the first day of each 7-day demand period to a row of numeric features. The
dates come from the `holidays` package, which computes the Islamic holidays (Idul Fitri,
Idul Adha) per year from its Hijri tables and the lunar new year (Imlek) from the Chinese
calendar, so future weeks get features too: holidays are known in advance, which is what makes
them usable for the forecast horizon.

Two calendars ship here:

* `IndonesiaCalendar` (KotaKita): Lebaran (Idul Fitri) with the two weeks before it (mudik,
  THR and shopping peak) and the two after, Ramadan (the `ramadan_days` days before Idul Fitri;
  the package has no Ramadan start, and Ramadan lasts 29 or 30 days, so the first day may be off
  by one), Idul Adha, Natal, Tahun Baru and Imlek, plus the count of public holidays in the week.
* `UnitedStatesCalendar` (the Walmart benchmark): Thanksgiving, Christmas, New Year, Labor Day,
  Independence Day and Memorial Day from the package, and Easter (`dateutil.easter`, no federal
  holiday but a retail one). The data's own `Holiday_Flag` is not a calendar: pass it as a
  known covariate (`ForecastConfig.known_covariates`).

Feature names per event `e` with window (before, after): `e` (the week contains the event day),
`e_pre1..e_pre<before>`, `e_post1..e_post<after>` and `e_weeks_to` (signed weeks to the nearest
event week, positive before it, clipped to +-`horizon_clip`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

import holidays
import numpy as np
import pandas as pd
from dateutil.easter import easter

_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")  # "(estimated)", "(observed)"


@runtime_checkable
class HolidayCalendar(Protocol):
    """Anything that turns week start dates into a feature frame (one row per week, same order)."""

    @property
    def name(self) -> str: ...

    def feature_names(self) -> tuple[str, ...]: ...

    def week_features(self, week_starts: pd.DatetimeIndex) -> pd.DataFrame: ...


@dataclass(frozen=True)
class EventWindow:
    """An event to mark, with how many whole weeks before and after it get their own flag."""

    name: str
    before: int = 0
    after: int = 0
    weeks_to: bool = False


def _holiday_names(calendar: holidays.HolidayBase) -> dict[date, list[str]]:
    """Date -> English holiday names without "(estimated)"-style qualifiers."""
    out: dict[date, list[str]] = {}
    for day in calendar:
        out[day] = [_QUALIFIER.sub("", n) for n in calendar.get_list(day)]
    return out


class EventCalendar:
    """Base for calendars built from named event dates; subclasses supply `event_dates`."""

    name = "events"
    windows: tuple[EventWindow, ...] = ()
    horizon_clip = 10

    def event_dates(self, years: Sequence[int]) -> Mapping[str, list[date]]:
        raise NotImplementedError

    def holiday_dates(self, years: Sequence[int]) -> set[date]:
        """All public holiday dates (for the `hol_days` count); empty by default."""
        return set()

    def extra_feature_names(self) -> tuple[str, ...]:
        return ()

    def extra_features(self, starts: np.ndarray, years: Sequence[int]) -> dict[str, np.ndarray]:
        return {}

    def feature_names(self) -> tuple[str, ...]:
        names: list[str] = ["hol_days"]
        for w in self.windows:
            names.append(w.name)
            names += [f"{w.name}_pre{i}" for i in range(1, w.before + 1)]
            names += [f"{w.name}_post{i}" for i in range(1, w.after + 1)]
            if w.weeks_to:
                names.append(f"{w.name}_weeks_to")
        names += self.extra_feature_names()
        return tuple(names)

    def week_features(self, week_starts: pd.DatetimeIndex) -> pd.DataFrame:
        starts = np.asarray(pd.DatetimeIndex(week_starts).normalize().values.astype("datetime64[D]"))
        if len(starts) == 0:
            return pd.DataFrame(columns=list(self.feature_names()), dtype=float)
        first = pd.Timestamp(starts.min()).year
        last = pd.Timestamp(starts.max()).year
        years = list(range(first - 1, last + 2))  # neighbours: offsets cross new year
        events = self.event_dates(years)
        cols: dict[str, np.ndarray] = {}

        hol = np.array(sorted(self.holiday_dates(years)), dtype="datetime64[D]")
        cols["hol_days"] = _count_in_weeks(starts, hol).astype(float)

        for w in self.windows:
            days = np.array(sorted(set(events.get(w.name, []))), dtype="datetime64[D]")
            offset = _weeks_to_nearest(starts, days)  # 0 = the event week, 1 = the week before
            cols[w.name] = (offset == 0).astype(float)
            for i in range(1, w.before + 1):
                cols[f"{w.name}_pre{i}"] = (offset == i).astype(float)
            for i in range(1, w.after + 1):
                cols[f"{w.name}_post{i}"] = (offset == -i).astype(float)
            if w.weeks_to:
                clipped = np.clip(offset, -self.horizon_clip, self.horizon_clip).astype(float)
                clipped[np.isnan(offset)] = np.nan
                cols[f"{w.name}_weeks_to"] = clipped
        cols.update(self.extra_features(starts, years))
        return pd.DataFrame({n: cols[n] for n in self.feature_names()}, index=pd.DatetimeIndex(week_starts))


def _count_in_weeks(starts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """How many of `days` fall in [start, start + 6] for each start."""
    if len(days) == 0:
        return np.zeros(len(starts), dtype=int)
    lo = np.searchsorted(days, starts, side="left")
    hi = np.searchsorted(days, starts + np.timedelta64(7, "D"), side="left")
    return np.asarray(hi - lo)


def _weeks_to_nearest(starts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Signed whole weeks from each week to the week holding the nearest event day.

    0 when the week [start, start+6] contains an event day, k > 0 when an event is in the k-th
    week after it (so the week is k weeks *before* the event), k < 0 after an event. NaN when
    there are no events at all.
    """
    out = np.full(len(starts), np.nan)
    if len(days) == 0:
        return out
    delta = (days[None, :] - starts[:, None]).astype(int)  # days from week start to each event
    weeks = np.floor_divide(delta, 7)
    # Nearest event week; on a tie (as far before one as after another) the coming event wins.
    key = 2 * np.abs(weeks) - (weeks > 0)
    best = np.argmin(key, axis=1)
    out[:] = weeks[np.arange(len(starts)), best]
    return out


def ramadan_days(idul_fitri: Iterable[date], length: int = 30) -> list[date]:
    """The `length` days before each Idul Fitri (1 Syawal): the Ramadan month, approximately."""
    out: list[date] = []
    for day in idul_fitri:
        out += [day - timedelta(days=i) for i in range(1, length + 1)]
    return sorted(out)


@dataclass(frozen=True)
class IndonesiaCalendar(EventCalendar):
    """Indonesian public holidays (the `holidays` package's `Indonesia`), with Ramadan/Lebaran."""

    ramadan_length: int = 30
    windows: tuple[EventWindow, ...] = field(
        default=(
            EventWindow("lebaran", before=2, after=2, weeks_to=True),
            EventWindow("idul_adha", before=1),
            EventWindow("natal", before=1),
            EventWindow("tahun_baru"),
            EventWindow("imlek"),
        )
    )
    name = "indonesia"

    _NAMES = {  # holidays' English names (language="en_US") -> our event
        "Eid al-Fitr": "lebaran",
        "Eid al-Adha": "idul_adha",
        "Christmas Day": "natal",
        "New Year's Day": "tahun_baru",
        "Lunar New Year": "imlek",
    }

    def _calendar(self, years: Sequence[int]) -> holidays.HolidayBase:
        return holidays.country_holidays("ID", years=years, language="en_US")

    def event_dates(self, years: Sequence[int]) -> Mapping[str, list[date]]:
        out: dict[str, list[date]] = {}
        for day, names in _holiday_names(self._calendar(years)).items():
            for n in names:
                if n in self._NAMES:
                    out.setdefault(self._NAMES[n], []).append(day)
        return out

    def idul_fitri(self, years: Sequence[int]) -> list[date]:
        """First day of Idul Fitri (Lebaran) per year, as the package has it."""
        return sorted(self.event_dates(years).get("lebaran", []))

    def holiday_dates(self, years: Sequence[int]) -> set[date]:
        return set(self._calendar(years))

    def extra_feature_names(self) -> tuple[str, ...]:
        return ("ramadan_days",)

    def extra_features(self, starts: np.ndarray, years: Sequence[int]) -> dict[str, np.ndarray]:
        days = np.array(ramadan_days(self.idul_fitri(years), self.ramadan_length), dtype="datetime64[D]")
        return {"ramadan_days": _count_in_weeks(starts, days).astype(float)}


@dataclass(frozen=True)
class UnitedStatesCalendar(EventCalendar):
    """US federal holidays (the `holidays` package's `US`) shaped for retail demand."""

    windows: tuple[EventWindow, ...] = field(
        default=(
            EventWindow("thanksgiving", before=1, after=1),
            EventWindow("christmas", before=3, after=1, weeks_to=True),
            EventWindow("new_year"),
            EventWindow("labor_day"),
            EventWindow("independence_day"),
            EventWindow("memorial_day"),
            EventWindow("easter", before=1),
        )
    )
    name = "united_states"

    _NAMES = {
        "Thanksgiving Day": "thanksgiving",
        "Christmas Day": "christmas",
        "New Year's Day": "new_year",
        "Labor Day": "labor_day",
        "Independence Day": "independence_day",
        "Memorial Day": "memorial_day",
    }

    def _calendar(self, years: Sequence[int]) -> holidays.HolidayBase:
        return holidays.country_holidays("US", years=years, language="en_US", observed=False)

    def event_dates(self, years: Sequence[int]) -> Mapping[str, list[date]]:
        out: dict[str, list[date]] = {}
        for day, names in _holiday_names(self._calendar(years)).items():
            for n in names:
                if n in self._NAMES:
                    out.setdefault(self._NAMES[n], []).append(day)
        # Easter is no federal holiday but moves retail demand (and moves by up to five weeks).
        out["easter"] = [easter(y) for y in years]
        return out

    def holiday_dates(self, years: Sequence[int]) -> set[date]:
        return set(self._calendar(years))


def calendar_columns(week_starts: pd.DatetimeIndex) -> pd.DataFrame:
    """Week of year, month and quarter, read at mid-week (the Thursday of a Monday week)."""
    mid = pd.DatetimeIndex(week_starts) + pd.Timedelta(days=3)
    iso = mid.isocalendar()
    return pd.DataFrame(
        {
            "week_of_year": np.asarray(iso["week"], dtype=float),
            "month": np.asarray(mid.month, dtype=float),
            "quarter": np.asarray(mid.quarter, dtype=float),
        },
        index=pd.DatetimeIndex(week_starts),
    )
