"""The HTMX pages: staff create and run a request, UMKM quote from a phone, everyone gets clear errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.procurement.models import Award, Evaluation, PurchaseRequest, Quote
from apps.tenancy.models import Tenant

from .conftest import RATIONALE, People, advance, closed_request, evaluated, logged_in, new_request

pytestmark = pytest.mark.django_db


def _form(**overrides: str) -> dict[str, str]:
    deadline = timezone.localtime(timezone.now() + timedelta(days=2))
    data = {
        "title": "Konsumsi rapat RW (50 kotak nasi)",
        "unit_name": "RW 01",
        "budget_ceiling": "1.500.000",
        "quote_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "delivery_address": "Balai RW 01",
        "delivery_date": (deadline + timedelta(days=1)).date().isoformat(),
        "delivery_lat": "-7.637500",
        "delivery_lng": "111.534700",
        "item-0-description": "Nasi kotak",
        "item-0-quantity": "50",
        "item-0-unit": "kotak",
        "item-0-kbli_code": "56",
        "item-1-description": "",
        "item-1-quantity": "",
        "item-1-unit": "",
        "item-1-kbli_code": "",
        "item-2-description": "Air mineral",
        "item-2-quantity": "2,5",
        "item-2-unit": "dus",
        "publish": "1",
    }
    data.update(overrides)
    return data


def test_staff_create_request_page(tenant_a: Tenant, people: People) -> None:
    client = logged_in(tenant_a, people.staf)
    form = client.get("/pengadaan/baru/")
    assert form.status_code == 200 and 'name="item-0-description"' in form.content.decode()
    assert "vendor/leaflet/leaflet.js" in form.content.decode()
    row = client.get("/pengadaan/baru/baris/?index=3", HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and 'name="item-3-quantity"' in row.content.decode()
    bad = client.post("/pengadaan/baru/", _form(**{"item-0-quantity": "0"}))
    assert bad.status_code == 422 and "Jumlah harus berupa angka lebih dari 0" in bad.content.decode()
    assert 'value="Konsumsi rapat RW (50 kotak nasi)"' in bad.content.decode()  # the form keeps what was typed
    with tenant_a:
        assert not PurchaseRequest.objects.exists()
    created = client.post("/pengadaan/baru/", _form())
    assert created.status_code == 302
    with tenant_a:
        purchase = PurchaseRequest.objects.get()
        assert purchase.status == "open" and purchase.budget_ceiling == 1_500_000
        assert [(i.description, str(i.quantity)) for i in purchase.items.all()] == [
            ("Nasi kotak", "50.00"),
            ("Air mineral", "2.50"),
        ]
    detail = client.get(created["Location"])
    assert detail.status_code == 200 and "Rp1.500.000" in detail.content.decode()
    assert 'data-testid="quote-count">0<' in detail.content.decode()


def test_umkm_phone_flow_list_quote_revise_mine(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
        first, second = list(purchase.items.order_by("position").values_list("pk", flat=True))
    client = logged_in(tenant_a, people.umkm)
    index = client.get("/pengadaan/").content.decode()
    assert purchase.title in index and 'data-testid="open-request"' in index
    form = client.get(f"/pengadaan/{purchase.pk}/penawaran/")
    assert form.status_code == 200 and 'inputmode="numeric"' in form.content.decode()
    preview = client.post(
        f"/pengadaan/{purchase.pk}/penawaran/hitung/",
        {f"price-{first}": "40.000", f"price-{second}": "1000"},
        HTTP_HX_REQUEST="true",
    )
    assert "Rp2.050.000" in preview.content.decode() and "melebihi pagu" in preview.content.decode()
    over = client.post(
        f"/pengadaan/{purchase.pk}/penawaran/",
        {f"price-{first}": "40000", f"price-{second}": "1000", "delivery_date": str(purchase.delivery_date)},
    )
    assert over.status_code == 422 and "melebihi pagu anggaran" in over.content.decode()
    sent = client.post(
        f"/pengadaan/{purchase.pk}/penawaran/",
        {f"price-{first}": "25.000", f"price-{second}": "3000", "delivery_date": str(purchase.delivery_date)},
    )
    assert sent.status_code == 302
    revised = client.post(
        f"/pengadaan/{purchase.pk}/penawaran/",
        {f"price-{first}": "24000", f"price-{second}": "3000", "delivery_date": str(purchase.delivery_date)},
        follow=True,
    )
    assert "revisi ke-2" in revised.content.decode()
    with tenant_a:
        assert Quote.objects.get().total == 1_350_000
    mine = client.get("/pengadaan/penawaran-saya/").content.decode()
    assert purchase.title in mine and "Rp1.350.000" in mine
    detail = client.get(f"/pengadaan/{purchase.pk}/").content.decode()
    assert 'data-testid="my-quote"' in detail and "Rp1.400.000" in detail  # the first revision in the history


def test_ineligible_and_late_umkm_see_why(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
        late = closed_request(people, quoters=())
    lain = logged_in(tenant_a, people.umkm_lain)
    refused = lain.get(f"/pengadaan/{purchase.pk}/penawaran/")
    assert refused.status_code == 403 and "golongan pokok 56" in refused.content.decode()
    assert "golongan pokok 56" in lain.get(f"/pengadaan/{purchase.pk}/").content.decode()
    assert purchase.title not in lain.get("/pengadaan/").content.decode()
    closed = logged_in(tenant_a, people.umkm).get(f"/pengadaan/{late.pk}/penawaran/")
    assert closed.status_code == 409 and "sudah lewat" in closed.content.decode()


def test_staff_compare_evaluate_award_order_accept_pay_pages(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
        quotes = {q.supplier_id: q.pk for q in purchase.quotes.all()}
    client = logged_in(tenant_a, people.petugas)
    compare = client.get(f"/pengadaan/{purchase.pk}/perbandingan/").content.decode()
    assert compare.count('data-testid="compare-row"') == 2 and "Katering Pak Budi" in compare
    assert f'name="score-{quotes[people.umkm_b.pk]}-price" value="100"' in compare  # cheapest gets 100
    scores = {}
    for pk in quotes.values():
        scores.update({f"score-{pk}-price": "90", f"score-{pk}-delivery": "80", f"score-{pk}-quality": "85"})
    missing = client.post(f"/pengadaan/{purchase.pk}/langkah/evaluate/", {**scores, "rationale": ""})
    assert missing.status_code == 422 and "alasan penilaian" in missing.content.decode()
    ok = client.post(f"/pengadaan/{purchase.pk}/langkah/evaluate/", {**scores, "rationale": RATIONALE})
    assert ok.status_code == 302
    with tenant_a:
        assert Evaluation.objects.filter(request=purchase).count() == 1
    award_page = client.get(f"/pengadaan/{purchase.pk}/perbandingan/").content.decode()
    assert 'data-testid="award-form"' in award_page
    won = client.post(
        f"/pengadaan/{purchase.pk}/langkah/award/", {"quote": quotes[people.umkm_b.pk], "summary": "Termurah."}
    )
    assert won.status_code == 302
    again = client.post(f"/pengadaan/{purchase.pk}/langkah/award/", {"quote": quotes[people.umkm.pk], "reason": "x"})
    assert again.status_code == 409 and "sudah memiliki pemenang" in again.content.decode()
    ordered = client.post(f"/pengadaan/{purchase.pk}/langkah/order/", HTTP_HX_REQUEST="true")
    assert ordered.status_code == 200 and "027/SP." in ordered.content.decode()
    assert 'id="procurement-panel"' in ordered.content.decode() and "<html" not in ordered.content.decode()
    delivered = logged_in(tenant_a, people.umkm_b).post(f"/pengadaan/{purchase.pk}/langkah/deliver/", {"note": "ok"})
    assert delivered.status_code == 302
    with tenant_a:
        first = purchase.items.order_by("position").first()
        assert first is not None
    partial = client.post(
        f"/pengadaan/{purchase.pk}/langkah/accept/", {f"accepted-{first.pk}": "40"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 422 and "alasan wajib" in partial.content.decode()
    accepted = client.post(
        f"/pengadaan/{purchase.pk}/langkah/accept/", {f"accepted-{first.pk}": "40", "reason": "10 kotak kurang"}
    )
    assert accepted.status_code == 302
    paid = client.post(f"/pengadaan/{purchase.pk}/langkah/pay/", {"reference": "SP2D-9", "paid_on": ""}, follow=True)
    page = paid.content.decode()
    assert "Pembayaran dicatat" in page and "SP2D-9" in page and 'data-testid="event-pay"' in page
    with tenant_a:
        assert PurchaseRequest.objects.get(pk=purchase.pk).status == "paid"


def test_pages_render_for_every_role(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "paid")
        running = evaluated(people)
    for user in people.roles().values():
        client = logged_in(tenant_a, user)
        assert client.get("/pengadaan/").status_code == 200
        assert client.get(f"/pengadaan/{purchase.pk}/").status_code == 200
        assert client.get(f"/pengadaan/{running.pk}/").status_code == 200
        assert client.get("/pengadaan/transparansi/").status_code == 200
    staff = logged_in(tenant_a, people.lurah)
    assert staff.get("/pengadaan/?status=paid").status_code == 200
    assert staff.get(f"/pengadaan/{running.pk}/perbandingan/").status_code == 200
    with tenant_a:
        assert Award.objects.count() == 1


def test_cancel_from_the_page_needs_a_reason(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
    client = logged_in(tenant_a, people.staf)
    empty = client.post(f"/pengadaan/{purchase.pk}/langkah/cancel/", {"reason": " "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 422 and "Alasan pembatalan wajib diisi" in empty.content.decode()
    done = client.post(f"/pengadaan/{purchase.pk}/langkah/cancel/", {"reason": "Rapat batal"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "Permintaan dibatalkan" in done.content.decode()
    unknown = client.post(f"/pengadaan/{purchase.pk}/langkah/hapus/")
    assert unknown.status_code == 404
