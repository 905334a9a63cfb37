"""The izin certificate embeds its fonts and prints a name in any script we ship a font for."""

from __future__ import annotations

import io

import pikepdf
import pytest

from apps.permits import certificate
from apps.tenancy.models import Tenant
from tests.pdf_fonts import MIXED_NAME, assert_fonts_embedded, assert_prints

from .conftest import NIK_MASKED, People, advance, submitted_permit

pytestmark = pytest.mark.django_db


def test_the_certificate_prints_javanese_and_diacritics(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = advance(submitted_permit(people), people, "issued")
        permit.owner_name = MIXED_NAME
        permit.business_name = "Warung ꦱꦺꦴꦠꦺꦴ Bu Dwi"
        permit.products = "Soto ayam, es dawet ꦢꦮꦺꦠ꧀"
        body = certificate.render_certificate(permit, tenant_a)
    assert_prints(body, MIXED_NAME, "Warung ꦱꦺꦴꦠꦺꦴ Bu Dwi", "Soto ayam, es dawet ꦢꦮꦺꦠ꧀", "IZIN USAHA MIKRO", NIK_MASKED)


def test_the_certificate_is_pdf_a_2b(tenant_a: Tenant, people: People) -> None:
    """Each PDF/A-2b requirement apps/core/pdf/pdfa.py takes care of, read from the file
    (no veraPDF here: see that module)."""
    with tenant_a:
        permit = advance(submitted_permit(people), people, "issued")
        body = certificate.render_certificate(permit, tenant_a)
    assert body.startswith(b"%PDF-1.7\n%") and all(byte > 127 for byte in body[10:14])
    assert_fonts_embedded(body)
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert "/Encrypt" not in pdf.trailer and "/ID" in pdf.trailer
        (intent,) = list(pdf.Root.OutputIntents)
        assert intent.S == pikepdf.Name.GTS_PDFA1 and intent.OutputConditionIdentifier == "sRGB IEC61966-2.1"
        icc = intent.DestOutputProfile
        assert icc.N == 3 and icc.read_bytes()[36:40] == b"acsp" and icc.read_bytes()[16:20] == b"RGB "
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == str(pdf.docinfo.Title) == f"Izin Usaha Mikro {permit.number}"
        assert meta["pdf:Producer"] == str(pdf.docinfo.Producer)
        assert "/Filter" not in pdf.Root.Metadata  # XMP stays readable by any tool
        assert "/Trapped" not in pdf.docinfo
        annotations = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
        assert annotations and all(int(a.F) & 4 and not int(a.F) & 0b100011 for a in annotations)
        assert str(pdf.Root.Lang) == "id-ID"
