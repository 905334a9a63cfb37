"""User text that every output format can carry. No Django here.

XML 1.0 forbids the C0 control characters except tab, line feed and carriage return, the
non-characters U+FFFE/U+FFFF and lone surrogates: one such character stored in a report made
the Open311 XML feed ill-formed for every client. `clean_text` strips them; it is applied where
input enters (apps.core.input_guard for form posts, apps.core.api.parsers for the API) and
again on XML output for rows stored before. NUL is different: it is refused outright (400), as
PostgreSQL cannot store it in text at all; `has_nul` finds it.
"""

from __future__ import annotations

import re
from typing import Any

# Everything XML 1.0 (Char production) does not allow: C0 controls but \t \n \r, surrogates
# (a str holds them only unpaired) and U+FFFE/U+FFFF. NUL is included for output cleaning.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """`value` without the characters XML 1.0 forbids (NUL included)."""
    return _FORBIDDEN.sub("", value)


def has_nul(value: str) -> bool:
    return "\x00" in value


def clean_data(value: Any) -> Any:
    """`clean_text` applied to every string (keys too) in a parsed JSON value; lists and
    dicts are rebuilt, everything else is returned as is."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(item) for item in value]
    return value


def contains_nul(value: Any) -> bool:
    """Whether any string (key or value) in a parsed JSON value holds a NUL."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
