"""Fonts for every PDF KotaKita prints: embedded, and able to print names in Javanese script.

reportlab's default Helvetica is one of the PDF base-14 fonts: it is never embedded and only
covers WinAnsi (Latin-1), so "Sugiyô" prints but "ꦱꦸꦒꦶꦪꦺꦴ", "Đặng" or "Łukasz" do not. Every
builder therefore draws with the vendored Noto fonts (./fonts, SIL OFL 1.1, see fonts/OFL.txt):

- Noto Sans (Regular, Bold): Latin with every diacritic Indonesian and its neighbours use,
  Greek and Cyrillic;
- Noto Sans Javanese (Regular, Bold): Aksara Jawa (U+A980-U+A9DF).

reportlab embeds a subset of each TrueType font it uses (FontFile2) with a ToUnicode map, so
the text can be searched and copied out again.

Mixed text is split into runs: Javanese code points are drawn with Noto Sans Javanese, the rest
with Noto Sans (`runs`). `DocumentCanvas` does that for `drawString` and its centred/right
variants (tables draw their plain cells with those too), `paragraph` for platypus paragraphs.

Limits that remain, said honestly: reportlab places one glyph per code point, left to right, with
no OpenType shaping. Javanese needs shaping: pre-base vowel signs (taling ꦺ) are drawn after the
consonant instead of before it, pasangan (a consonant after the pangkon ꧀) is not stacked under
the previous one, and cakra/pengkal/cecak telu are not positioned. The letters are all there, in
logical order, and extract as the exact text typed (what search, copy and screen readers use),
but the printed shape is not what a reader of Aksara Jawa expects. reportlab can shape with
`uharfbuzz` installed; that is a dependency we have not taken yet. Scripts outside these fonts
(Han, Arabic, Devanagari, ...) print as empty boxes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

__all__ = [
    "BOLD",
    "JAVANESE",
    "JAVANESE_BOLD",
    "REGULAR",
    "DocumentCanvas",
    "paragraph",
    "register_fonts",
    "runs",
    "split_lines",
    "string_width",
    "styles",
]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "NotoSans"
BOLD = "NotoSans-Bold"
JAVANESE = "NotoSansJavanese"
JAVANESE_BOLD = "NotoSansJavanese-Bold"

_FILES = {
    REGULAR: "NotoSans-Regular.ttf",
    BOLD: "NotoSans-Bold.ttf",
    JAVANESE: "NotoSansJavanese-Regular.ttf",
    JAVANESE_BOLD: "NotoSansJavanese-Bold.ttf",
}
# The Javanese face that goes with each Latin face.
_JAVANESE_OF = {REGULAR: JAVANESE, BOLD: JAVANESE_BOLD, JAVANESE: JAVANESE, JAVANESE_BOLD: JAVANESE_BOLD}
# The fonts builders still name (old code, reportlab defaults): mapped so nothing falls back to
# a non-embedded base-14 font.
_ALIASES = {
    "Helvetica": REGULAR,
    "Helvetica-Bold": BOLD,
    "Helvetica-Oblique": REGULAR,
    "Helvetica-BoldOblique": BOLD,
    "Times-Roman": REGULAR,
    "Times-Bold": BOLD,
    "Times-Italic": REGULAR,
    "Times-BoldItalic": BOLD,
    "Courier": REGULAR,
    "Courier-Bold": BOLD,
    "Courier-Oblique": REGULAR,
    "Courier-BoldOblique": BOLD,
}

# Aksara Jawa; ZWNJ/ZWJ inside a Javanese run stay with it (they join or break its clusters).
_JAVANESE_RUN = re.compile("[\ua980-\ua9df](?:[\ua980-\ua9df\u200c\u200d]*[\ua980-\ua9df])?")


@functools.cache
def register_fonts() -> None:
    """Register the four faces once per process, and the family so <b> in paragraphs is bold."""
    for name, filename in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    pdfmetrics.registerFontFamily(
        JAVANESE, normal=JAVANESE, bold=JAVANESE_BOLD, italic=JAVANESE, boldItalic=JAVANESE_BOLD
    )


def font_for(name: str) -> str:
    """Our face for a font name a builder or reportlab asks for."""
    return _ALIASES.get(name, name)


def runs(text: str, font: str = REGULAR) -> Iterator[tuple[str, str]]:
    """(piece, font) pairs covering `text` in order: Javanese script in the Javanese face."""
    font = font_for(font)
    javanese = _JAVANESE_OF.get(font, JAVANESE)
    latin = REGULAR if font == JAVANESE else BOLD if font == JAVANESE_BOLD else font
    start = 0
    for match in _JAVANESE_RUN.finditer(text):
        if match.start() > start:
            yield text[start : match.start()], latin
        yield match.group(), javanese
        start = match.end()
    if start < len(text) or not text:
        yield text[start:], latin


def string_width(text: str, font: str, size: float) -> float:
    register_fonts()
    return sum(pdfmetrics.stringWidth(piece, name, size) for piece, name in runs(text, font))


def split_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Word-wrap `text` to `width` points, measuring each run in the face that draws it (what
    reportlab's simpleSplit does for one font). A word longer than the line is cut."""
    lines: list[str] = []
    for paragraph_text in str(text).split("\n"):
        line = ""
        for word in paragraph_text.split():
            candidate = f"{line} {word}" if line else word
            if string_width(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while string_width(word, font, size) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and string_width(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        if line:
            lines.append(line)
    return lines


class DocumentCanvas(canvas.Canvas):
    """A canvas that starts in Noto Sans (so no Helvetica resource is ever written), maps
    Helvetica names to Noto, and draws Javanese runs in Noto Sans Javanese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        register_fonts()
        # platypus passes initialFontName=None explicitly; None would mean Helvetica.
        kwargs["initialFontName"] = font_for(kwargs.get("initialFontName") or REGULAR)
        super().__init__(*args, **kwargs)

    def setFont(self, psfontname: str, size: float, leading: float | None = None) -> None:
        super().setFont(font_for(psfontname), size, leading)

    def drawString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        font, size = self._fontname, self._fontsize
        pieces = list(runs(str(text), font))
        if len(pieces) == 1:
            super().drawString(x, y, pieces[0][0], *args, **kwargs)
            return
        for piece, name in pieces:
            super().setFont(name, size)
            super().drawString(x, y, piece, *args, **kwargs)
            x += pdfmetrics.stringWidth(piece, name, size)
        super().setFont(font, size)

    def drawCentredString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        self.drawString(x - string_width(str(text), self._fontname, self._fontsize) / 2, y, text, *args, **kwargs)

    def drawRightString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        self.drawString(x - string_width(str(text), self._fontname, self._fontsize), y, text, *args, **kwargs)


def markup(text: str, font: str = REGULAR) -> str:
    """`text` escaped for a platypus Paragraph, Javanese runs wrapped in their face."""
    out = []
    for piece, name in runs(str(text), font):
        if name in (JAVANESE, JAVANESE_BOLD):
            out.append(f'<font name="{name}">{escape(piece)}</font>')
        else:
            out.append(escape(piece))
    return "".join(out)


def paragraph(text: str, style: Any) -> Paragraph:
    """A Paragraph of plain (untrusted) text in `style`, able to print Javanese script."""
    return Paragraph(markup(text, style.fontName), style)


def styles() -> StyleSheet1:
    """reportlab's sample stylesheet (a fresh one: callers adjust it) with every style in
    Noto Sans, headings in the bold."""
    register_fonts()
    sheet = getSampleStyleSheet()
    for style in sheet.byName.values():
        font = getattr(style, "fontName", None)
        if font is not None:
            bold = "Bold" in font or style.name.startswith(("Heading", "Title"))
            style.fontName = BOLD if bold else REGULAR
    return sheet
