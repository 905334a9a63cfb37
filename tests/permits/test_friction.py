"""Issue 19, journey "izin": KBLI found by a word, approval that issues at once, plain messages,
staff pages leading back to the queue, errors next to their fields, files to pick again."""

from __future__ import annotations

import re

import pytest

from apps.permits import kbli, services
from apps.permits.models import Permit
from apps.tenancy.models import Tenant

from .conftest import People, advance, application, logged_in, pending_before_issue, submitted_permit

pytestmark = pytest.mark.django_db


def test_kbli_is_found_by_everyday_words_typos_and_codes() -> None:
    assert [k.code for k in kbli.search("katering")][:2] == ["56210", "56290"]
    assert "56210" in {k.code for k in kbli.search("ketering")}  # one typo forgiven
    assert [k.code for k in kbli.search("Kafé")] == ["56303"]
    assert [k.code for k in kbli.search("56210 — Jasa Boga untuk Suatu Event Tertentu (Event Catering)")] == ["56210"]
    assert kbli.get("56210").label == "56210 — Jasa Boga untuk Suatu Event Tertentu (Event Catering)"
    assert kbli.code_in("56210 — Jasa Boga") == "56210" and kbli.code_in("562101") is None
    assert kbli.search("zzzqqq") == []


def test_kbli_suggestions_are_a_listbox_of_code_and_title(tenant_a: Tenant, people: People) -> None:
    owner = logged_in(tenant_a, people.owner)
    html = owner.get("/izin/kbli/", {"kbli_code": "katering"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'role="listbox"' in html and 'role="option"' in html
    assert 'data-value="56210 — Jasa Boga untuk Suatu Event Tertentu (Event Catering)"' in html
    assert "2 bidang usaha cocok" in html
    # a prefix lists whole entries, never a bare "56"
    prefix = owner.get("/izin/kbli/", {"kbli_code": "56"}).content.decode()
    assert re.findall(r'data-value="(\d+)"', prefix) == []
    assert all(" — " in v for v in re.findall(r'data-value="([^"]+)"', prefix))


def test_apply_with_a_chosen_suggestion_a_word_or_a_bare_prefix(tenant_a: Tenant, people: People) -> None:
    owner = logged_in(tenant_a, people.owner)
    bare = owner.post("/izin/ajukan/", {**application(kbli_code="56"), "submit_now": "1"})
    assert bare.status_code == 422
    page = bare.content.decode()
    assert 'data-testid="error-kbli_code"' in page and "5 angka" in page
    assert 'aria-invalid="true" aria-describedby="error-kbli_code"' in page
    # the files chosen were kept (apps.core.files.kept): each input says so, nothing to choose again
    assert 'data-testid="kept-ktp_scan"' in page and 'data-testid="kept-premises_photo"' in page
    assert 'data-testid="files-not-kept"' not in page
    chosen = "56210 — Jasa Boga untuk Suatu Event Tertentu (Event Catering)"
    done = owner.post(
        "/izin/ajukan/", {**application(kbli_code=chosen, business_name="Katering Bu Sri"), "submit_now": "1"}
    )
    assert done.status_code == 302
    by_word = owner.post("/izin/ajukan/", {**application(kbli_code="laundry", business_name="Laundry Bu Sri")})
    assert by_word.status_code == 302
    with tenant_a:
        assert Permit.objects.get(business_name="Katering Bu Sri").kbli_code == "56210"
        assert Permit.objects.get(business_name="Laundry Bu Sri").kbli_code == "96200"
    ambiguous = owner.post("/izin/ajukan/", {**application(kbli_code="kue")}).content.decode()
    assert "Pilih salah satu dari daftar" in ambiguous


def test_incomplete_submission_marks_each_missing_field(tenant_a: Tenant, people: People) -> None:
    owner = logged_in(tenant_a, people.owner)
    data = {**application(lat="", lng=""), "submit_now": "1"}
    data.pop("ktp_scan")
    page = owner.post("/izin/ajukan/", data).content.decode()
    assert 'data-testid="error-location"' in page and 'data-testid="error-ktp_scan"' in page
    assert "Permohonan belum lengkap: lokasi usaha di peta, scan KTP." in page


def test_the_lurahs_approval_issues_the_permit_in_one_step(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = advance(submitted_permit(people), people, "verified")
    lurah = logged_in(tenant_a, people.lurah)
    detail = lurah.get(f"/izin/{permit.pk}/").content.decode()
    assert "Setujui dan terbitkan izin" in detail and "Izin langsung terbit" in detail
    assert 'data-testid="back-link"' in detail and 'href="/izin/antrian/"' in detail
    done = lurah.post(f"/izin/{permit.pk}/langkah/approve/", HTTP_HX_REQUEST="true").content.decode()
    assert "Izin usaha Pecel Madiun Bu Sri disetujui dan terbit." in done and "Berhasil" not in done
    assert 'data-testid="action-issue"' not in done and 'data-testid="download-pdf"' in done
    with tenant_a:
        permit.refresh_from_db()
        assert permit.status == "issued" and permit.number
        assert list(permit.events.values_list("action", flat=True).order_by("id"))[-2:] == ["approve", "issue"]
    owner_page = logged_in(tenant_a, people.owner).get(f"/izin/{permit.pk}/").content.decode()
    assert 'href="/izin/"' in owner_page and 'data-testid="download-pdf"' in owner_page


def test_with_something_pending_the_page_says_what_instead_of_a_bare_button(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = advance(submitted_permit(people), people, "verified")
        with pending_before_issue("retribusi"):
            held = services.approve(permit, people.lurah)
        assert held.status == "approved"
    with pending_before_issue("retribusi"):
        page = logged_in(tenant_a, people.staf).get(f"/izin/{permit.pk}/").content.decode()
    assert 'data-testid="issue-pending"' in page and "retribusi" in page
    assert 'data-testid="action-issue"' not in page
    # once nothing is pending, staff issue it
    staff = logged_in(tenant_a, people.staf)
    assert 'data-testid="action-issue"' in staff.get(f"/izin/{permit.pk}/").content.decode()
    issued = staff.post(f"/izin/{permit.pk}/langkah/issue/", HTTP_HX_REQUEST="true").content.decode()
    assert "Izin usaha Pecel Madiun Bu Sri terbit." in issued


def test_a_missing_reason_is_shown_under_its_box(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    rt = logged_in(tenant_a, people.ketua_rt)
    refused = rt.post(f"/izin/{permit.pk}/langkah/return/", {"reason": " "}, HTTP_HX_REQUEST="true")
    html = refused.content.decode()
    assert refused.status_code == 422 and 'data-testid="reason-error"' in html
    assert 'aria-describedby="reason-error-return"' in html and 'data-testid="panel-error"' not in html


def test_queue_shows_code_with_title(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        submitted_permit(people)
    html = logged_in(tenant_a, people.ketua_rt).get("/izin/antrian/").content.decode()
    assert "56102 — Rumah/Warung Makan" in html


def test_every_cheap_error_is_reported_in_one_round(tenant_a: Tenant, people: People) -> None:
    """A refused POST loses the chosen files: NIK, capital and the rest are all checked at once."""
    owner = logged_in(tenant_a, people.owner)
    data = {**application(nik="123", capital="dua juta", business_name=""), "submit_now": "1"}
    page = owner.post("/izin/ajukan/", data).content.decode()
    for field in ("nik", "capital", "business_name"):
        assert f'data-testid="error-{field}"' in page, field
    assert 'aria-describedby="error-nik"' in page and 'data-testid="kept-ktp_scan"' in page
