"""One date style per language: the named formats of config/formats, and templates that use
them instead of spelling a pattern out (which is how "06 Dec 2026", "6/12/2026" and "2026-12-06"
ended up side by side)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from django.utils import formats, translation

ROOT = Path(__file__).resolve().parents[2]
# Machine values (<input type="date">, URLs, comparisons) and the weekday name may stay patterns.
MACHINE = {"Y-m-d", "Y-m", "Ymd", "l", "c", "U"}
NAMED = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "TIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
}
FILTER = re.compile(r"\|(?:date|time):\s*[\"']([^\"']*)[\"']")


def test_one_date_style_per_language() -> None:
    moment = datetime.datetime(2026, 12, 6, 14, 30)
    with translation.override("id"):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "6 Des 2026 14.30"
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "6 Des 2026"
    with translation.override("en"):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "6 Dec 2026 14:30"
        assert formats.time_format(moment.time(), "TIME_FORMAT") == "14:30"


def test_templates_use_the_named_formats() -> None:
    ad_hoc = []
    for path in sorted([*ROOT.glob("apps/*/templates/**/*.html"), *ROOT.glob("templates/**/*.html")]):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern in FILTER.findall(line):
                if pattern not in NAMED and pattern not in MACHINE:
                    ad_hoc.append(f"{path.relative_to(ROOT)}:{number}: {pattern!r}")
    assert not ad_hoc, "use a named format (DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT, ...):\n" + "\n".join(ad_hoc)
