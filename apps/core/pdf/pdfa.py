"""PDF/A-2b for documents people keep for years (the izin certificate).

reportlab's open-source edition writes no PDF/A (that is in ReportLab PLUS), so the finished PDF
is post-processed with pikepdf (qpdf). What reportlab already gives that PDF/A-2b needs:

- every font embedded: our canvas only uses the vendored TrueType faces (never base-14); the
  subsets are symbolic TrueType with exactly one cmap subtable and no /Encoding, which is
  what PDF/A-2 (ISO 19005-2, 6.2.11.6) asks of symbolic TrueType fonts;
- a binary comment after the header and a trailer /ID; no encryption, JavaScript or
  embedded files; images are DeviceGray, colours DeviceRGB.

What this module adds:

- an OutputIntent (GTS_PDFA1) carrying an sRGB ICC profile, made by LittleCMS through Pillow
  (so no ICC file is vendored), which DeviceRGB and DeviceGray need under PDF/A;
- XMP metadata with pdfaid:part=2 / conformance=B, filled from the document information
  dictionary by pikepdf so the two agree, as PDF/A requires;
- the Print flag (F=4) on every annotation (the QR code's link), which PDF/A requires;
- the document language.

Not checked here: a full validator. veraPDF (the reference PDF/A validator) is a Java program
that is not in the package registries we install from; tests/permits check each requirement
above on the produced file instead.
"""

from __future__ import annotations

import functools
import io

import pikepdf
from PIL import ImageCms

SRGB = "sRGB IEC61966-2.1"


@functools.cache
def srgb_icc_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def to_pdfa_2b(data: bytes, *, lang: str = "id-ID") -> bytes:
    """`data` (a reportlab PDF drawn with the embedded fonts) as PDF/A-2b.

    Streams stay as reportlab wrote them (no recompression, no object streams), so the file
    changes only by the objects added here."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        profile = pikepdf.Stream(pdf, srgb_icc_profile())
        profile["/N"] = 3
        pdf.Root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFA1,
                    OutputConditionIdentifier=SRGB,
                    Info=SRGB,
                    DestOutputProfile=profile,
                )
            ]
        )
        pdf.Root.Lang = pikepdf.String(lang)
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", pikepdf.Array()):
                annotation.F = 4  # Print, and not Hidden/Invisible/NoView
        # /Trapped has no XMP twin that pikepdf fills in; it is optional, so it goes.
        if "/Trapped" in pdf.docinfo:
            del pdf.docinfo["/Trapped"]
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
            meta.load_from_docinfo(pdf.docinfo)  # the two must agree under PDF/A
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        out = io.BytesIO()
        pdf.save(
            out,
            compress_streams=False,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            min_version="1.7",  # PDF/A-2 is built on PDF 1.7
        )
    return out.getvalue()
