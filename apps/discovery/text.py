"""Search text for Indonesian product names (no Django here).

Names are folded the same way when a product is indexed and when someone searches: lower
case, accents stripped (NFKD), anything but letters and digits turned into a space. The
database then does the rest: `to_tsvector('simple', ...)` full-text matching with prefix
queries, and pg_trgm word similarity for typos ("kripik tempe" finds "Keripik tempe").
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 100


def fold(text: str) -> str:
    """'Brém  Madiun — 250 g' -> 'brem madiun 250 g'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = decomposed.encode("ascii", "ignore").decode().lower()
    return " ".join(_NOT_WORD.sub(" ", ascii_only).split())


def query_words(query: str) -> list[str]:
    """The words of a search query, folded, at most MAX_QUERY_WORDS of them."""
    return fold(query[:MAX_QUERY_CHARS]).split()[:MAX_QUERY_WORDS]


def prefix_tsquery(words: list[str]) -> str:
    """A raw tsquery where every word may be a prefix: ['nasi', 'pec'] -> 'nasi:* & pec:*'.

    Words only contain [0-9a-z] after `fold`, so nothing here can break the tsquery syntax.
    """
    return " & ".join(f"{word}:*" for word in words if word)


def document(*parts: str) -> str:
    """The folded text of several fields, de-duplicated word by word in order."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in fold(part).split():
            seen.setdefault(word, None)
    return " ".join(seen)
