"""English must be complete: every message of locale/en/LC_MESSAGES/django.po has a translation,
and none is fuzzy (gettext skips fuzzy entries when compiling, so the page falls back to
Indonesian mid-sentence). Plain-Python parsing: no database, no gettext tools needed."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.parts.get("msgid", "")

    @property
    def translations(self) -> list[str]:
        return [v for k, v in self.parts.items() if k.startswith("msgstr")]


def parse(text: str) -> list[Entry]:
    """The catalogue's entries (obsolete "#~" entries are not part of it)."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, key = None, ""
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            key = match.group(1)
            current.parts[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current.parts[key] += ast.literal_eval(line)
        else:
            raise AssertionError(f"{CATALOGUE.name}:{number}: cannot read {raw!r}")
    return [e for e in entries if "msgid" in e.parts]


def test_the_parser_sees_empty_and_fuzzy_entries() -> None:
    sample = '#, fuzzy\nmsgid "Pasar"\nmsgstr "Market"\n\nmsgid "Ke"\n"ranjang"\nmsgstr ""\n'
    fuzzy, empty = parse(sample)
    assert "fuzzy" in fuzzy.flags and fuzzy.translations == ["Market"]
    assert empty.msgid == "Keranjang" and empty.translations == [""]


def test_every_english_message_is_translated_and_none_is_fuzzy() -> None:
    entries = [e for e in parse(CATALOGUE.read_text(encoding="utf-8")) if e.msgid]  # "" = the header
    assert len(entries) > 1000, "the English catalogue looks truncated"
    empty = [e for e in entries if not all(t.strip() for t in e.translations)]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    problems = [f"line {e.line}: empty msgstr for {e.msgid!r}" for e in empty]
    problems += [f"line {e.line}: fuzzy {e.msgid!r}" for e in fuzzy]
    assert not problems, f"{len(problems)} English messages to fix in {CATALOGUE}:\n" + "\n".join(problems[:50])
