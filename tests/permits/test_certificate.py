"""The certificate PDF: its QR code encodes the public verification URL, which says valid, then revoked."""

from __future__ import annotations

import re

import pytest
import segno
from django.test import Client

from apps.permits import certificate, services
from apps.tenancy.models import Tenant

from .conftest import NIK, NIK_MASKED, People, advance, logged_in, pdf_image_bytes, qr_bytes, submitted_permit

pytestmark = pytest.mark.django_db


def test_the_qr_in_the_pdf_encodes_the_verification_url(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = advance(submitted_permit(people), people, "issued")
        url = certificate.verification_url(permit, tenant_a)
        assert url == f"http://mojorejo.localhost:8000/izin/verifikasi/{permit.verification_token}/"
        pdf = certificate.render_certificate(permit, tenant_a)
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]
    # the image in the PDF is, pixel for pixel, the QR code of exactly that URL ...
    width, height, samples = pdf_image_bytes(pdf)
    expected = certificate.qr_matrix(url)
    assert (width, height) == (len(expected[0]), len(expected))
    assert samples == qr_bytes(expected)
    # ... and that matrix is what segno makes of the URL (the payload round-trips)
    reference = segno.make(url, error="m", micro=False)
    assert expected == [[bool(m) for m in row] for row in reference.matrix_iter(scale=1, border=4)]
    assert reference.designator  # a regular QR code, not micro
    # the QR is also a link to the same page, and the URL is printed under it
    assert f"/URI ({url})".encode() in pdf
    text = pdf.decode("latin-1")
    assert permit.number in text and "Pecel Madiun Bu Sri" in text and "IZIN USAHA MIKRO" in text
    assert NIK_MASKED in text and NIK not in text


def test_verification_page_says_valid_then_revoked(tenant_a: Tenant, people: People, client_a: Client) -> None:
    with tenant_a:
        permit = advance(submitted_permit(people), people, "issued")
        path = certificate.verification_path(permit.verification_token or "")
    page = client_a.get(path)  # anonymous: no login needed
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'data-testid="verify-status">\s*BERLAKU', html)
    assert permit.number in html and "56102" in html and "Pecel Madiun Bu Sri" in html
    assert 'data-testid="verify-owner">S** R*****<' in html
    # nothing private: no name, NIK (full or masked), address, coordinates or capital
    for private in ("Sri Rahayu", NIK, NIK_MASKED, "Jl. Mojorejo No. 12", "-7.637500", "25.000.000"):
        assert private not in html, private
    api = client_a.get(f"/api/v1/permits/verification/{permit.verification_token}/").json()
    assert api["valid"] is True and api["owner"] == "S** R*****" and api["number"] == permit.number

    with tenant_a:
        revoked = services.revoke(permit, people.lurah, "Usaha tidak lagi berjalan di lokasi ini")
        pdf = certificate.render_certificate(revoked, tenant_a)
    html = client_a.get(path).content.decode()
    assert re.search(r'data-testid="verify-status">\s*DICABUT', html)
    assert client_a.get(f"/api/v1/permits/verification/{permit.verification_token}/").json()["valid"] is False
    assert b"DICABUT" in pdf


def test_unknown_tokens_are_404(client_a: Client) -> None:
    page = client_a.get("/izin/verifikasi/tidak-ada/")
    assert page.status_code == 404 and "tidak ditemukan" in page.content.decode()
    assert client_a.get("/api/v1/permits/verification/tidak-ada/").status_code == 404


def test_owner_downloads_the_pdf_others_cannot(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    owner = logged_in(tenant_a, people.owner)
    assert owner.get(f"/izin/{permit.pk}/sertifikat.pdf").status_code == 404  # not issued yet
    with tenant_a:
        permit = advance(permit, people, "issued")
    response = owner.get(f"/izin/{permit.pk}/sertifikat.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="izin-usaha-503-0001-35-77-03-1001-')
    assert response.content.startswith(b"%PDF-")
    api = owner.get(f"/api/v1/permits/{permit.pk}/certificate/", HTTP_ACCEPT="application/pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF-")
    assert logged_in(tenant_a, people.other_owner).get(f"/izin/{permit.pk}/sertifikat.pdf").status_code == 404
    assert logged_in(tenant_a, people.other_owner).get(f"/api/v1/permits/{permit.pk}/certificate/").status_code == 404
    anonymous = Client(HTTP_HOST="mojorejo.localhost").get(f"/izin/{permit.pk}/sertifikat.pdf")
    assert anonymous.status_code == 302 and "/akun/masuk/" in anonymous["Location"]
