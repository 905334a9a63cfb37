"""Checks every PDF test can use: fonts embedded, none of the base-14, text extractable.

A PDF viewer substitutes a base-14 font (Helvetica, Times, Courier, Symbol, ZapfDingbats) from
the reader's machine and only for WinAnsi text; a document people keep must carry its own."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

# Latin with diacritics (Indonesian loan words, Vietnamese, Polish) and a name in Aksara Jawa.
MIXED_NAME = "Sugiyô Đặng Łukasz ꦱꦸꦒꦶꦪꦺꦴ"

BASE_14 = {
    "Courier",
    "Courier-Bold",
    "Courier-BoldOblique",
    "Courier-Oblique",
    "Helvetica",
    "Helvetica-Bold",
    "Helvetica-BoldOblique",
    "Helvetica-Oblique",
    "Symbol",
    "Times-Bold",
    "Times-BoldItalic",
    "Times-Italic",
    "Times-Roman",
    "ZapfDingbats",
}


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _fonts_of(resources: Any, seen: set[int]) -> list[DictionaryObject]:
    """Every font in a resource dictionary, including those of form XObjects inside it."""
    resources = _resolve(resources)
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return []
    seen.add(id(resources))
    fonts = [_resolve(font) for font in _resolve(resources.get("/Font", DictionaryObject())).values()]
    for xobject in _resolve(resources.get("/XObject", DictionaryObject())).values():
        xobject = _resolve(xobject)
        if xobject.get("/Subtype") == "/Form":
            fonts += _fonts_of(xobject.get("/Resources"), seen)
    return fonts


def assert_fonts_embedded(pdf: bytes) -> list[str]:
    """Every font on every page is embedded as TrueType (FontFile2) and none is base-14.
    Returns the fonts' base names (subset prefix removed)."""
    reader = PdfReader(io.BytesIO(pdf))
    names: list[str] = []
    seen: set[int] = set()
    for number, page in enumerate(reader.pages, start=1):
        fonts = _fonts_of(page.get("/Resources"), seen)
        for font in fonts:
            base = str(font.get("/BaseFont", "")).lstrip("/").split("+", 1)[-1]
            assert base not in BASE_14, f"page {number}: base-14 font {base} is not embedded"
            descriptor_holder = font
            if font.get("/Subtype") == "/Type0":
                descriptor_holder = _resolve(_resolve(font["/DescendantFonts"])[0])
            descriptor = _resolve(descriptor_holder.get("/FontDescriptor"))
            assert descriptor is not None, f"page {number}: font {base} has no font descriptor"
            assert "/FontFile2" in descriptor, f"page {number}: font {base} is not embedded (no FontFile2)"
            assert "/ToUnicode" in font, f"page {number}: font {base} has no ToUnicode map"
            names.append(base)
    assert names, "the PDF uses no font at all"
    assert b"/Helvetica" not in pdf
    return names


def text_of(pdf: bytes) -> str:
    """All text of the PDF with every whitespace removed (layout puts breaks between runs)."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def assert_prints(pdf: bytes, *texts: str) -> None:
    """Fonts embedded, and each text extracts back exactly (whitespace aside)."""
    fonts = set(assert_fonts_embedded(pdf))
    assert "NotoSansJavanese-Regular" in fonts or "NotoSansJavanese-Bold" in fonts, fonts
    extracted = text_of(pdf)
    for text in texts:
        assert "".join(text.split()) in extracted, (text, extracted[:2000])
