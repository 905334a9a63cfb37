"""DRF parsers that refuse what the stock ones turn into a 500 or let through.

- Whole numbers beyond the bigint range (the database refused them: a 500).
- JSON nested deeper than `KOTAKITA_MAX_JSON_DEPTH` (default 32): the stock parser recursed
  until RecursionError, a 500.
- NaN, Infinity and numbers that overflow to infinity (1e400): no field can hold them.
- NUL in any string or key: PostgreSQL cannot store it.

All answer 400 (ParseError → the usual error body). Strings are then passed through
`apps.core.text.clean_text`, as form posts are in `apps.core.input_guard`.
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from apps.core.text import clean_data, clean_text, contains_nul

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

DEFAULT_MAX_JSON_DEPTH = 32


def max_json_depth() -> int:
    return int(getattr(settings, "KOTAKITA_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class JSONRefused(ValueError):
    """JSON the project does not accept (a ValueError, so `except ValueError` still works)."""


def _too_deep() -> JSONRefused:
    return JSONRefused(_("JSON terlalu dalam: paling banyak %(n)d tingkat.") % {"n": max_json_depth()})


def _not_finite(text: str) -> float:
    raise ValueError(text)


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _nul() -> ParseError:
    return ParseError(_("Permintaan berisi karakter NUL yang tidak diizinkan."))


# The widest whole number any column holds (PostgreSQL bigint); past it the database refused
# the value with a DataError, a 500.
BIGINT_MAX = 2**63 - 1


def _bounded_int(text: str) -> int:
    number = int(text)
    if abs(number) > BIGINT_MAX:
        raise ValueError(_("Angka %(n)s… terlalu besar.") % {"n": text[:20]})
    return number


def parse_json(text: str | bytes) -> Any:
    """JSON the project accepts, with its strings cleaned (`clean_text`); JSONRefused with a
    Bahasa Indonesia message otherwise. For views that read a body themselves."""
    try:
        data = json.loads(text, parse_constant=_not_finite, parse_float=_finite_float, parse_int=_bounded_int)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise JSONRefused(_("JSON tidak valid: %(error)s") % {"error": str(exc)[:200]}) from None
    if json_depth(data) > max_json_depth():
        raise _too_deep()
    if contains_nul(data):
        raise JSONRefused(_("Permintaan berisi karakter NUL yang tidak diizinkan."))
    return clean_data(data)


def loads(text: str) -> Any:
    """`parse_json` for the API: ParseError (400, the usual error body) on refusal."""
    try:
        return parse_json(text)
    except JSONRefused as exc:
        raise ParseError(str(exc)) from None


class SafeJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("JSON tidak valid: bukan teks %(encoding)s.") % {"encoding": encoding}) from None
        return loads(text)


def _clean_query_dict(data: QueryDict) -> _ImmutableQueryDict:
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            raise _nul()
        cleaned.setlist(clean_text(key), [clean_text(v) if isinstance(v, str) else v for v in values])
    cleaned._mutable = False
    return cast("_ImmutableQueryDict", cleaned)


class SafeFormParser(parsers.FormParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> _ImmutableQueryDict:
        try:
            data = super().parse(stream, media_type, parser_context)
        except UnicodeDecodeError:
            raise ParseError(_("Isi permintaan rusak atau tidak lengkap.")) from None
        return _clean_query_dict(data)


class SafeMultiPartParser(parsers.MultiPartParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> parsers.DataAndFiles[Any, Any]:
        try:
            result = super().parse(stream, media_type, parser_context)
        except (ValueError, UnicodeDecodeError):
            raise ParseError(_("Isi permintaan rusak atau tidak lengkap.")) from None
        if any("\x00" in (getattr(upload, "name", None) or "") for upload in result.files.values()):
            raise _nul()
        return parsers.DataAndFiles(_clean_query_dict(result.data), result.files)


# For views that name their own parsers (e.g. DRF's ObtainAuthToken, which names the stock ones).
SAFE_PARSERS: list[type[parsers.BaseParser]] = [SafeJSONParser, SafeFormParser, SafeMultiPartParser]
