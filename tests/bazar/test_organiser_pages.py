"""The organiser's HTML pages (make, change, announce, close a bazar; place, move, renumber and
release stalls; promotions; the CSV report) and the shop owner's page (join, see the stall, its
promotion, leave): who may, what bad input says, that nothing changes on a refusal, budgets."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.agenda.models import Event as AgendaEvent
from apps.bazar import services
from apps.bazar.models import BazarEvent, Discount, Stall
from apps.marketplace.models import Shop
from apps.notifications.models import Message
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World, big_bazar, grow_promoted_stalls, make_bazar
from tests.budgets import assert_list_budget
from tests.conftest import client_for
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db


def _when(delta: timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _form(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Bazar Kemerdekaan",
        "place_name": "Lapangan RW 03",
        "starts_at": _when(timedelta(days=2)),
        "ends_at": _when(timedelta(days=2, hours=8)),
        "description": "Lomba dan bazar.",
        "grid_columns": "5",
        "grid_rows": "2",
        "publish": "on",
        "idempotency_key": "form-1",
    }
    data.update(over)
    return data


def _messages(response: object) -> str:
    return " ".join(str(m) for m in response.context["messages"])  # type: ignore[attr-defined]


def test_the_organiser_makes_a_bazar_once_per_form_with_its_agenda_entry(world: World, tenant_a: Tenant) -> None:
    client = signed_in(tenant_a, world.lurah)
    assert client.get("/bazar/kelola/baru/").status_code == 200
    first = client.post("/bazar/kelola/baru/", _form())
    again = client.post("/bazar/kelola/baru/", _form())  # a double tap: the same form key
    event = BazarEvent.objects.get(name="Bazar Kemerdekaan")
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/bazar/kelola/{event.slug}/"
    assert BazarEvent.objects.filter(name="Bazar Kemerdekaan").count() == 1
    assert (event.grid_columns, event.grid_rows, event.is_published) == (5, 2, True)
    assert AgendaEvent.objects.get(pk=event.agenda_event_id).title == "Bazar Kemerdekaan"
    page = client.get(f"/bazar/kelola/{event.slug}/").content.decode()
    assert "Bazar Kemerdekaan" in page and page.count("Kosong: kolom") == 10


def test_a_draft_enters_the_agenda_when_announced(world: World, tenant_a: Tenant) -> None:
    client = signed_in(tenant_a, world.lurah)
    data = _form(idempotency_key="form-draft")
    del data["publish"]
    client.post("/bazar/kelola/baru/", data)
    event = BazarEvent.objects.get(name="Bazar Kemerdekaan")
    assert not event.is_published and event.agenda_event_id is None
    assert client_for(tenant_a).get(f"/bazar/{event.slug}/").status_code == 404
    client.post(f"/bazar/kelola/{event.slug}/umumkan/")
    client.post(f"/bazar/kelola/{event.slug}/umumkan/")  # again: still one agenda entry
    event.refresh_from_db()
    assert event.is_published and event.agenda_event_id is not None
    assert AgendaEvent.objects.filter(title="Bazar Kemerdekaan").count() == 1
    assert client_for(tenant_a).get(f"/bazar/{event.slug}/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"name": ""}, "name", "harus diisi"),
        ({"ends_at": _when(timedelta(days=1))}, "ends_at", "Waktu selesai harus setelah waktu mulai"),
        ({"starts_at": "besok pagi"}, "starts_at", ""),
        ({"grid_columns": "0"}, "grid_columns", ""),
        ({"grid_rows": "99"}, "grid_rows", ""),
        ({"starts_at": "0014-01-01T08:00", "ends_at": "0014-01-02T08:00"}, "starts_at", "2000"),
    ],
)
def test_bad_input_is_a_form_error_and_makes_nothing(
    world: World, tenant_a: Tenant, change: dict[str, str], field: str, text: str
) -> None:
    response = signed_in(tenant_a, world.lurah).post("/bazar/kelola/baru/", _form(**change))
    assert response.status_code == 422
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page and text in page
    assert not BazarEvent.objects.filter(place_name="Lapangan RW 03").exists()
    assert not AgendaEvent.objects.filter(place_name="Lapangan RW 03").exists()


def test_only_organisers_open_the_organiser_pages(world: World, tenant_a: Tenant) -> None:
    event = make_bazar(world.lurah)
    sri = signed_in(tenant_a, world.market.sri)
    for path in (
        "/bazar/kelola/",
        "/bazar/kelola/baru/",
        f"/bazar/kelola/{event.slug}/",
        f"/bazar/kelola/{event.slug}/ubah/",
        f"/bazar/kelola/{event.slug}/laporan.csv",
    ):
        assert sri.get(path).status_code == 404, path
        assert client_for(tenant_a).get(path).status_code == 302, path  # to the sign-in page
    assert sri.post(f"/bazar/kelola/{event.slug}/tutup/").status_code == 404
    assert (
        sri.post(f"/bazar/kelola/{event.slug}/lapak/", {"shop": world.market.pecel.pk, "cell": "1-1"}).status_code
        == 404
    )
    assert not Stall.objects.filter(event=event).exists()
    event.refresh_from_db()
    assert event.ends_at > timezone.now()


def test_the_organiser_places_moves_renumbers_and_releases_stalls(world: World, tenant_a: Tenant) -> None:
    m = world.market
    event = make_bazar(world.lurah, starts_at=timezone.now() + timedelta(days=1))  # 4 × 3, not started
    client = signed_in(tenant_a, world.lurah)
    base = f"/bazar/kelola/{event.slug}"
    client.post(f"{base}/lapak/", {"shop": m.pecel.pk, "cell": "2-1", "number": "7"})
    client.post(f"{base}/lapak/", {"shop": m.oleh.pk, "cell": "3-3"})
    pecel, oleh = Stall.objects.get(shop=m.pecel), Stall.objects.get(shop=m.oleh)
    assert (pecel.number, pecel.column, pecel.row) == (7, 2, 1)
    assert (oleh.number, oleh.column, oleh.row) == (8, 3, 3)  # the next number
    taken = client.post(f"{base}/lapak/{oleh.pk}/pindah/", {"cell": "2-1"}, follow=True)
    assert "Posisi lapak itu sudah dipakai" in _messages(taken)
    outside = client.post(f"{base}/lapak/{oleh.pk}/pindah/", {"cell": "9-9"}, follow=True)
    assert "di luar denah" in _messages(outside)
    garbage = client.post(f"{base}/lapak/{oleh.pk}/pindah/", {"cell": "kiri"}, follow=True)
    assert "Pilih posisi lapak di denah" in _messages(garbage)
    clash = client.post(f"{base}/lapak/{oleh.pk}/pindah/", {"cell": "4-2", "number": "7"}, follow=True)
    assert "Nomor lapak 7 sudah dipakai" in _messages(clash)
    oleh.refresh_from_db()
    assert (oleh.number, oleh.column, oleh.row) == (8, 3, 3)  # neither the move nor the number
    client.post(f"{base}/lapak/{oleh.pk}/pindah/", {"cell": "4-2", "number": "2"})
    oleh.refresh_from_db()
    assert oleh.number == 2
    page = client.get(f"{base}/").content.decode()
    assert 'id="lapak-2"' in page and 'id="lapak-7"' in page and page.count("Kosong: kolom") == 10
    client.post(f"{base}/lapak/{oleh.pk}/lepas/")
    assert not Stall.objects.filter(pk=oleh.pk).exists()
    assert Message.objects.filter(recipient=m.yati, event="bazar.stall").exists()  # placed, then released


def test_stalls_are_released_only_before_the_bazar_and_an_ended_one_is_final(world: World, tenant_a: Tenant) -> None:
    m = world.market
    event = make_bazar(world.lurah)  # running
    stall = services.add_stall(event, m.pecel, actor=world.lurah, number=1, column=1, row=1)
    client = signed_in(tenant_a, world.lurah)
    base = f"/bazar/kelola/{event.slug}"
    refused = client.post(f"{base}/lapak/{stall.pk}/lepas/", follow=True)
    assert "tidak bisa dilepas setelah bazar dimulai" in _messages(refused)
    assert Stall.objects.filter(pk=stall.pk).exists()
    client.post(f"{base}/tutup/")
    event.refresh_from_db()
    assert event.ends_at <= timezone.now()
    assert AgendaEvent.objects.get(pk=event.agenda_event_id).ends_at == event.ends_at
    late = client.post(f"{base}/lapak/", {"shop": m.oleh.pk, "cell": "2-1"}, follow=True)
    assert "sudah selesai" in _messages(late) and not Stall.objects.filter(shop=m.oleh).exists()
    edit = client.post(f"{base}/ubah/", _form())
    assert edit.status_code == 409 and "sudah selesai" in edit.content.decode()
    moved = client.post(f"{base}/lapak/{stall.pk}/pindah/", {"cell": "3-3"}, follow=True)
    assert "sudah selesai" in _messages(moved)


def test_closing_a_bazar_that_has_not_started_is_refused(world: World, tenant_a: Tenant) -> None:
    event = make_bazar(world.lurah, starts_at=timezone.now() + timedelta(days=1))
    response = signed_in(tenant_a, world.lurah).post(f"/bazar/kelola/{event.slug}/tutup/", follow=True)
    assert "belum dimulai" in _messages(response)
    ends = event.ends_at
    event.refresh_from_db()
    assert event.ends_at == ends


def test_editing_changes_the_agenda_entry_and_keeps_stalls_on_the_map(world: World, tenant_a: Tenant) -> None:
    event = make_bazar(world.lurah, starts_at=timezone.now() + timedelta(days=1))  # 4 × 3
    services.add_stall(event, world.market.pecel, actor=world.lurah, number=1, column=4, row=3)
    client = signed_in(tenant_a, world.lurah)
    path = f"/bazar/kelola/{event.slug}/ubah/"
    assert client.get(path).status_code == 200
    shrunk = client.post(path, _form(name="Bazar Baru", grid_columns="3", grid_rows="3"))
    assert shrunk.status_code == 422 and "Denah tidak bisa diperkecil" in shrunk.content.decode()
    done = client.post(path, _form(name="Bazar Baru", grid_columns="4", grid_rows="3"))
    assert done.status_code == 302
    event.refresh_from_db()
    assert (event.name, event.place_name, event.slug) == ("Bazar Baru", "Lapangan RW 03", event.slug)
    assert AgendaEvent.objects.get(pk=event.agenda_event_id).title == "Bazar Baru"


def test_promotions_from_the_map_page_and_bad_ones_change_nothing(world: World, tenant_a: Tenant) -> None:
    m = world.market
    event = make_bazar(world.lurah)
    stall = services.add_stall(event, m.pecel, actor=world.lurah, number=1, column=1, row=1)
    client = signed_in(tenant_a, world.lurah)
    url = f"/bazar/lapak/{stall.pk}/promo/"
    for bad, text in (
        ({"discount": "percent", "value": "95", "products": [m.nasi.product_id]}, "Potongan persen 1 sampai 90"),
        ({"discount": "percent", "value": "10"}, "Pilih produk"),
        ({"discount": "percent", "value": "sepuluh", "products": [m.nasi.product_id]}, ""),
        ({"discount": "fixed", "value": "1000", "products": [m.madumongso.product_id]}, ""),  # not this shop's
        ({"discount": "gratis", "value": "1"}, ""),
    ):
        response = client.post(url, {**bad, "back": "kelola"}, follow=True)
        assert text in _messages(response) and response.redirect_chain[-1][0] == f"/bazar/kelola/{event.slug}/"
        stall.refresh_from_db()
        assert stall.discount == Discount.NONE
    client.post(url, {"discount": "fixed", "value": "2000", "products": [m.nasi.product_id], "back": "kelola"})
    stall.refresh_from_db()
    assert (stall.discount, stall.discount_value, stall.promo_products) == ("fixed", 2000, [m.nasi.product_id])
    assert signed_in(tenant_a, m.yati).post(url, {"discount": "none"}).status_code == 404


def test_the_csv_report_matches_the_page_and_defuses_formulas(world: World, tenant_a: Tenant) -> None:
    m = world.market
    event = make_bazar(world.lurah)
    services.add_stall(event, m.pecel, actor=world.lurah, number=1, column=1, row=1)
    Shop.objects.filter(pk=m.oleh.pk).update(name="=HYPERLINK(1)")  # a name a spreadsheet would run
    m.oleh.refresh_from_db()
    services.add_stall(event, m.oleh, actor=world.lurah, number=2, column=2, row=1)
    response = signed_in(tenant_a, world.lurah).get(f"/bazar/kelola/{event.slug}/laporan.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Lapak", "Toko", "Pesanan", "Nilai penjualan (Rp)"]
    assert {r[1] for r in rows[1:3]} == {m.pecel.name, "'=HYPERLINK(1)"}
    assert rows[-1] == ["", "Jumlah", "0", "0"]


def test_a_shop_owner_joins_sees_the_stall_sets_the_promotion_and_leaves(world: World, tenant_a: Tenant) -> None:
    m = world.market
    event = make_bazar(world.lurah, starts_at=timezone.now() + timedelta(days=1))
    draft = services.create_bazar(
        actor=world.lurah,
        name="Bazar Draf",
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=4),
        place_name="Balai",
        publish=False,
    )
    sri = signed_in(tenant_a, m.sri)
    page = sri.get("/bazar/toko/").content.decode()
    assert f'data-testid="join-{event.slug}"' in page and "Bazar Draf" not in page
    assert sri.post(f"/bazar/{draft.slug}/ikut/", {"shop": m.pecel.pk}).status_code == 404
    assert sri.post(f"/bazar/{event.slug}/ikut/", {"shop": m.oleh.pk}).status_code == 404  # not hers
    assert sri.post(f"/bazar/{event.slug}/ikut/", {"shop": "x"}).status_code == 404
    sri.post(f"/bazar/{event.slug}/ikut/", {"shop": m.pecel.pk})
    sri.post(f"/bazar/{event.slug}/ikut/", {"shop": m.pecel.pk})  # again: the same stall
    stall = Stall.objects.get(event=event, shop=m.pecel)
    assert (stall.number, stall.column, stall.row) == (1, 1, 1)
    page = sri.get("/bazar/toko/").content.decode()
    assert 'data-testid="my-stall"' in page and "Kolom 1, baris 1" in page
    assert f'data-testid="join-{event.slug}"' not in page
    sri.post(
        f"/bazar/lapak/{stall.pk}/promo/", {"discount": "percent", "value": "15", "products": [m.keripik.product_id]}
    )
    stall.refresh_from_db()
    assert (stall.discount, stall.discount_value) == ("percent", 15)
    assert signed_in(tenant_a, m.yati).post(f"/bazar/lapak/{stall.pk}/batal/").status_code == 404
    sri.post(f"/bazar/lapak/{stall.pk}/batal/")
    assert not Stall.objects.filter(pk=stall.pk).exists()


def test_the_map_page_query_budget(world: World, tenant_a: Tenant) -> None:
    event = big_bazar(world.lurah, starts_at=timezone.now() + timedelta(days=1))
    client: Client = signed_in(tenant_a, world.lurah)
    assert_list_budget(fetch=lambda: client.get(f"/bazar/kelola/{event.slug}/"), grow=grow_promoted_stalls(event))


def test_the_bazar_list_query_budget(world: World, tenant_a: Tenant) -> None:
    client: Client = signed_in(tenant_a, world.lurah)
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            event = make_bazar(world.lurah, name=f"Bazar {made[0]}")
            services.add_stall(event, world.market.pecel, actor=world.lurah)

    assert_list_budget(fetch=lambda: client.get("/bazar/kelola/"), grow=grow)


def test_the_shop_page_query_budget(world: World, tenant_a: Tenant) -> None:
    m = world.market
    client: Client = signed_in(tenant_a, m.sri)
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            joined = make_bazar(world.lurah, name=f"Bazar {made[0]}", starts_at=timezone.now() + timedelta(days=1))
            services.add_stall(joined, m.pecel, actor=m.sri)
            make_bazar(world.lurah, name=f"Bazar lain {made[0]}", starts_at=timezone.now() + timedelta(days=2))

    assert_list_budget(fetch=lambda: client.get("/bazar/toko/"), grow=grow)
