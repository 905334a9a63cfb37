"""The HTMX pages: apply with the map picker, my permits, acting on steps, editing, files."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.permits.models import Permit
from apps.tenancy.models import Tenant

from .conftest import JPEG, NIK, NIK_MASKED, People, application, logged_in, submitted_permit

pytestmark = pytest.mark.django_db


def test_apply_page_has_map_picker_kbli_list_and_local_assets(tenant_a: Tenant, people: People) -> None:
    page = logged_in(tenant_a, people.owner).get("/izin/ajukan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="map-picker"' in html and 'data-lat="-7.637458"' in html
    assert 'data-lat-input="id_lat"' in html and 'name="lat"' in html and 'name="lng"' in html
    # KBLI: a search box (text keypad) with a listbox of suggestions, not a 5-digit numeric field
    assert 'role="combobox"' in html and 'aria-controls="kbli-listbox"' in html and 'id="kbli-listbox"' in html
    assert 'inputmode="numeric"' not in re.search(r'<input[^>]*name="kbli_code"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert "<datalist" not in html and "/static/permits/kbli-combobox.js" in html
    assert 'hx-get="/izin/kbli/"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="rt"' not in html  # the owner lives in an RT; staff and newcomers choose one
    for asset in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
        assert asset.startswith("/static/"), asset
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/js/map-picker.js" in html
    assert Client(HTTP_HOST="mojorejo.localhost").get("/izin/ajukan/").status_code == 302


def test_apply_then_see_it_in_my_permits(tenant_a: Tenant, people: People) -> None:
    owner = logged_in(tenant_a, people.owner)
    response = owner.post("/izin/ajukan/", {**application(), "submit_now": "1"})
    assert response.status_code == 302
    detail = owner.get(response["Location"])
    html = detail.content.decode()
    assert "Menunggu rekomendasi RT/RW" in html and NIK_MASKED in html and NIK not in html
    assert 'data-testid="event-submit"' in html and "Rp25.000.000" in html
    assert 'data-testid="action-withdraw"' in html and 'data-testid="action-recommend"' not in html
    listing = owner.get("/izin/").content.decode()
    assert "Pecel Madiun Bu Sri" in listing
    assert "Pecel Madiun Bu Sri" not in logged_in(tenant_a, people.other_owner).get("/izin/").content.decode()
    draft = owner.post("/izin/ajukan/", {**application(business_name="Jahit Bu Sri", kbli_code="14120")})
    assert draft.status_code == 302
    with tenant_a:
        assert Permit.objects.get(business_name="Jahit Bu Sri").status == "draft"


def test_kbli_hint(client_a: Client) -> None:
    html = client_a.get("/izin/kbli/", {"kbli_code": "1079"}).content.decode()
    assert "10794" in html and "Industri Kerupuk" in html and "risiko rendah" in html
    assert "Tidak ada KBLI" in client_a.get("/izin/kbli/", {"q": "zzz"}).content.decode()


def test_steps_by_htmx_swap_the_panel_and_refusals_are_shown(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    rt = logged_in(tenant_a, people.ketua_rt)
    detail = rt.get(f"/izin/{permit.pk}/").content.decode()
    assert 'data-testid="action-recommend"' in detail and 'data-testid="action-return"' in detail
    assert f'hx-post="/izin/{permit.pk}/langkah/recommend/"' in detail
    done = rt.post(f"/izin/{permit.pk}/langkah/recommend/", {"reason": "Benar warga kami"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    panel = done.content.decode()
    assert panel.startswith('<div id="permit-panel"') and "Menunggu verifikasi petugas" in panel
    assert "<html" not in panel
    # the lurah may see it but it is the staff's step: 403 with the reason, shown in the panel
    lurah = logged_in(tenant_a, people.lurah)
    refused = lurah.post(f"/izin/{permit.pk}/langkah/verify/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 403 and 'data-testid="panel-error"' in refused.content.decode()
    assert "petugas kelurahan" in refused.content.decode()
    too_early = lurah.post(f"/izin/{permit.pk}/langkah/approve/", HTTP_HX_REQUEST="true")
    assert too_early.status_code == 409
    # without HTMX the page is redirected (success) or re-rendered whole (failure)
    staff = logged_in(tenant_a, people.staf)
    assert staff.post(f"/izin/{permit.pk}/langkah/verify/").status_code == 302
    no_reason = lurah.post(f"/izin/{permit.pk}/langkah/return/", {"reason": ""})
    assert no_reason.status_code == 422 and "<html" in no_reason.content.decode()
    assert logged_in(tenant_a, people.warga).post(f"/izin/{permit.pk}/langkah/approve/").status_code == 404
    with tenant_a:
        assert Permit.objects.get(pk=permit.pk).status == "verified"


def test_returned_permit_is_completed_on_the_edit_page(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    logged_in(tenant_a, people.ketua_rt).post(f"/izin/{permit.pk}/langkah/return/", {"reason": "Foto buram"})
    owner = logged_in(tenant_a, people.owner)
    detail = owner.get(f"/izin/{permit.pk}/").content.decode()
    assert "Foto buram" in detail and 'data-testid="edit-link"' in detail
    edit = owner.get(f"/izin/{permit.pk}/ubah/").content.decode()
    assert "Catatan petugas: Foto buram" in edit and 'value="Pecel Madiun Bu Sri"' in edit and NIK not in edit
    form = {
        "owner_name": "Sri Rahayu",
        "business_name": "Pecel Madiun Bu Sri",
        "kbli_code": "56102",
        "address": "Jl. Mojorejo No. 12",
        "lat": "-7.637500",
        "lng": "111.534700",
        "capital": "Rp25.000.000",
        "workers": "2",
        "products": "Nasi pecel",
        "premises_photo": application(premises_photo=None)["ktp_scan"],
        "submit_now": "1",
    }
    saved = owner.post(f"/izin/{permit.pk}/ubah/", form)
    assert saved.status_code == 302
    with tenant_a:
        permit.refresh_from_db()
        assert permit.status == "submitted" and permit.premises_photo_type == "image/jpeg"
        assert permit.events.filter(action="update").get().reason == "Diubah: produk/jasa, foto tempat usaha"
    assert owner.get(f"/izin/{permit.pk}/ubah/").status_code == 302  # submitted: no more editing


def test_attachments_are_served_only_to_those_who_may_see_them(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    for user in (people.owner, people.ketua_rt, people.staf):
        response = logged_in(tenant_a, user).get(f"/izin/{permit.pk}/berkas/ktp/")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff" and b"".join(response.streaming_content) == JPEG
    assert (
        logged_in(tenant_a, people.owner).get(f"/izin/{permit.pk}/berkas/tempat-usaha/")["Content-Type"] == "image/png"
    )
    for user in (people.other_owner, people.other_rt, people.warga):
        assert logged_in(tenant_a, user).get(f"/izin/{permit.pk}/berkas/ktp/").status_code == 404
    assert logged_in(tenant_a, people.owner).get(f"/izin/{permit.pk}/berkas/lain/").status_code == 404


def test_staff_apply_on_behalf_and_pick_the_rt(tenant_a: Tenant, people: People) -> None:
    staff = logged_in(tenant_a, people.admin)
    page = staff.get("/izin/ajukan/").content.decode()
    assert 'name="applicant"' in page and 'name="rt"' in page
    data = {**application(), "applicant": str(people.warga.pk), "rt": str(people.rt.pk), "submit_now": "1"}
    assert staff.post("/izin/ajukan/", data).status_code == 302
    with tenant_a:
        permit = Permit.objects.get(applicant=people.warga)
        assert permit.created_by == people.admin and permit.rt == people.rt and permit.status == "submitted"
