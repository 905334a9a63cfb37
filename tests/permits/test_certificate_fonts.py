"""The izin certificate embeds its fonts and prints a name in any script we ship a font for."""

from __future__ import annotations

import pytest

from apps.permits import certificate
from apps.tenancy.models import Tenant
from tests.pdf_fonts import MIXED_NAME, assert_prints

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
