"""iCalendar (RFC 5545) writer for published event feeds. No Django import.

Times are written in UTC (`...Z`), TEXT values are escaped (`\\`, `;`, `,`, newlines) and
content lines are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

CRLF = "\r\n"
MAX_OCTETS = 75
# Control characters other than HTAB are not allowed in TEXT (RFC 5545 §3.3.11).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class VEvent:
    uid: str
    dtstamp: datetime
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    geo: tuple[Decimal, Decimal] | None = None
    url: str = ""
    sequence: int = 0
    created: datetime | None = None
    last_modified: datetime | None = None
    categories: tuple[str, ...] = ()


def escape_text(value: str) -> str:
    """TEXT escaping: backslash, semicolon, comma, and any newline as `\\n`."""
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: iCalendar feeds need aware datetimes")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets; continuation lines start with a
    space (which counts towards their 75)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    limit = MAX_OCTETS
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1
        current += char
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


def _geo(value: Decimal) -> str:
    text = f"{value:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def event_lines(event: VEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc(event.dtstamp)}",
        f"DTSTART:{utc(event.start)}",
        f"DTEND:{utc(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.sequence:
        lines.append(f"SEQUENCE:{event.sequence}")
    if event.created is not None:
        lines.append(f"CREATED:{utc(event.created)}")
    if event.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{utc(event.last_modified)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.geo is not None:
        lines.append(f"GEO:{_geo(event.geo[0])};{_geo(event.geo[1])}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[VEvent], *, prodid: str, name: str, timezone_name: str = "") -> str:
    """A complete VCALENDAR object, CRLF line endings, folded."""
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{prodid}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"NAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    if timezone_name:
        lines.append(f"X-WR-TIMEZONE:{timezone_name}")
    for event in events:
        lines.extend(event_lines(event))
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF
