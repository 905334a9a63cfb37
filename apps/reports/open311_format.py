"""Open311 GeoReport v2 wire formats: XML and JSON documents, ISO 8601 dates. No Django here
(apps.core.text is plain Python).

Documents are plain Python values (dicts, lists, str, numbers, bools, None, datetimes). In
XML a list becomes a wrapper element holding one child per item, named by `ITEM_TAGS`
(`services` → `<service>`, `attributes` → `<attribute>`, ...), as the spec's examples do.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from apps.core.text import clean_text

JSON = "application/json; charset=utf-8"
XML = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

# Root element and item element of each top-level list document.
LIST_ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the zone offset, as the spec requires (e.g. 2026-01-05T10:00:00+07:00)."""
    if value is None:
        return None
    return value.isoformat(timespec="seconds")


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 date-time that carries a zone; None if malformed or zone-less."""
    text = (value or "").strip()
    if not text:
        return None
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value) or ""
    # Rows stored before input was cleaned may hold characters XML 1.0 forbids: one of them
    # would make the whole document ill-formed for every client.
    return clean_text(str(value))


def _fill(parent: Element, value: Any, tag: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            child = SubElement(parent, key)
            _fill(child, item, key)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            child = SubElement(parent, item_tag)
            _fill(child, item, item_tag)
    else:
        parent.text = _text(value)


def to_xml(kind: str, document: Any) -> bytes:
    """`kind` is "services", "requests" or "errors" (a list document) or the root element name
    of an object document ("discovery", "service_definition")."""
    if kind in LIST_ROOTS:
        root_tag, item_tag = LIST_ROOTS[kind]
        root = Element(root_tag)
        for item in document:
            _fill(SubElement(root, item_tag), item, item_tag)
    else:
        root = Element(kind)
        _fill(root, document, kind)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def to_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, default=_json_default).encode()


def errors(*pairs: tuple[int, str]) -> list[dict[str, Any]]:
    return [{"code": code, "description": description} for code, description in pairs]
